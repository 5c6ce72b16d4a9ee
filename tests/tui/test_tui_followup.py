"""Issue 11 from the TUI: ``f`` asks a follow-up question on a saved research, ``D`` digs
deeper (more rounds focused on a question, the earlier report kept).

Driven through the real Gemini and Tavily SDKs against the loopback fakes (the Gemini fake
answers ``TASK: followup`` with one real and one invented quote, and a citation to a source
that was never retrieved); states are waited for, nothing sleeps.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from core.config import load
from core.research import ResearchEngine, ResearchOptions
from core.sessions import SessionStore
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.tavily_server import FakeTavily
from tests.pilot_helpers import replayed, report_opened, wait_for
from tests.samples import save_session
from tui.app import DeepResearchApp
from tui.screens.dig_deeper import DigDeeperScreen, parse_rounds
from tui.screens.followup import FollowUpScreen
from tui.screens.research import ResearchScreen

QUESTION = "Which source is the strongest?"
FOCUS = "What does upkeep cost per year?"


async def _finished_research(topic: str) -> str:
    """A real 1-round research, finished, against the fakes (its report written)."""
    config = load()
    config.gemini.rpm = 0
    engine = ResearchEngine(config)
    try:
        result = await engine.run(topic, ResearchOptions(rounds=1, breadth=2))
    finally:
        await engine.aclose()
    assert result.status == "done", result.reason
    return result.session_id


async def test_f_asks_streams_checks_saves_and_lists_earlier_questions(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    gemini, _ = fake_env
    sid = await _finished_research("Tidal energy")
    gemini.clear()
    app = DeepResearchApp(load(), open_session=sid)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await replayed(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FollowUpScreen), "the dialog")
        dialog = app.screen
        assert not dialog.query_one("#followup-history-scroll").display  # nothing asked yet
        field = dialog.query_one("#followup-input", Input)
        await wait_for(pilot, lambda: dialog.focused is field, "the question field focused")
        await pilot.press(*QUESTION, "enter")
        await wait_for(pilot, lambda: dialog.result is not None, "the answer", limit=20)
        assert dialog.streamed  # chunks reached the dialog while it streamed
        qa = dialog.result
        assert qa.question == QUESTION and not qa.error
        # The saved answer is shown: no Quotes section, the citation to [999] removed.
        answer = dialog.query_one("#followup-answer")
        await wait_for(pilot, lambda: answer.shown == qa.answer, "the checked answer shown")
        assert "## Quotes" not in answer.shown and "[999]" not in answer.shown
        first, second = qa.citations
        verdicts = {q["source_id"]: q["verdict"] for q in qa.quotes}
        assert verdicts == {first: "verified", second: "quote not found"}  # real / invented
        check = str(dialog.query_one("#followup-check", Static).render())
        assert "Citation check" in check
        for source_id, verdict in verdicts.items():
            assert f"[{source_id}] {verdict}" in check
        assert [r.task for r in gemini.model_requests()] == ["followup"]
        # The research screen's state has it, as a replay would.
        assert [q.question for q in screen.state.qa] == [QUESTION]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back on the research screen")

    # Saved as events: reopening the research lists the earlier question in the dialog.
    app = DeepResearchApp(load(), open_session=sid)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await replayed(pilot)
        assert [q.question for q in screen.state.qa] == [QUESTION]
        assert screen.state.qa[0].quotes == qa.quotes
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FollowUpScreen), "the dialog")
        dialog = app.screen
        assert dialog.query_one("#followup-history-scroll").display
        history = dialog.query_one("#followup-history").source
        assert QUESTION in history and "1 verified, 1 quote not found" in history


async def test_capital_d_digs_deeper_with_more_focused_rounds_and_keeps_the_report(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    gemini, _ = fake_env
    sid = await _finished_research("Green roofs")
    handle = SessionStore(load().sessions_dir).open(sid)
    earlier = handle.report_path.read_text("utf-8")
    gemini.clear()
    config = load()
    config.gemini.rpm = 0
    app = DeepResearchApp(config, open_session=sid)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await replayed(pilot)
        assert screen.state.status == "done" and screen.state.completed_rounds() == 1
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, DigDeeperScreen), "the dialog")
        dialog = app.screen
        focus = dialog.query_one("#dig-focus", Input)
        await wait_for(pilot, lambda: dialog.focused is focus, "the focus field focused")
        await pilot.press(*FOCUS)
        dialog.query_one("#dig-rounds", Input).value = "0"
        await pilot.press("enter")
        error = dialog.query_one("#dig-error", Static)
        await wait_for(pilot, lambda: "from 1 to" in str(error.render()), "the rounds refused")
        assert app.screen is dialog
        dialog.query_one("#dig-rounds", Input).value = "1"
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: screen.state.completed_rounds() == 2, "the second round", limit=30
        )
        await wait_for(pilot, lambda: not screen.running, "the engine ended", limit=30)
        # The worker can end before its last events reach the screen's state.
        await wait_for(pilot, lambda: screen.state.status != "running", "the final status")
        state = screen.state
        assert state.status == "done", (state.status, state.status_reason, screen.notes)
        assert state.rounds[2].focus == FOCUS and state.rounds[1].focus == ""
        assert [r.task for r in gemini.model_requests()] == ["reasoning", "synthesis", "report"]
        # The earlier report is kept beside the rewritten one.
        assert len(state.reports_kept) == 1
        assert Path(state.reports_kept[0]).read_text("utf-8") == earlier  # noqa: ASYNC240
        await report_opened(pilot, limit=30)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back on the research screen")
    saved = handle.state()
    assert saved.completed_rounds() == 2 and saved.reports_kept == state.reports_kept


async def test_d_and_f_refuse_while_a_research_runs_and_d_on_an_unfinished_one(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    save_session("s-unfinished", "Tidal energy", rounds=1)  # no SessionFinished: interrupted
    app = DeepResearchApp(load(), open_session="s-unfinished")
    async with app.run_test(size=(120, 36)) as pilot:
        screen: ResearchScreen = await replayed(pilot)
        assert screen.state.status == "interrupted"
        await pilot.press("D")
        await wait_for(
            pilot,
            lambda: any("finished research" in n.message for n in app._notifications),
            "the refusal",
        )
        assert app.screen is screen
        screen.busy_elsewhere = True  # as when another window's engine runs it
        await pilot.press("f")
        await pilot.press("D")
        await wait_for(
            pilot,
            lambda: sum("is running" in n.message for n in app._notifications) == 2,
            "both refused",
        )
        assert app.screen is screen


def test_rounds_field_accepts_one_to_ten() -> None:
    assert parse_rounds("") == 1 and parse_rounds(" 3 ") == 3 and parse_rounds("10") == 10
    assert parse_rounds("0") is None and parse_rounds("11") is None
    assert parse_rounds("two") is None
