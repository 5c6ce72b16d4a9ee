"""Pilot tests of the app and the Research screen.

Most tests drive a scripted engine (tests/snapshot_apps/scripted.py) that has the real
engine's API and saves through the real session recorder; the ``real engine`` tests at the
end run ``core.research.ResearchEngine`` against the loopback Gemini/Tavily fakes. Nothing
sleeps for a fixed time: tests wait for conditions (``wait_for``) or for workers.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import ContentSwitcher, DataTable, Markdown

from core.config import load
from core.events import ReportReady, SessionFinished
from core.mindmap.base import Neighbour, NodeDetail, NodeRef, Page
from tests.conftest import AppBuilder
from tests.pilot_helpers import (
    engine_held,
    finished,
    footer_keys,
    report_opened,
    research_screen,
    show_view,
    wait_for,
)
from tests.snapshot_apps.scripted import (
    PLANS,
    REPORT,
    SOURCES,
    ScriptedEngine,
    canned_events,
    scripted_factory,
    write_session,
)
from tui.app import DeepResearchApp
from tui.screens.report import link_citations, stable_text
from tui.screens.research import ResearchScreen
from tui.widgets.panes import SectionPane
from tui.widgets.sources import SourcesTable
from tui.widgets.steps import StepsList, build_entries


class MemoryStore:
    """A tiny MindMapStore for tree tests: Topic → 2 rounds → 60 evidence nodes (paging)."""

    backend = "memory"
    location = "memory"
    read_only = True

    def __init__(self, newer_topics: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, int]] = []
        self.closed = False
        self.newer_topics = newer_topics
        """Topics of other researches, listed first (the roots come newest first)."""

    def roots(self) -> list[NodeRef]:
        others = [
            NodeRef(f"o{i}", "Topic", t, child_count=1) for i, t in enumerate(self.newer_topics)
        ]
        return [*others, NodeRef("t1", "Topic", "Solid-state batteries", child_count=2)]

    def children(self, node_id: str, *, offset: int = 0, limit: int = 50) -> Page:
        self.calls.append((node_id, offset))
        if node_id == "t1":
            items = [NodeRef(f"r{n}", "Round", f"Round {n}", child_count=60) for n in (1, 2)]
            return Page(items=items, total=2, offset=0)
        all_items = [NodeRef(f"{node_id}-e{i}", "Evidence", f"claim {i}") for i in range(60)]
        return Page(items=all_items[offset : offset + limit], total=60, offset=offset)

    def node(self, node_id: str) -> NodeDetail | None:
        ref = NodeRef(node_id, "Evidence", f"claim of {node_id}")
        return NodeDetail(
            ref,
            {"claim": f"claim of {node_id}", "confidence": 0.8},
            [Neighbour("CITES", "out", NodeRef("s1", "Source", "A source"))],
        )

    def close(self) -> None:
        self.closed = True


def pane_text(screen: ResearchScreen, section: str) -> str:
    return screen.query_one(f"#pane-{section}", SectionPane).doc.shown


# --- pure helpers ---------------------------------------------------------------------------


def test_citations_become_links_and_partial_ones_wait() -> None:
    assert link_citations("fact [3].") == "fact \\[[3](source:3)\\]."
    assert link_citations("a [1, 2]") == "a \\[[1](source:1), [2](source:2)\\]"
    assert link_citations("[link](http://x) and [^1]") == "[link](http://x) and [^1]"
    assert stable_text("growing [1", final=False) == "growing "
    assert stable_text("growing [1", final=True) == "growing [1"


def test_a_streamed_source_list_keeps_one_source_per_line_and_only_grows() -> None:
    """A model's own "[1] Title, url" lines get hard breaks (Markdown would join them into
    one paragraph) and every shown prefix is a prefix of what is shown later: the report
    document is appended to while it streams, never rebuilt."""
    report = "Body [1].\n\nSources:\n[1] First, https://a.example\n[2] Second \n[3] Third"
    final = stable_text(report, final=True)
    assert "https://a.example  \n" in final and "Second   \n" in final
    assert final.endswith("\\[[3](source:3)\\] Third")
    shown = [stable_text(report[:cut], final=False) for cut in range(len(report) + 1)]
    for before, after in itertools.pairwise(shown):
        assert after.startswith(before), (before, after)


def test_steps_follow_the_state() -> None:
    from core.state import SessionState

    state = SessionState.replay(canned_events())
    entries = build_entries(state, ["worker crashed"])
    ids = [e.id for e in entries]
    assert ids[:2] == ["r1", "r1:context"]
    assert "r1:search:1" in ids and "r2:synthesis" in ids and ids[-2:] == ["report", "n0"]
    assert all(e.status == "done" for e in entries if e.id.startswith("r"))
    warning = next(e for e in entries if e.id.startswith("w"))
    assert warning.status == "warning" and warning.round == 1


# --- first launch ---------------------------------------------------------------------------


async def test_first_launch_without_keys_opens_settings(make_app: AppBuilder) -> None:
    from tui.screens.settings import SettingsScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
        assert app.screen.first_launch is True  # type: ignore[attr-defined]


# --- a live research with the scripted engine ----------------------------------------------


async def test_start_from_home_streams_into_every_pane(keys: None, make_app: AppBuilder) -> None:
    from tui.screens.home import HomeScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.click("#topic")
        await pilot.press(*"Solid-state batteries", "enter")
        await wait_for(pilot, lambda: any(isinstance(s, ResearchScreen) for s in app.screen_stack))
        screen = next(s for s in app.screen_stack if isinstance(s, ResearchScreen))
        await finished(pilot, screen)
        assert screen.state.topic == "Solid-state batteries"
        plan, execution, reflection = PLANS[2]
        assert pane_text(screen, "plan") == plan
        assert pane_text(screen, "execution") == execution
        assert pane_text(screen, "reflection") == reflection
        # The markdown widget really shows it (not just our bookkeeping).
        painted = screen.query_one("#pane-plan", SectionPane).doc.painted_text()
        assert "Interfaces" not in painted and "dendrites" in painted
        await screen.action_view("sources")  # mounted when first shown, with every source
        assert screen.query_one(SourcesTable).row_count == len(SOURCES)
        status = str(screen.query_one("#status").render())
        assert "Round 2/2" in status and "done" in status


async def test_the_step_the_user_moved_to_survives_new_events(
    keys: None, make_app: AppBuilder
) -> None:
    """Issue 15: j/k during a run was undone by the next event batch. Moving stops the
    following; the choice (and its round in the panes) holds; G follows again."""
    from tui.keys import screen_actions

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=16))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        steps = screen.query_one(StepsList)
        await wait_for(pilot, lambda: screen.engine is not None and screen.engine.holding.is_set())
        await wait_for(pilot, lambda: screen.state.last_seq == 16 and steps.option_count > 5)

        def list_caught_up() -> bool:
            """The list shows every step the state holds (its paint is rate-bounded)."""
            built = build_entries(screen.state, screen.notes, paused=screen.engine_paused)
            return [steps.entry_at(i) for i in range(steps.option_count)] == built

        await wait_for(pilot, list_caught_up, "the steps list caught up with event 16")
        await wait_for(pilot, lambda: steps.highlighted is not None and steps.follow)
        followed = steps.highlighted
        steps.focus()
        try:
            await pilot.press("k")
            chosen = steps.entry_at(steps.highlighted)
            titles = [a.title for a in screen_actions(screen)]
        finally:
            screen.engine.release()  # a failed assertion must not leave the engine held
        assert steps.highlighted == followed - 1 and not steps.follow
        assert chosen is not None and chosen.round == 1
        assert "Follow the newest step" in titles  # the footer and help offer the way back
        await finished(pilot, screen)
        assert screen.state.current_round == 2
        now = steps.entry_at(steps.highlighted)
        assert now is not None and now.id == chosen.id
        assert pane_text(screen, "plan") == PLANS[1][0]  # still the round the user chose
        steps.focus()
        await pilot.press("G")
        await wait_for(pilot, lambda: pane_text(screen, "plan") == PLANS[2][0])
        entry = steps.entry_at(steps.highlighted)
        assert steps.follow and entry is not None and entry.round == 2
        assert "Follow the newest step" not in [a.title for a in screen_actions(screen)]


async def test_the_first_key_enables_follow_in_place_and_frames_are_paced(
    keys: None, make_app: AppBuilder
) -> None:
    """While the research runs and the list follows, "G Follow" is in the footer, dimmed;
    the first j/k enables that key where it is, without rebuilding the footer (a rebuild
    was an 83 ms frame mid-stream). The screen's paints are paced by ``tui.frame_pacing``
    (not Textual's 60 Hz timer), and the key reached the app's input clock, which makes
    the paint that shows it go on the loop's next turn."""
    from textual.widgets._footer import FooterKey

    from tui.frame_pacing import FramePacer
    from tui.widgets.steady_footer import SteadyFooter

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=16))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        steps = screen.query_one(StepsList)
        await engine_held(pilot, screen)
        footer = screen.query_one(SteadyFooter)

        def follow_key() -> FooterKey | None:
            return next((k for k in footer_keys(screen) if k.action == "follow"), None)

        try:
            steps.focus()  # the focus decides which keys the footer shows: first, then look
            await wait_for(pilot, lambda: app.focused is steps and steps.follow and steps.live)
            await pilot.pause()
            await wait_for(pilot, lambda: follow_key() is not None, "G Follow in the footer")
            key = follow_key()
            assert key is not None and key.has_class("-disabled")
            built = footer.recomposes
            assert app.input_clock.last_input_at == float("-inf")
            await pilot.press("k")
            assert app.input_clock.last_input_at > float("-inf")
            await wait_for(pilot, lambda: not key.has_class("-disabled"), "G Follow enabled")
            assert not steps.follow and follow_key() is key and footer.recomposes == built
            assert isinstance(screen._frame_pacer, FramePacer)
            assert screen._update_timer is screen._frame_pacer
            assert screen._Screen__update_timer is None  # Textual's own was never made
        finally:
            screen.engine.release()
        await finished(pilot, screen)
        await wait_for(pilot, lambda: not steps.live)
        steps.focus()
        await pilot.press("G")
        await wait_for(pilot, lambda: steps.follow and follow_key() is None, "Follow gone")


