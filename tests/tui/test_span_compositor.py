"""The span compositor paints exactly what Textual's compositor paints.

A finished research screen (wide: three panes, the newest sources under them; narrow:
tabs) is asked for partial updates with Textual's ``Compositor.render_partial_update`` and
with :class:`SpanCompositor`'s, for every single widget dirty, every pair of a streaming
pane with another widget, and parts of widgets (a line or a corner): the terminal output
must be the same. The differences allowed write nothing: a cursor move to the chop that starts
where a span ends (Textual visits it and writes no cell there), and a style around no text
(Textual keeps a widget's empty segments when it cuts a whole line; a cropped line drops
them).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from textual._compositor import Compositor
from textual.geometry import Region

from tests.conftest import AppBuilder
from tests.pilot_helpers import finished, partial_update, research_screen
from tui.span_compositor import SpanCompositor

IDLE_MOVE = re.compile(r"\x1b\[\d+;\d+H(?=\x1b\[\d+;\d+H|\n|$)")
"""A cursor move followed by another move, a new line or the end: it writes nothing."""
EMPTY_STYLE = re.compile(r"\x1b\[[\d;]*m\x1b\[0m")
"""A style set and reset around no text."""


def _update(compositor: SpanCompositor, console: object, regions: list[Region], stock: bool) -> str:
    update = partial_update(compositor, regions, textual=stock)
    if update is None:
        return ""
    return IDLE_MOVE.sub("", EMPTY_STYLE.sub("", update.render_segments(console)))


async def _finished_screen(pilot: Any) -> tuple[Any, SpanCompositor]:
    """The research screen once its scripted research finished, and its compositor."""
    screen = await research_screen(pilot)
    await finished(pilot, screen)
    await pilot.pause()
    compositor = screen._compositor
    assert isinstance(compositor, SpanCompositor)
    return screen, compositor


def _asked(compositor: SpanCompositor) -> list[str]:
    """Which widgets are asked to render from now on (their ids, else their class)."""
    asked: list[str] = []
    for widget in compositor.visible_widgets:
        original = widget.render_lines

        def spy(crop: Region, widget: object = widget, original: object = original) -> object:
            asked.append(getattr(widget, "id", None) or type(widget).__name__)
            return original(crop)  # type: ignore[operator]

        widget.render_lines = spy  # type: ignore[method-assign]
    return asked


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_partial_updates_paint_what_textual_paints(
    keys: None, make_app: AppBuilder, size: tuple[int, int]
) -> None:
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=size) as pilot:
        screen, compositor = await _finished_screen(pilot)
        shown = [
            region.intersection(clip)
            for region, clip in compositor.visible_widgets.values()
            if region.intersection(clip)
        ]
        panes = [screen.query_one(f"#{s}-doc").region for s in ("plan", "execution", "reflection")]
        cases: list[list[Region]] = [[region] for region in shown]
        cases += [[pane, other] for pane, other in itertools.product(panes, shown)]
        cases += [[Region(r.x, r.y, r.width, 1)] for r in shown]  # one line of a widget
        cases += [[Region(r.x + r.width // 2, r.y, max(1, r.width // 3), 2)] for r in shown]
        screen_region = compositor.size.region
        cases = [[r.intersection(screen_region) for r in regions] for regions in cases]
        assert len(cases) > 40
        painted = 0
        for regions in cases:
            expected = _update(compositor, app.console, regions, stock=True)
            got = _update(compositor, app.console, regions, stock=False)
            assert got == expected, (regions, got, expected, compositor.cuts[regions[0].y])
            painted += bool(expected)
        assert painted == len(cases)


async def test_a_streaming_pane_renders_only_the_widgets_under_it(
    keys: None, make_app: AppBuilder
) -> None:
    """A pane's update asks no widget beside it to render (Textual's asks all of them)."""
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(160, 48)) as pilot:
        screen, compositor = await _finished_screen(pilot)
        pane = screen.query_one("#execution-doc")
        asked = _asked(compositor)
        _update(compositor, app.console, [pane.region], stock=False)
        assert "execution-doc" in asked
        assert not {"steps", "plan-doc", "reflection-doc", "status"} & set(asked), asked
        asked.clear()
        _update(compositor, app.console, [pane.region], stock=True)
        assert {"steps", "pane-plan", "pane-reflection"} <= set(asked)


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_a_full_frame_paints_what_textual_paints_rendering_less(
    keys: None, make_app: AppBuilder, size: tuple[int, int]
) -> None:
    """The first frame of a screen: the same output as Textual's (on screen and in an SVG
    export), and the containers the widgets in front of them cover are not rendered."""
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=size) as pilot:
        _screen, compositor = await _finished_screen(pilot)
        asked = _asked(compositor)
        for simplify in (False, True):
            asked.clear()
            expected = Compositor.render_full_update(compositor, simplify)
            textual_asked = set(asked)
            asked.clear()
            got = compositor.render_full_update(simplify)
            assert got.render_segments(app.console) == expected.render_segments(app.console)
            assert {"research-body", "views", "panes"} <= textual_asked - set(asked), asked
            assert "steps" in asked and "status" in asked  # what shows is still rendered
