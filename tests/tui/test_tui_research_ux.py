"""Fixes from the research-screen user review: a failure's reason stays on screen, the report
phase is watched, a stop is not a failure, the status bar keeps what matters, toasts are
short and not stacked, the report keeps its place, node text keeps its lines, the steps
column grows on wide terminals, the newest source comes first.

Each test fails on the code before its fix. Nothing sleeps: tests wait for conditions.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.widgets import ContentSwitcher, DataTable, Markdown

from core.config import load
from core.events import (
    ErrorRaised,
    LLMChunk,
    PhaseStarted,
    RateLimited,
    RoundStarted,
    SessionFinished,
    WarningRaised,
)
from core.mindmap.base import NodeDetail, NodeRef
from core.state import SessionState
from tests.conftest import AppBuilder
from tests.pilot_helpers import (
    DialogHost,
    engine_held,
    notified,
    on_top,
    replayed,
    report_opened,
    research_screen,
    shown,
    shown_bindings,
    toasts_in,
    wait_for,
)
from tests.snapshot_apps.scripted import (
    AUTH,
    canned_events,
    failed_events,
    scripted_factory,
    write_session,
)
from tui.screens.node_detail import NodeDetailScreen
from tui.screens.step_detail import StepDetailScreen
from tui.widgets.notice import ResearchNotice, notice_for
from tui.widgets.recent_sources import RecentSources
from tui.widgets.steps import StepsList, build_entries


def stamped(events: list[Any]) -> SessionState:
    return SessionState.replay(e.stamped("s", n) for n, e in enumerate(events, 1))


# --- 1. the reason a research failed or paused stays on screen ------------------------------


async def test_a_failed_research_keeps_its_reason_and_the_way_out_on_screen(
    keys: None, make_app: AppBuilder
) -> None:
    session_id = write_session(load().sessions_dir, failed_events())
    app = make_app(open_session=session_id)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await replayed(pilot)
        notice = screen.query_one(ResearchNotice)
        assert notice.display
        shown = " ".join(str(notice.render()).split())
        assert "This research failed: Gemini rejected the API key" in shown
        assert "config file (the whole sentence must stay readable)." in shown
        assert "Settings (ctrl+s)" in shown and "space resumes" in shown
        # Enter on the error step shows its whole text.
        steps = screen.query_one(StepsList)
        steps.focus()
        steps.highlight_id("e0")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StepDetailScreen))
        assert app.screen.text == AUTH
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


def test_the_notice_says_why_and_what_next_for_each_way_a_research_ends() -> None:
    base = canned_events(with_report=False)[:5]
    at = base[-1].timestamp + 1

    def ended(status: str, reason: str) -> SessionState:
        return stamped([*base, SessionFinished(status=status, reason=reason, timestamp=at)])

    paused = notice_for(ended("paused", "Gemini quota exhausted: daily limit"))
    assert paused is not None and paused.icon == "⏸"
    assert paused.headline == "Paused: Gemini quota exhausted: daily limit"
    assert "space resumes" in paused.hint
    stopped = notice_for(ended("stopped", "stopped by the user"))
    assert stopped is not None and stopped.headline == "Stopped by you." and stopped.icon == "■"
    cut = notice_for(ended("interrupted", "interrupted; resume to continue"))
    assert cut is not None and cut.headline == "Interrupted." and "space" in cut.hint
    assert notice_for(ended("done", "")) is None
    assert notice_for(ended("failed", "boom"), running=True) is None, "resumed: it runs again"
    stopping = notice_for(ended("failed", "boom"), running=True, stopping=True)
    assert stopping is not None and stopping.headline.startswith("Stopping")


# --- 2. the report phase is watched, not a frozen screen ------------------------------------


async def test_the_report_opens_when_writing_starts_unless_the_user_looks_elsewhere(
    keys: None,
    make_app: AppBuilder,
) -> None:
    """The live path (engine → screen) is in test_report_screen_streams_while_chunks_arrive;
    here the choice: open it over the panes, never over the source list (a toast instead)."""
    events = canned_events(with_report=False)
    session_id = write_session(load().sessions_dir, events)
    app = make_app(open_session=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await replayed(pilot)
        sid, seq = screen.state.session_id, screen.state.last_seq
        report_starts = PhaseStarted(round=2, phase="report").stamped(sid, seq + 1)
        app.clear_notifications()
        await pilot.press("s")
        views = screen.query_one(ContentSwitcher)
        await wait_for(pilot, lambda: views.current == "sources", "the source list shown")
        await screen.apply_events([report_starts], live=True)
        # the toast is the other branch of opening the report: once it is in, nothing opened
        await wait_for(pilot, lambda: notified(app, "r shows it"), "the toast instead")
        assert app.screen is screen, "reading the source list: not pulled away"
        assert views.current == "sources"
        await pilot.press("s")  # back to the panes
        await screen.apply_events([report_starts], live=True)
        await report_opened(pilot)


# --- 3. a stop is not a failure ---------------------------------------------------------------


async def test_stopping_says_so_and_hides_pause_and_stop(keys: None, make_app: AppBuilder) -> None:
    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=12))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await research_screen(pilot)
        await engine_held(pilot, screen)
        assert {"space", "x"} <= set(shown_bindings(screen))
        engine = screen.engine
        engine.stop = lambda: None  # the engine is "finishing its call": the stop is pending
        try:
            await pilot.press("x")
            await wait_for(pilot, lambda: screen.stopping, "the stop taken")
            assert "space" not in shown_bindings(screen) and "x" not in shown_bindings(screen)
            assert "stopping…" in str(screen.query_one("#status").render())
            assert "Stopping" in str(screen.query_one(ResearchNotice).render())
        finally:
            type(engine).stop(engine)  # now it really stops (a failure must not leave it held)
        await wait_for(pilot, lambda: not screen.running)
        await wait_for(pilot, lambda: screen.state.status == "stopped", "status stopped")
        await wait_for(pilot, lambda: not screen.stopping, "the stop done (stopping cleared)")
        # The partial report opens by itself (or, when the user was busy, a toast says r
        # shows it): leave only once that is drawn, or teardown races the report's Header.
        from textual.widgets._header import HeaderTitle

        from tests.pilot_helpers import notified
        from tui.screens.report import ReportScreen

        def report_drawn() -> bool:
            top = app.screen
            if not isinstance(top, ReportScreen):
                return False
            titles = top.query(HeaderTitle)
            return bool(titles) and bool(str(titles.first().render()).strip())

        await wait_for(
            pilot,
            lambda: report_drawn() or notified(app, "r shows it"),
            "the partial report drawn, or the toast offering it",
        )


def test_a_stopped_or_interrupted_round_is_not_marked_failed() -> None:
    events = canned_events(with_report=False)
    cut = next(i for i, e in enumerate(events) if isinstance(e, RoundStarted) and e.round == 2)
    at = events[cut + 3].timestamp
    for status in ("stopped", "interrupted", "paused"):
        state = stamped([*events[: cut + 4], SessionFinished(status=status, timestamp=at)])
        marks = {e.id: e.prompt().plain[:1] for e in build_entries(state) if e.round == 2}
        assert "✖" not in "".join(marks.values()), (status, marks)
        assert marks["r2"] == ("⏸" if status == "paused" else "■")
    failed = stamped([*events[: cut + 4], SessionFinished(status="failed", timestamp=at)])
    assert next(e for e in build_entries(failed) if e.id == "r2").prompt().plain[0] == "✖"


def test_what_runs_while_the_engine_holds_shows_paused_not_a_spinner() -> None:
    events = canned_events(with_report=False)
    cut = next(i for i, e in enumerate(events) if isinstance(e, LLMChunk))
    state = stamped(events[: cut + 1])
    running = {e.id for e in build_entries(state) if e.status == "running"}
    assert running, "something runs"
    paused = {e.id: e.status for e in build_entries(state, paused=True)}
    assert all(paused[i] == "paused" for i in running)


# --- 6. toasts: short, no countdown, one per kind ---------------------------------------------


async def test_rate_limit_toasts_replace_each_other_and_leave_the_countdown_to_the_bar(
    keys: None,
    make_app: AppBuilder,
) -> None:
    session_id = write_session(load().sessions_dir, canned_events(with_report=False)[:10])
    app = make_app(open_session=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await replayed(pilot)
        app.clear_notifications()
        message = (
            "Gemini rate limit hit (retry in 15s): You exceeded your current quota, please "
            "check your plan and billing details. For more information on this error, "
            "head to the documentation."
        )
        for attempt in (1, 2, 3):
            limited = RateLimited(retry_in_s=15, message=message, attempt=attempt)
            await screen.apply_events(
                [limited.stamped(screen.state.session_id, 90 + attempt)], live=True
            )
        await wait_for(pilot, lambda: toasts_in(app, screen), "the last toast recorded")
        toasts = [n for n in app._notifications if n.title.startswith("Waiting")]
        assert len(toasts) == 1, [n.message for n in app._notifications]
        assert "15s" not in toasts[0].message and "retry in" not in toasts[0].message
        assert len(toasts[0].message) <= 90 and toasts[0].message.endswith("…")
        assert "retry in 1" in str(screen.query_one("#status").render()), "the bar counts down"


def test_shorten_cuts_at_a_word_boundary() -> None:
    from tui.screens.research import shorten

    text = "You exceeded your current quota, please check your plan and billing details."
    assert shorten(text, 40) == "You exceeded your current quota, please…"
    assert shorten("short", 40) == "short"


async def test_warnings_of_one_kind_do_not_stack(keys: None, make_app: AppBuilder) -> None:
    session_id = write_session(load().sessions_dir, canned_events(with_report=False)[:10])
    app = make_app(open_session=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await replayed(pilot)
        app.clear_notifications()
        for n in range(3):
            warning = WarningRaised(message=f"graph write {n} slow", kind="graph")
            await screen.apply_events([warning.stamped("s", 100 + n)], live=True)
        await wait_for(pilot, lambda: toasts_in(app, screen), "the last toast recorded")
        assert [n.message for n in app._notifications] == ["graph write 2 slow"]


async def test_an_error_toast_is_the_engine_s_message_titled_by_its_kind(
    keys: None, make_app: AppBuilder
) -> None:
    session_id = write_session(load().sessions_dir, canned_events(with_report=False)[:10])
    app = make_app(open_session=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await replayed(pilot)
        app.clear_notifications()
        for n in range(2):
            error = ErrorRaised(
                kind="auth", message="Gemini rejected the API key: API key not valid."
            )
            await screen.apply_events([error.stamped("s", 100 + n)], live=True)
        await wait_for(pilot, lambda: toasts_in(app, screen), "the last toast recorded")
        toasts = [(t.title, t.message) for t in app._notifications]
        assert toasts == [("auth", "Gemini rejected the API key: API key not valid.")]


# --- 7. the report keeps its place (see also test_tui_polish's go-to-source test) ------------


async def test_a_citation_opens_the_source_over_the_report(
    keys: None, make_app: AppBuilder
) -> None:
    from tui.screens.check import CheckScreen

    session_id = write_session(load().sessions_dir, canned_events())
    app = make_app(open_session=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await replayed(pilot)
        await pilot.press("r")
        await report_opened(pilot)
        report = app.screen
        doc = report.query_one("#report-doc").document
        doc.post_message(Markdown.LinkClicked(doc, "source:2"))
        await wait_for(pilot, lambda: isinstance(app.screen, CheckScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is report)


# --- 8. mind-map node text keeps its Markdown and its lines ---------------------------------

STEP_CONTENT = "## Research round 1\n\n1. Establish the basics.\n2. Trace the history."


class StepStore:
    def node(self, node_id: str) -> NodeDetail:
        props = {
            "kind": "plan",
            "round": 1,
            "content": STEP_CONTENT,
            "queries": "solid-state basics\nsolid-state history",
        }
        return NodeDetail(NodeRef(node_id, "ReasoningStep", "plan"), props, [])


async def test_node_detail_renders_content_as_markdown_and_queries_one_per_line() -> None:
    app = DialogHost(lambda: NodeDetailScreen(NodeRef("p1", "ReasoningStep", "plan"), StepStore))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, NodeDetailScreen)
        props = screen.query_one("#node-properties", DataTable)
        await wait_for(pilot, lambda: props.row_count == 3)
        markdown = screen.query_one(".node-text", Markdown)
        assert markdown.source == STEP_CONTENT
        keys = [str(props.get_row_at(i)[0]) for i in range(props.row_count)]
        assert "content" not in keys
        queries = str(props.get_row_at(keys.index("queries"))[1])
        assert queries.splitlines() == ["• solid-state basics", "• solid-state history"]
        text = await shown(pilot, "Research round 1")  # rendered as a heading
        assert "## Research" not in text


# --- 9, 10. the steps column grows; the newest source comes first -----------------------------


async def test_wide_terminals_widen_the_steps_and_list_the_newest_source_first(
    keys: None,
    make_app: AppBuilder,
) -> None:
    session_id = write_session(load().sessions_dir, canned_events())
    app = make_app(open_session=session_id)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await replayed(pilot)
        steps = screen.query_one(StepsList)
        assert steps.region.width >= 60, "30% of 200 columns"
        recent = screen.query_one(RecentSources)
        await wait_for(pilot, lambda: recent.row_count == 6)
        order = [recent.coordinate_to_cell_key((r, 0)).row_key.value for r in range(6)]
        assert order == ["6", "5", "4", "3", "2", "1"]
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: steps.region.width == 30, "the steps back to 30 columns")


async def test_new_sources_go_on_top_and_the_cursor_stays_on_the_reader_s_row(
    keys: None,
    make_app: AppBuilder,
) -> None:
    events = canned_events()
    first = next(
        i for i, e in enumerate(events) if type(e).__name__ == "SourceAdded" and e.source_id == 4
    )
    session_id = write_session(load().sessions_dir, events[:first])
    app = make_app(open_session=session_id)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await replayed(pilot)
        recent = screen.query_one(RecentSources)
        await wait_for(pilot, lambda: recent.row_count == 3)
        recent.move_cursor(row=1)  # the reader is on source 2
        later = [
            dataclasses.replace(e, session_id=screen.state.session_id, seq=1000 + n)
            for n, e in enumerate(events[first:])
            if type(e).__name__ == "SourceAdded"
        ]
        await screen.apply_events(later, live=False)
        await wait_for(pilot, lambda: recent.row_count == 6, "the later sources listed")
        assert recent.coordinate_to_cell_key((0, 0)).row_key.value == "6"
        assert recent.coordinate_to_cell_key((recent.cursor_row, 0)).row_key.value == "2"