async def test_the_footer_fits_80_columns_and_keeps_help(keys: None, make_app: AppBuilder) -> None:
    """At 80 columns a running research's keys did not fit: Textual cut the last one ("q
    Ba") and "? Help" was not shown at all. The footer now drops the palette's key, then
    keys from the right, and keeps help; every key it shows is whole. A wide terminal
    shows them all, the palette's key too."""
    from tui.widgets.steady_footer import SteadyFooter

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=16))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await research_screen(pilot)
        steps = screen.query_one(StepsList)
        await engine_held(pilot, screen)
        footer = screen.query_one(SteadyFooter)

        def shown() -> list[str]:
            return [k.action for k in footer_keys(screen) if k.region.width]

        def all_whole() -> None:
            for key in footer_keys(screen):
                assert footer.region.x <= key.region.x, key.description
                assert key.region.right <= footer.region.right, (key.description, key.region)

        try:
            steps.focus()
            await wait_for(pilot, lambda: {"follow", "stop", "app.help", "back"} <= set(shown()))
            assert not any(k.has_class("-command-palette") for k in footer_keys(screen))
            all_whole()
            await pilot.press("s")  # the source list's own keys come first in the footer
            await wait_for(pilot, lambda: {"open_url", "filter"} <= set(shown()))
            all_whole()
            assert "app.help" in shown() and "stop" in shown()
            assert "back" not in shown(), " ".join(shown())  # the right-most went
            await pilot.press("s")
            await wait_for(pilot, lambda: screen.views.current == "panes")
        finally:
            screen.engine.release()
        await finished(pilot, screen)
        await pilot.resize_terminal(200, 50)

        def all_shown() -> bool:
            palette = [k for k in footer_keys(screen) if k.has_class("-command-palette")]
            return bool(palette) and {"report", "back", "app.help"} <= set(shown())

        await wait_for(pilot, all_shown, "every key and the palette's at 200 columns")
        all_whole()


PAINT_SETTLED = "the screen current, no mount batched, no layout, scroll or repaint pending"


def paint_settled(screen: ResearchScreen) -> bool:
    """Whether a paint now paints the dirty widgets and nothing else: a mount still inside
    ``app.batch_update()`` (a Markdown block, a toast) makes Textual skip the paint, and a
    pending layout, scroll or repaint paints the whole screen."""
    return (
        screen.is_current
        and not screen.app._batch_count
        and not (screen._layout_required or screen._scroll_required or screen._repaint_required)
    )


