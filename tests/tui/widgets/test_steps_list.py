"""The steps list repaints only what changed (issue 15): a running step's timing changes at
every event batch, and a list that repainted itself whole for it made every frame of a
streaming research redraw the whole screen's height."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.app import App, ComposeResult
from textual.strip import Strip
from textual.widget import Widget

from tests.pilot_helpers import count_reflows, settled
from tui.widgets.steps import StepEntry, StepsList


class StepsApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StepsList(id="steps")


ENTRIES = [StepEntry(f"s{n}", 1, f"Search {n}", "done", timing=f"{n}.0s") for n in range(12)]


def count_rendered_lines(steps: StepsList) -> list[int]:
    """Which of the list's rows are rendered from now on (the widget's own render_line)."""
    rendered: list[int] = []
    own = steps.render_line

    def render_line(y: int) -> Strip:
        rendered.append(y)
        return own(y)

    steps.render_line = render_line  # type: ignore[method-assign]
    return rendered


async def _shown(pilot: Any) -> StepsList:
    steps = pilot.app.query_one(StepsList)
    steps.show_entries(ENTRIES)
    steps.highlighted = 0
    await settled(pilot)
    return steps


async def test_a_changed_prompt_repaints_only_its_own_line() -> None:
    async with StepsApp().run_test(size=(40, 16)) as pilot:
        steps = await _shown(pilot)
        rendered = count_rendered_lines(steps)
        changed = [*ENTRIES[:5], replace(ENTRIES[5], status="running", timing="9.9s"), *ENTRIES[6:]]
        steps.show_entries(changed)
        await settled(pilot)
        assert rendered == [5]
        assert "9.9s" in str(steps.get_option_at_index(5).prompt)


async def test_moving_the_highlight_repaints_the_two_lines_it_concerns() -> None:
    async with StepsApp().run_test(size=(40, 16)) as pilot:
        steps = await _shown(pilot)
        steps.focus()
        await settled(pilot)
        rendered = count_rendered_lines(steps)
        await pilot.press("j")
        await settled(pilot)
        assert steps.highlighted == 1
        assert sorted(rendered) == [0, 1]


async def test_painting_the_list_works_out_no_link_style(monkeypatch: Any) -> None:
    """Steps hold no links; with links on, Textual worked out the link style (the widget's
    colours up its ancestors) for every line it rendered, ~30 % of a reopen's list."""
    asked: list[Widget] = []
    link_style = Widget.link_style

    def counted(widget: Widget) -> Any:
        asked.append(widget)
        return link_style.fget(widget)  # type: ignore[attr-defined]

    monkeypatch.setattr(Widget, "link_style", property(counted))
    async with StepsApp().run_test(size=(40, 16)) as pilot:
        steps = await _shown(pilot)
        rendered = count_rendered_lines(steps)
        steps.refresh()
        await settled(pilot)
        assert len(rendered) == len(ENTRIES)  # every line was painted again
        assert [widget for widget in asked if widget is steps] == []


async def test_a_prompt_that_needs_another_height_still_lays_the_list_out_again() -> None:
    async with StepsApp().run_test(size=(40, 16)) as pilot:
        steps = await _shown(pilot)
        steps.replace_option_prompt_at_index(2, "two\nlines")
        await settled(pilot)
        assert steps._heights[2] == 2
        assert steps._index_to_line[3] == 4


class FixedStepsApp(StepsApp):
    """The list as the research screen sizes it: its height does not follow its length."""

    CSS = "StepsList { height: 1fr; }"


async def test_an_appended_step_lays_nothing_out_until_the_scrollbar_appears() -> None:
    """A new step is painted without re-laying out the screen (a step appended while a
    research streams made a 16-25 ms frame); the one that makes the list overflow still
    brings its scrollbar, and the list scrolls to its end."""
    more = [StepEntry(f"t{n}", 2, f"Step {n}", "done") for n in range(10)]
    async with FixedStepsApp().run_test(size=(40, 16)) as pilot:
        steps = await _shown(pilot)
        reflows = count_reflows(pilot.app)
        steps.show_entries([*ENTRIES, more[0]])
        await settled(pilot)
        assert reflows == []
        assert steps.virtual_size.height == 13
        assert "Step 0" in str(steps.get_option_at_index(12).prompt)
        assert not steps.show_vertical_scrollbar
        steps.show_entries([*ENTRIES, *more])
        await settled(pilot)
        assert steps.show_vertical_scrollbar and reflows  # the scrollbar's own layout
        steps.scroll_end(animate=False, immediate=True)
        await settled(pilot)
        assert steps.scroll_y == steps.max_scroll_y == 22 - steps.scrollable_content_region.height


def test_a_step_line_takes_its_label_literally_and_styles_icon_and_timing() -> None:
    """A query is web text: markup and ``$variables`` in it are shown, never applied."""
    entry = StepEntry("s1", 1, "[b]tariffs[/b] $label [@click=quit]x[/]", "failed", "2.5s", 1)
    line = entry.prompt()
    assert line.plain == "  ✖ [b]tariffs[/b] $label [@click=quit]x[/] 2.5s"
    styles = {line.plain[span.start : span.end]: str(span.style) for span in line.spans}
    assert styles == {"✖": "$error", "2.5s": "dim"}


def test_a_long_step_line_is_cut_to_the_width_with_its_timing_kept() -> None:
    entry = StepEntry("s1", 1, "a very long search query about tariffs and trade", "done", "1.2s")
    line = entry.prompt(24)
    assert line.cell_length <= 24
    assert line.plain.startswith("✔ a very long")
    assert line.plain.endswith("… 1.2s")


def test_a_step_line_that_fits_is_one_row_and_one_that_does_not_wraps() -> None:
    line = StepEntry("s1", 1, "tariffs and trade", "done", "1.2s").prompt(24)
    assert line.cell_length == 24
    assert line.get_height({}, 24) == 1
    assert line.get_height({"line_pad": 1}, 24) == 2  # 24 cells in the 22 left: wrapped
    uncut = StepEntry("s1", 1, "tariffs and trade in the long run", "done").prompt()
    assert uncut.get_height({}, 20) == 2  # wider than the room: Content wraps it