async def test_a_paint_after_a_key_leaves_the_streamed_panes_for_the_next_turn(
    keys: None, make_app: AppBuilder
) -> None:
    """When a key asked for the frame, the streamed panes (``paints_after_input``) wait one
    turn so the moved list reaches the terminal first; the pacer is left pending for them.
    A paint nobody asked for paints them at once."""
    from tui.widgets.panes import MarkdownLog

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=16))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        steps = screen.query_one(StepsList)
        await engine_held(pilot, screen)
        try:
            log = next(w for w in screen.query(MarkdownLog) if w.display and w.region)

            await wait_for(pilot, lambda: paint_settled(screen), PAINT_SETTLED)
            # From here to the asserts nothing awaits: the loop cannot paint in between.
            assert paint_settled(screen)
            screen._dirty_widgets.update({log, steps})
            screen._paced_paint(True)
            assert log in screen._dirty_widgets and steps not in screen._dirty_widgets
            assert screen._frame_pacer is not None and screen._frame_pacer._pending is not None
            screen._dirty_widgets.update({log, steps})
            screen._paced_paint(False)
            assert log not in screen._dirty_widgets and steps not in screen._dirty_widgets
        finally:
            screen.engine.release()
        await finished(pilot, screen)


async def test_a_streamed_paint_waits_for_a_handled_key_until_a_frame_answers_it(
    keys: None, make_app: AppBuilder
) -> None:
    """Between a key's binding and its list's refresh reaching the screen, a paint that would
    carry only the streamed panes waits (the key's frame goes first); once a frame carried
    the moved list, nothing waits any more."""
    from textual import events

    from tui.widgets.panes import MarkdownLog

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=16))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        steps = screen.query_one(StepsList)
        await engine_held(pilot, screen)
        try:
            log = next(w for w in screen.query(MarkdownLog) if w.display and w.region)

            await wait_for(pilot, lambda: paint_settled(screen), PAINT_SETTLED)
            now = [1000.0]  # the app's input clock, stopped: a loaded box cannot age the key
            app.input_clock._clock = lambda: now[0]
            # From here to the asserts nothing awaits: the loop cannot paint in between.
            assert not screen._hold_paint(False)
            app.input_clock.saw(events.Key("j", "j"))  # handled; its list not dirty yet
            screen._dirty_widgets.add(log)
            assert screen._hold_paint(False) and screen._hold_paint(True)
            screen._dirty_widgets.add(steps)  # the moved list's refresh arrived
            assert screen._hold_paint(False) and not screen._hold_paint(True)
            now[0] += 0.001
            screen._paced_paint(True)
            assert steps not in screen._dirty_widgets
            assert not app.input_clock.unanswered()
            assert not screen._hold_paint(False)
        finally:
            screen.engine.release()
        await finished(pilot, screen)


async def test_a_key_on_its_way_from_the_driver_holds_a_streamed_paint(
    keys: None, make_app: AppBuilder
) -> None:
    """Issue 15: a key the driver sent is two loop turns from the app's queue; a streamed
    paint due then painted first (3-8 ms). The app notes input as the driver sends it, and
    such a paint waits; once the app has the key, the queues and handlers take over."""
    from textual import events

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=16))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await engine_held(pilot, screen)
        try:
            now = [1000.0]  # the app's input clock, stopped: a loaded box cannot age the key
            app.input_clock._clock = lambda: now[0]
            assert not screen._hold_paint(False)
            app._driver.send_message(events.Key("f1", None))  # as the input thread does
            # Nothing awaited yet: the key is on its way, in no queue.
            assert app.input_clock.in_flight() and screen._hold_paint(False)
            await wait_for(pilot, lambda: not app.input_clock.in_flight())
            assert app.input_clock.last_input_at == now[0]  # the app received it
        finally:
            screen.engine.release()
        await finished(pilot, screen)


async def test_a_live_refresh_gives_way_to_a_key_and_runs_whole_after_it(
    keys: None, make_app: AppBuilder
) -> None:
    """Issue 15: a live refresh holds the screen's queue, which a key's frame needs (the
    moved list's update goes through it). With a key on its way it does not start, or stops
    between two parts, and tries again shortly; never for longer than the cap after the last
    whole refresh, so a held-down key cannot stop the panes."""
    from tui.screens.research import KEYS_FIRST_CAP_S, KEYS_FIRST_RETRY_S

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=16))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await engine_held(pilot, screen)
        try:
            panes: list[str] = []
            refresh_pane = screen._refresh_pane

            def counted(section: str) -> None:
                panes.append(section)
                refresh_pane(section)

            screen._refresh_pane = counted  # type: ignore[method-assign]

            def settled() -> bool:
                """Every event so far is on screen and no refresh is due (the engine holds:
                none comes while the test calls the refresh itself)."""
                return (
                    screen.state.last_seq == 16
                    and not screen.pipe._signalled
                    and screen._refresh_timer is None
                    and not screen._input_unpainted
                )

            await wait_for(pilot, settled, "the 16 events before the hold were shown")
            panes.clear()  # the refresh that showed them
            now = [1000.0]  # the app's input clock, stopped: a loaded box cannot age the key
            app.input_clock._clock = lambda: now[0]
            app.input_clock.arrived_at = now[0]  # a key on its way (no frame can answer it)
            screen._whole_refresh_at = time.monotonic() + 3600  # recent, however slow the box
            await screen._refresh_all(live=True)
            assert panes == []  # it stopped after the list, before the panes
            timer = screen._refresh_timer
            assert timer is not None and timer._interval == KEYS_FIRST_RETRY_S
            timer.stop()
            screen._refresh_timer = None
            # A follow-mode highlight still on its way would hold the refresh by the other
            # rule (``_input_unpainted``, tested elsewhere): this test is about the key alone.
            screen._input_unpainted = False
            await screen._timed_refresh()  # still on its way: not even the list
            assert panes == [] and screen._refresh_timer is not None
            screen._refresh_timer.stop()
            screen._refresh_timer = None
            screen._whole_refresh_at = time.monotonic() - KEYS_FIRST_CAP_S * 2  # long ago
            screen._input_unpainted = False
            await screen._timed_refresh()  # past the cap: the refresh runs whole
            assert panes == ["plan", "execution", "reflection"]
            panes.clear()
            app.input_clock.arrived_at = float("-inf")  # the app got it
            await screen._refresh_all(live=True)
            assert panes == ["plan", "execution", "reflection"]
        finally:
            screen.engine.release()
        await finished(pilot, screen)


def test_the_steps_list_moves_on_priority_bindings() -> None:
    """j/k/up/down run where the app first sees the key, not after it bubbled back from the
    list, its container and the screen (up to 7.6 ms p95 while a live refresh ran)."""
    moves = {b.key: b.priority for b in StepsList.BINDINGS if b.action.startswith("cursor_")}
    assert moves == {"j": True, "k": True, "down": True, "up": True}


async def test_steps_navigation_selects_the_round(keys: None, make_app: AppBuilder) -> None:
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        steps = screen.query_one(StepsList)
        steps.focus()
        await pilot.press("home")
        await wait_for(pilot, lambda: pane_text(screen, "plan") == PLANS[1][0])
        entry = steps.entry_at(steps.highlighted)
        assert entry is not None and entry.id == "r1"
        # j moves down through round 1's steps, still round 1.
        await pilot.press("j", "j")
        assert steps.highlighted == 2
        assert pane_text(screen, "plan") == PLANS[1][0]
        # Jump to the round 2 header with the arrow keys.
        target = [e.id for e in build_entries(screen.state)].index("r2")
        for _ in range(target - 2):
            await pilot.press("down")
        await wait_for(pilot, lambda: pane_text(screen, "execution") == PLANS[2][1])
        await pilot.press("k")
        await wait_for(pilot, lambda: pane_text(screen, "execution") == PLANS[1][1])


async def test_pane_keys_and_tabs_at_80_columns(keys: None, make_app: AppBuilder) -> None:
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        assert screen.has_class("-narrow")
        assert screen.query_one("#pane-tabs").display  # built with the narrow screen
        await pilot.press("2")
        execution = screen.query_one("#pane-execution", SectionPane)
        assert screen.active_pane == "execution" and execution.display
        assert not screen.query_one("#pane-plan").display
        assert execution.doc.has_focus
        await pilot.press("tab")
        assert screen.active_pane == "reflection"
        await pilot.press("tab")
        assert screen.query_one(StepsList).has_focus
        await pilot.press("shift+tab")
        assert screen.active_pane == "reflection"
        await pilot.press("1")
        assert screen.active_pane == "plan"


async def test_wide_layout_shows_three_panes(keys: None, make_app: AppBuilder) -> None:
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        assert screen.has_class("-wide")
        panes = [screen.query_one(f"#pane-{s}") for s in ("plan", "execution", "reflection")]
        assert all(p.display for p in panes)
        xs = [p.region.x for p in panes]
        assert xs == sorted(xs) and len(set(xs)) == 3


async def test_pane_tabs_and_thinking_are_built_only_when_shown(
    keys: None, make_app: AppBuilder
) -> None:
    """A wide screen never shows the pane tabs and the fakes' model never thinks aloud, so
    neither is built (issue 15: 13 of the research screen's 43 widgets). The tabs appear
    when the terminal is made narrow, on the pane already picked, and follow the keys."""
    from textual.widgets import Tabs

    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        assert not screen.query(Tabs)
        assert screen.pane("execution").thinking is None and not screen.query("#thinking")
        await pilot.press("2")
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: bool(screen.query(Tabs)), "tabs built when narrow")
        tabs = screen.query_one("#pane-tabs", Tabs)
        await wait_for(pilot, lambda: tabs.display and tabs.region.height > 0)
        assert tabs.active == "tab-execution"
        assert screen.pane("execution").display and not screen.pane("plan").display
        await pilot.press("3")
        assert tabs.active == "tab-reflection"
        await pilot.resize_terminal(200, 50)
        await wait_for(pilot, lambda: not tabs.display, "the wide layout hides the tabs")
        assert len(screen.query(Tabs)) == 1


async def test_tall_wide_screens_list_the_newest_sources_under_the_panes(
    keys: None, make_app: AppBuilder
) -> None:
    from tui.widgets.recent_sources import RecentSources

    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        recent = screen.query_one(RecentSources)
        assert recent.display and recent.region.height > 3
        await wait_for(pilot, lambda: recent.row_count == len(SOURCES))
        recent.focus()
        recent.move_cursor(row=1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.query_one(ContentSwitcher).current == "sources")
        await pilot.press("escape")
        await pilot.resize_terminal(100, 30)
        # short or narrow terminals keep the room for the panes
        await wait_for(pilot, lambda: not recent.display, "the recent sources hidden at 100x30")


async def test_the_newest_sources_strip_is_built_when_the_screen_first_has_room_for_it(
    keys: None, make_app: AppBuilder
) -> None:
    """Below 120x40 the strip never shows, so it is not built (a data table styled with
    every research screen, issue 15); a resize that makes room builds it with every source
    found until then, and it stays (hidden) when the screen shrinks again."""
    from tui.widgets.recent_sources import RecentSources

    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        assert not screen.query(RecentSources) and screen.recent_sources is None
        await pilot.resize_terminal(200, 50)
        await wait_for(pilot, lambda: len(screen.query(RecentSources)) == 1, "the strip built")
        recent = screen.query_one(RecentSources)
        assert recent is screen.recent_sources
        await wait_for(pilot, lambda: recent.row_count == len(SOURCES), "every source listed")
        assert recent.region.height > 3
        await pilot.resize_terminal(120, 36)
        await wait_for(pilot, lambda: not recent.display, "the strip hidden at 120x36")
        assert len(screen.query(RecentSources)) == 1 and recent.is_attached


async def test_source_list_and_mind_map_are_built_when_first_shown(
    keys: None, make_app: AppBuilder
) -> None:
    """Neither view is on screen when a research opens, so neither is built then (issue
    15: they were ~15 % of the screen's first frame). The source list, once built, holds
    every source found before; two asks at once share one list."""
    store = MemoryStore()
    app = make_app(start_topic="Solid-state batteries", store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        assert not screen.query("#sources") and not screen.query("#mindmap")
        first, second = screen._view("sources"), screen._view("sources")
        assert first is second
        await screen.show_source(max(SOURCES), detail=False)
        assert len(screen.query("#sources")) == 1
        table = screen.query_one(SourcesTable)
        assert table.row_count == len(SOURCES)
        assert screen.query_one(ContentSwitcher).current == "sources"
        await wait_for(pilot, lambda: table.has_focus, "the source list focused")
        assert table.cursor_row == len(SOURCES) - 1  # on the source asked for
        assert not screen.query("#mindmap")
        tree = await show_view(pilot, screen, "mindmap")
        await wait_for(pilot, lambda: len(tree.root.children) == 1)
        assert "Solid-state batteries" in str(tree.root.children[0].label)
        # A source opened from the mind map leaves it: its graph is let go (and reloaded
        # when shown again), as when s or m leaves it.
        assert not screen.mindmap_stale
        await screen.show_source(1, detail=False)
        assert screen.views.current == "sources" and screen.mindmap_stale


async def test_sources_filter_detail_and_open(
    keys: None, monkeypatch: pytest.MonkeyPatch, make_app: AppBuilder
) -> None:
    opened: list[str] = []
    app = make_app(start_topic="Solid-state batteries")
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        table = await show_view(pilot, screen, "sources")
        assert screen.query_one(ContentSwitcher).current == "sources"
        await pilot.press("slash", *"toyota")
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.press("enter")  # leaves the filter box
        assert table.has_focus
        await pilot.press("o")
        assert opened == [SOURCES[3][0]]
        await pilot.press("enter")
        from tui.screens.source_detail import SourceDetailScreen

        await wait_for(pilot, lambda: isinstance(app.screen, SourceDetailScreen))
        detail = app.screen
        text = detail.query_one(Markdown).source
        assert "Toyota" in text and "Claim 1.2 supported by source 3" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("s")
        assert screen.query_one(ContentSwitcher).current == "panes"
        # Escape: first it clears a filter, then it goes back to the panes, as s does
        await show_view(pilot, screen, "sources")
        await pilot.press("escape")
        await wait_for(pilot, lambda: table.row_count == len(SOURCES), "the filter cleared")
        assert screen.views.current == "sources" and table.has_focus
        # ↓ in the filter goes on to the rows, as Enter does; an empty box closes
        await pilot.press("slash")
        await wait_for(pilot, lambda: screen.focused.id == "sources-filter", "in the filter")
        await pilot.press("down")
        await wait_for(pilot, lambda: table.has_focus, "down went to the rows")
        assert not screen.query_one("#sources-filter").display
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.views.current == "panes", "escape left the list")
        assert screen.pane(screen.active_pane).doc.has_focus
        await show_view(pilot, screen, "mindmap")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.views.current == "panes", "escape left the map")
        await pilot.press("escape")  # on the panes it does nothing
        assert screen.views.current == "panes" and app.screen is screen


async def test_a_slow_reading_of_the_mind_map_roots_never_adds_them_twice(
    keys: None, make_app: AppBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reloads of the mind map close together (a round ends while it is shown): the
    first reading, held up, arrived last and added every root a second time. A reading
    now fills only the tree its reload made."""
    import threading

    store = MemoryStore()
    app = make_app(start_topic="Solid-state batteries", store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        tree = await show_view(pilot, screen, "mindmap")
        await wait_for(pilot, lambda: [c.data.kind for c in tree.root.children] == ["node"])
        real_roots = store.roots
        readings: list[int] = []
        let_first_go = threading.Event()

        def held_first() -> list[NodeRef]:
            roots = real_roots()
            readings.append(len(roots))
            if len(readings) == 1:
                let_first_go.wait(30)
            return roots

        monkeypatch.setattr(store, "roots", held_first)
        tree.reload()
        first = next(w for w in app.workers if w.group == "mindmap-roots")
        await wait_for(pilot, lambda: readings == [1], "the first reading under way")
        tree.reload()
        await wait_for(pilot, lambda: [c.data.kind for c in tree.root.children] == ["node"])
        let_first_go.set()
        await wait_for(pilot, lambda: first.is_finished, "the first reading done")
        handled = asyncio.Event()
        tree.call_later(handled.set)  # after the first reading's message, in order
        await wait_for(pilot, handled.is_set)
        assert [c.data.kind for c in tree.root.children] == ["node"]


async def test_mind_map_tree_expands_lazily_with_paging(keys: None, make_app: AppBuilder) -> None:
    store = MemoryStore()
    app = make_app(start_topic="Solid-state batteries", store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        tree = await show_view(pilot, screen, "mindmap")
        await wait_for(
            pilot,
            lambda: len(tree.root.children) == 1 and tree.root.children[0].data.kind == "node",
        )
        topic = tree.root.children[0]
        assert "Solid-state batteries" in str(topic.label) and "(2)" in str(topic.label)
        tree.move_cursor(topic)
        await pilot.press("right")
        await wait_for(pilot, lambda: [c.data.kind for c in topic.children] == ["node", "node"])
        round1 = topic.children[0]
        tree.move_cursor(round1)
        await pilot.press("right")  # space is pause/resume here too, as the footer says
        await wait_for(pilot, lambda: len(round1.children) == 51)
        more = round1.children[-1]
        assert more.data.kind == "more" and "10 left" in str(more.label)
        tree.move_cursor(more)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(round1.children) == 60)
        assert ("r1", 50) in store.calls
        tree.move_cursor(round1.children[0])
        await pilot.press("enter")
        from tui.screens.node_detail import NodeDetailScreen

        await wait_for(pilot, lambda: isinstance(app.screen, NodeDetailScreen))
        props = app.screen.query_one("#node-properties", DataTable)
        await wait_for(pilot, lambda: props.row_count == 2)
        neighbours = app.screen.query_one("#node-neighbours", DataTable)
        assert neighbours.row_count == 1
    assert store.closed


async def test_the_mind_map_opens_on_the_researchs_topic_and_keys_work_at_once(
    keys: None, make_app: AppBuilder
) -> None:
    """As a user meets it: m, then the keys the line above the tree offers. The research's
    Topic (not the newer one listed first) has the cursor and is open; ↓ and → go on."""
    store = MemoryStore(newer_topics=("Perovskite solar cells",))
    app = make_app(start_topic="Solid-state batteries", store=store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        tree = await show_view(pilot, screen, "mindmap")
        await wait_for(pilot, lambda: len(tree.root.children) == 2)
        own = tree.root.children[1]
        await wait_for(pilot, lambda: [c.data.kind for c in own.children] == ["node", "node"])
        assert tree.cursor_node is own and own.is_expanded
        assert not tree.root.children[0].is_expanded and ("o0", 0) not in store.calls
        await pilot.press("down", "right")
        round1 = own.children[0]
        await wait_for(pilot, lambda: len(round1.children) == 51)
        assert tree.cursor_node is round1


async def test_mind_map_unavailable_is_a_message_not_a_crash(
    keys: None, make_app: AppBuilder
) -> None:
    def broken(config: Any) -> Any:
        raise OSError("graph folder is read-only")

    app = make_app(store_factory=broken, start_topic="Solid-state batteries")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        await show_view(pilot, screen, "mindmap")
        label = screen.query_one("#mindmap-message")
        await wait_for(pilot, lambda: "not available" in str(label.render()))
        assert "read-only" in str(label.render())


async def test_pause_resume_and_stop(keys: None, make_app: AppBuilder) -> None:
    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=10))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await engine_held(pilot, screen)
        engine: ScriptedEngine = screen.engine
        await pilot.press("space")
        assert engine.paused
        status = screen.query_one("#status")
        # The step under way has not come back: "pausing", not "paused" yet (issue 16 item 4).
        await wait_for(pilot, lambda: "pausing" in str(status.render()))
        engine.release()
        # Released but paused: the run waits at its pause checkpoint with nothing more emitted.
        await wait_for(pilot, engine.held.is_set, "the engine held at its pause checkpoint")
        await wait_for(pilot, lambda: "paused (space resumes)" in str(status.render()))
        seen = len(engine.emitted)
        assert seen == 11, "nothing after the hold point but the hold itself"
        assert screen.state.held, "the clock stands still while held"
        await pilot.press("space")
        assert not engine.paused
        await wait_for(pilot, lambda: len(engine.emitted) > seen, "events again after unpause")
    # Stop (on a fresh run): a partial report and a "stopped" session.
    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=12))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await engine_held(pilot, screen)
        await pilot.press("x")
        await wait_for(pilot, lambda: screen.state.status == "stopped")
        await wait_for(pilot, lambda: not screen.running)
        assert "Partial report" in screen.state.report
        assert any(isinstance(e, ReportReady) for e in screen.engine.emitted)


async def test_reopen_shows_the_same_content(keys: None, make_app: AppBuilder) -> None:
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        live = {s: pane_text(screen, s) for s in ("plan", "execution", "reflection")}
        live_steps = build_entries(screen.state)
        session_id = screen.state.session_id
        await pilot.press("q")
        await wait_for(pilot, lambda: not isinstance(app.screen, ResearchScreen))
    app = make_app(open_session=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: screen.replayed)
        assert {s: pane_text(screen, s) for s in live} == live
        assert build_entries(screen.state) == live_steps
        await screen.action_view("sources")  # mounted when first shown, with every source
        assert screen.query_one(SourcesTable).row_count == len(SOURCES)


async def test_report_streams_links_citations_and_exports(keys: None, make_app: AppBuilder) -> None:
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        await pilot.press("r")
        await report_opened(pilot)
        report = app.screen
        doc = report.query_one("#report-doc")
        await wait_for(pilot, lambda: "source:3" in doc.shown)
        assert "Toyota targets 2027" in doc.shown
        await pilot.press("e")
        from core.record.exports import export_name

        exports = screen.config.data_dir / "exports"
        sid = screen.state.session_id
        topic = "Solid-state batteries"
        await wait_for(pilot, lambda: (exports / export_name(topic, sid, "md")).exists())
        await pilot.press("E")
        await wait_for(pilot, lambda: (exports / export_name(topic, sid, "json")).exists())
        # Following a citation shows the claims citing that source, then (s) its details.
        markdown = doc.document
        markdown.post_message(Markdown.LinkClicked(markdown, "source:3"))
        from tui.screens.check import CheckScreen
        from tui.screens.source_detail import SourceDetailScreen

        await wait_for(pilot, lambda: isinstance(app.screen, CheckScreen))
        assert app.screen.source_id == 3
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SourceDetailScreen))
        assert app.screen.source.source_id == 3
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CheckScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is report)


async def test_report_screen_streams_while_chunks_arrive(keys: None, make_app: AppBuilder) -> None:
    events = canned_events()
    hold = next(i for i, e in enumerate(events) if e.type == "ReportChunk") + 1
    app = make_app(
        start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=hold)
    )
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await engine_held(pilot, screen)
        await wait_for(pilot, lambda: bool(screen.state.report))
        try:
            # Writing began while the panes were on screen: the report opened by itself.
            await report_opened(pilot)
            doc = app.screen.query_one("#report-doc")
            await wait_for(pilot, lambda: bool(doc.shown))
            assert "Open problems" not in doc.shown
        finally:
            screen.engine.release()  # a failed assertion must not leave the engine held
        await wait_for(pilot, lambda: "Open problems" in doc.shown)
        assert doc.shown.endswith(link_citations(REPORT.strip()[-30:]) + "\n") or (
            "public programmes" in doc.shown
        )


async def test_review_queries_dialog_edits_the_plan(keys: None, make_app: AppBuilder) -> None:
    app = make_app(start_topic="Solid-state batteries")
    app.config.research.review_queries = True
    async with app.run_test(size=(100, 30)) as pilot:
        from tui.screens.review import ReviewQueriesScreen

        def review_open(previous: Any = None) -> bool:
            screen = app.screen
            return (
                isinstance(screen, ReviewQueriesScreen)
                and screen is not previous
                and bool(screen.query("#review-queries"))
            )

        await wait_for(pilot, review_open)
        first = app.screen
        first.query_one("#review-queries").text = "my own query\n\n"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: review_open(first))
        await pilot.press("escape")  # round 2: as planned
        screen = next(s for s in app.screen_stack if isinstance(s, ResearchScreen))
        await wait_for(pilot, lambda: screen.state.status == "done")
        engine = screen.engine
        assert engine.reviewed[0] == (1, ["my own query"])
        assert len(engine.reviewed[1][1]) == 2
        assert screen.state.rounds[1].queries == ["my own query"]


async def test_engine_failure_is_a_notification_and_a_step(
    keys: None, make_app: AppBuilder
) -> None:
    app = make_app(
        start_topic="Solid-state batteries",
        engine_factory=scripted_factory(fail_with=RuntimeError("boom")),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: bool(screen.notes))
        assert "boom" in screen.notes[0]
        steps = screen.query_one(StepsList)
        await wait_for(pilot, lambda: steps.option_count >= 1)
        assert any("boom" in n.message for n in app._notifications)


async def test_quit_while_running_asks_first(keys: None, make_app: AppBuilder) -> None:
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.home import HomeScreen

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=5))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await engine_held(pilot, screen)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        assert app.screen is screen
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        screen.engine.release()
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await wait_for(pilot, lambda: not screen.running)


async def test_sigterm_interrupts_the_running_research_and_quits(
    keys: None, make_app: AppBuilder
) -> None:
    import os
    import signal

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=5))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: screen.engine is not None and screen.engine.holding.is_set())
        # Checked first: without a handler the signal would end the test process itself.
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
        interrupted: list[bool] = []
        real_interrupt = screen.interrupt
        screen.interrupt = lambda: (interrupted.append(True), real_interrupt())[1]
        os.kill(os.getpid(), signal.SIGTERM)
        await wait_for(pilot, lambda: bool(interrupted))
        screen.engine.release()
        await wait_for(pilot, lambda: not screen.running)
    assert app.return_code in (0, None)
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)


async def test_the_interrupt_question_closes_when_the_research_ends(
    keys: None, make_app: AppBuilder
) -> None:
    from tui.screens.confirm import ConfirmScreen

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=5))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await engine_held(pilot, screen)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        screen.engine.release()
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.state.status == "done")


def _interrupted_before_round_2() -> str:
    """A saved research that was quit as its round 2 was about to start."""
    events = canned_events(with_report=False)
    cut = next(i for i, e in enumerate(events) if e.type == "RoundStarted" and e.round == 2)
    return write_session(
        load().sessions_dir,
        [
            *events[:cut],
            SessionFinished(status="interrupted", reason="quit", timestamp=events[cut].timestamp),
        ],
    )


async def test_resume_an_interrupted_research(
    keys: None, tmp_path: Path, make_app: AppBuilder
) -> None:
    app = make_app(open_session=_interrupted_before_round_2())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: screen.replayed)
        assert screen.state.status == "interrupted"
        await pilot.press("space")
        await wait_for(pilot, lambda: screen.state.status == "done")
        assert screen.state.completed_rounds() == 2
        assert pane_text(screen, "plan") == PLANS[2][0]


async def test_resuming_follows_the_new_rounds_again_after_the_user_browsed(
    keys: None, make_app: AppBuilder
) -> None:
    """Space (or dig deeper) asks for more work: the list follows it again. Before, a
    step the user had moved to kept its round pinned, so the panes showed round 1 while
    round 2 streamed and nothing on screen moved but the status bar."""
    app = make_app(open_session=_interrupted_before_round_2())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: screen.replayed)
        await pilot.press("k", "k")
        await wait_for(pilot, lambda: not screen.steps.follow, "k stopped the following")
        assert screen.pinned_round == 1
        await pilot.press("space")
        await wait_for(pilot, lambda: screen.state.status == "done")
        await wait_for(pilot, lambda: pane_text(screen, "plan") == PLANS[2][0], "round 2 shown")
        assert screen.steps.follow and screen.pinned_round is None
        assert screen.steps.entry_at(screen.steps.highlighted).round == 2


async def test_help_and_palette(keys: None, make_app: AppBuilder) -> None:
    from tui.screens.help import HelpScreen

    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys_here = {title: keys for keys, title, _ in app.screen.context_bindings}
        assert keys_here["Show sources"] == "s" and keys_here["Show report"] == "r"
        await pilot.press("escape")
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Show mind map" in titles and "Settings" in titles
        assert len(titles) == len(set(titles))


async def test_events_are_batched(keys: None) -> None:
    """A burst of events from the engine thread costs one wake-up message, not one each."""
    from tui.engine_worker import EventPipe
    from tui.messages import EventsReady

    posted: list[Any] = []
    pipe = EventPipe(posted.append)
    for event in canned_events():
        await asyncio.to_thread(pipe, event)
    assert len(posted) == 1 and isinstance(posted[0], EventsReady)
    assert len(pipe.drain()) == len(canned_events())
    pipe(canned_events()[0])
    assert len(posted) == 2


async def test_a_fast_stream_wakes_the_screen_once_per_refresh(
    keys: None, make_app: AppBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: the screen took the pipe's events on every wake-up, one for nearly every
    chunk of a fast stream, each a turn of the UI loop a key waited behind. Now the events
    wait in the pipe for the next refresh: one wake-up per refresh, and nothing is lost."""
    import dataclasses

    from core.events import LLMChunk

    script = canned_events()
    first = next(i for i, e in enumerate(script) if isinstance(e, LLMChunk))
    chunk = script[first]
    assert isinstance(chunk, LLMChunk)
    pieces = [dataclasses.replace(chunk, text=f"w{i} ") for i in range(300)]
    script[first : first + 1] = pieces
    posts: list[int] = []
    refreshes: list[int] = []

    def factory(config: Any, **kwargs: Any) -> ScriptedEngine:
        pipe = kwargs["on_event"]
        post = pipe._post

        def counted_post(message: Any) -> bool:
            posts.append(1)
            return post(message)

        pipe._post = counted_post
        return ScriptedEngine(config, **kwargs, events=script, delay=0.001)

    refresh_all = ResearchScreen._refresh_all

    async def counted_refresh(self: ResearchScreen, *, live: bool = False) -> None:
        refreshes.append(1)
        await refresh_all(self, live=live)

    monkeypatch.setattr(ResearchScreen, "_refresh_all", counted_refresh)
    app = make_app(start_topic="Solid-state batteries", engine_factory=factory)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        emitted = screen.engine.emitted
        assert screen.state.last_seq == emitted[-1].seq == len(emitted)  # every event, once
    assert len(script) > 300 and len(posts) > 0
    # A post comes only after a drain, and drains happen in refreshes (and once per change
    # of the engine worker's state: running, then done).
    assert len(posts) <= len(refreshes) + 3, (len(posts), len(refreshes))


async def test_the_wake_up_message_stays_with_its_screen() -> None:
    """Posted hundreds of times a second while a model streams: the screen drains the pipe,
    and the message goes no further (the app would only dispatch it for nothing)."""
    from textual.app import App
    from textual.screen import Screen

    from tests.pilot_helpers import drained
    from tui.messages import EventsReady

    seen: list[str] = []

    class Research(Screen[None]):
        def on_events_ready(self, _: EventsReady) -> None:
            seen.append("screen")

    class Watching(App[None]):
        def on_mount(self) -> None:
            self.push_screen(Research())

        def on_events_ready(self, _: EventsReady) -> None:
            seen.append("app")

    app = Watching()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, Research))
        app.screen.post_message(EventsReady())
        await wait_for(pilot, lambda: "screen" in seen)
        await drained(pilot)
        assert seen == ["screen"]


# --- the real engine against the loopback Gemini and Tavily fakes -------------------------


@pytest.fixture
def real_app(fake_env: Any) -> Callable[..., DeepResearchApp]:
    def build(**kwargs: Any) -> DeepResearchApp:
        config = load()
        config.research.rounds = 2
        config.research.breadth = 2
        return DeepResearchApp(config, **kwargs)

    return build


async def test_real_engine_research_end_to_end(real_app: Callable[..., DeepResearchApp]) -> None:
    app = real_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: screen.state.status not in ("new", "running"), limit=60)
        await wait_for(pilot, lambda: not screen.running)
        state = screen.state
        assert state.status == "done", (state.status, state.status_reason, screen.notes)
        assert state.completed_rounds() == 2 and state.sources
        for section in ("plan", "execution", "reflection"):
            assert pane_text(screen, section).strip(), section
        await screen.action_view("sources")  # mounted when first shown, with every source
        assert screen.query_one(SourcesTable).row_count == len(state.sources)
        assert Path(state.report_path).stat().st_size > 0  # noqa: ASYNC240
        # The report opened when it began; back to the research for the mind map.
        await report_opened(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # It ended under the report: the footer offers no Pause or Stop any more.
        await wait_for(
            pilot,
            lambda: not {"Pause", "Stop"} & {str(k.description) for k in footer_keys(screen)},
            "Pause and Stop gone from the footer",
        )
        # The real (embedded) mind map shows the topic.
        tree = await show_view(pilot, screen, "mindmap")
        await wait_for(pilot, lambda: any(c.data.kind == "node" for c in tree.root.children))
        topic = next(c for c in tree.root.children if c.data.kind == "node")
        assert "Solid-state batteries" in str(topic.label)
        tree.move_cursor(topic)
        await pilot.press("right")
        await wait_for(pilot, lambda: any(c.data.kind == "node" for c in topic.children))
        session_id = state.session_id
        live = {s: pane_text(screen, s) for s in ("plan", "execution", "reflection")}
    app = real_app(open_session=session_id)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: screen.replayed)
        assert {s: pane_text(screen, s) for s in live} == live
        assert screen.state.status == "done"


# --- steps: plan / reflect, telling searches apart -------------------------------------------


def test_steps_show_plan_and_reflect_and_strip_the_topic_from_queries() -> None:
    from core.events import LLMChunk, PhaseStarted, RoundStarted, SearchStarted, SessionStarted
    from core.state import SessionState

    topic = "Solid-state batteries"
    state = SessionState()
    for seq, event in enumerate(
        [
            SessionStarted(topic=topic, rounds=2, breadth=3),
            RoundStarted(round=1),
            PhaseStarted(round=1, phase="reasoning"),
            LLMChunk(round=1, section="plan", text="1. Step"),
        ],
        1,
    ):
        state.apply(event.stamped("s", seq))
    by_id = {e.id: e for e in build_entries(state)}
    assert by_id["r1:plan"].status == "running" and by_id["r1:plan"].pane == "plan"
    assert by_id["r1:reflect"].status == "pending" and by_id["r1:reflect"].pane == "reflection"
    state.apply(LLMChunk(round=1, section="reflection", text="Missing: cost").stamped("s", 5))
    by_id = {e.id: e for e in build_entries(state)}
    assert by_id["r1:plan"].status == "done"
    assert by_id["r1:reflect"].status == "running"
    state.apply(PhaseStarted(round=1, phase="search").stamped("s", 6))
    state.apply(SearchStarted(round=1, query=f"{topic} cost per kWh 2026").stamped("s", 7))
    by_id = {e.id: e for e in build_entries(state)}
    assert by_id["r1:reflect"].status == "done"
    assert by_id["r1:search:0"].label == "» … cost per kWh 2026"


# --- a research cut off mid-run ---------------------------------------------------------------


def _cut_off_session() -> str:
    """A saved research whose log just stops in round 2 (the app was killed)."""
    events = canned_events(with_report=False)
    cut = next(i for i, e in enumerate(events) if e.type == "SearchStarted" and e.round == 2)
    return write_session(load().sessions_dir, events[:cut])


async def test_a_research_cut_off_mid_run_reopens_as_interrupted(
    keys: None, make_app: AppBuilder
) -> None:
    session_id = _cut_off_session()
    app = make_app(open_session=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: screen.replayed)
        assert screen.state.status == "interrupted"
        assert not any(e.status == "running" for e in build_entries(screen.state))
        assert screen.check_action("pause_resume", ("resume",))
        assert not screen.check_action("pause_resume", ("pause",))
        await pilot.press("space")
        await wait_for(pilot, lambda: screen.state.status == "done")
        assert screen.state.completed_rounds() == 2


async def test_a_research_another_window_runs_is_shown_but_not_resumed(
    keys: None, make_app: AppBuilder
) -> None:
    from core.sessions import SessionStore

    session_id = _cut_off_session()
    lock = SessionStore(load().sessions_dir).open(session_id).claim()
    try:
        app = make_app(open_session=session_id)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await research_screen(pilot)
            await wait_for(pilot, lambda: screen.replayed)
            assert screen.state.status == "running"
            assert screen.busy_elsewhere and not screen.can_resume
            assert not screen.check_action("pause_resume", ("resume",))
    finally:
        lock.release()


async def test_only_a_highlight_the_user_moved_holds_the_next_refresh(
    keys: None, make_app: AppBuilder
) -> None:
    """Following moves the highlight inside a live refresh; that highlight is no key's, so
    it must not make the refresh give way or hold the next one (it did: every new step
    while following cut a refresh in two frames). A key's highlight still does."""
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        steps = screen.query_one(StepsList)
        await wait_for(pilot, lambda: not screen._input_unpainted, "no frame awaited")
        assert steps.follow
        option = steps.get_option_at_index(1)
        screen._step_highlighted(StepsList.OptionHighlighted(steps, option, 1))
        assert not screen._input_unpainted
        steps.action_cursor_down()  # a key: following stops
        assert not steps.follow
        screen._step_highlighted(StepsList.OptionHighlighted(steps, option, 1))
        assert screen._input_unpainted
        await wait_for(pilot, lambda: not screen._input_unpainted, "the key's frame painted")


async def test_keys_first_a_highlight_in_the_same_round_leaves_the_panes_to_the_timer(
    keys: None, make_app: AppBuilder
) -> None:
    """Issue 15: a j/k within the round shown repaints only the list (the panes follow at
    the refresh rate), and a timed refresh due before the key's frame waits for it."""
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        assert screen.heap_settled  # the live run froze the heap once (tui.heap)
        steps = screen.query_one(StepsList)
        steps.focus()
        await pilot.press("home")
        await wait_for(pilot, lambda: pane_text(screen, "plan") == PLANS[1][0])
        calls: list[int] = []
        refresh_panes = screen._refresh_panes

        def counted() -> None:
            calls.append(screen.shown_round)
            refresh_panes()

        screen._refresh_panes = counted  # type: ignore[method-assign]
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: steps.highlighted == 2)
        assert calls == []  # same round: nothing to redraw in the panes
        target = [e.id for e in build_entries(screen.state)].index("r2")
        for _ in range(target - 2):
            await pilot.press("down")
        await wait_for(pilot, lambda: pane_text(screen, "execution") == PLANS[2][1])
        assert calls == [2]  # another round: the panes show it at once
        # A timed refresh while the key's frame is unpainted is held, then runs after it.
        refreshes: list[bool] = []
        refresh_all = screen._refresh_all

        async def counted_all(*, live: bool = False) -> None:
            refreshes.append(live)
            await refresh_all(live=live)

        screen._refresh_all = counted_all  # type: ignore[method-assign]
        screen._input_unpainted = True
        await screen._timed_refresh()
        assert refreshes == [] and screen._refresh_held
        screen._input_painted()
        await wait_for(pilot, lambda: refreshes == [True])
        assert not screen._refresh_held
