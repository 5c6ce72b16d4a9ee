"""The ``a`` key on a research: a question about the mind map becomes read-only Cypher,
run against the real embedded store, with the rows and the model's answer on screen.

Driven through the real Gemini SDK against the loopback fake (its "cypher" and "answer"
tasks), so the prompt, the guard and the store all run; nothing sleeps.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Input, Markdown, Static

from core.config import load
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.tavily_server import FakeTavily
from tests.pilot_helpers import replayed, wait_for
from tests.samples import save_session
from tui.app import DeepResearchApp
from tui.cli import main as cli_main
from tui.screens.ask import AskScreen


async def test_a_asks_the_mind_map_and_shows_cypher_rows_and_answer(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    gemini, _ = fake_env
    save_session("s-ask", "Tidal energy", rounds=1)
    assert cli_main(["graph", "rebuild"]) == 0
    app = DeepResearchApp(load(), open_session="s-ask")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await replayed(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), "the ask dialog")
        ask = app.screen
        field = ask.query_one("#ask-input", Input)
        await wait_for(pilot, lambda: ask.focused is field, "the question field focused")
        await pilot.press(*"Which topics were researched?", "enter")
        rows = ask.query_one("#ask-rows", DataTable)
        await wait_for(pilot, lambda: rows.display and rows.row_count > 0, "rows from the store")
        cypher = str(ask.query_one("#ask-cypher", Static).render())
        assert "MATCH (t:Topic)" in cypher
        assert "Tidal energy" in {str(rows.get_cell_at((r, 0))) for r in range(rows.row_count)}
        answer = ask.query_one("#ask-answer", Markdown)
        await wait_for(pilot, lambda: "topics researched" in answer.source, "the answer")
        assert [r.task for r in gemini.model_requests()] == ["cypher", "answer"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back on the research screen")


async def test_the_answer_to_an_earlier_question_never_replaces_the_current_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second question while the first is still being answered: the first answer,
    slower, arrived last and replaced the second on screen. Only the newest question's
    answer is shown now (``tui.latest``). The model is a stand-in here: the order of the
    two answers is what is tested, and the first is held until the second is shown."""
    import asyncio
    import threading

    import core.mindmap.ask as ask_module
    from core.mindmap.ask import AskResult
    from tests.pilot_helpers import Host, keyed_config

    let_first_go = threading.Event()
    asked: list[str] = []

    async def answer(store: Any, llm: Any, question: str, **_: Any) -> AskResult:
        asked.append(question)
        if len(asked) == 1:
            await asyncio.to_thread(let_first_go.wait, 30)
        return AskResult(question, cypher="MATCH (t:Topic) RETURN t", answer=f"About {question}")

    monkeypatch.setattr(ask_module, "ask_mind_map", answer)
    app = Host(keyed_config(), lambda app: AskScreen(lambda: None, lambda: None))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), "the ask dialog")
        ask = app.screen
        field = ask.query_one("#ask-input", Input)
        answer_view = ask.query_one("#ask-answer", Markdown)
        field.value = "first"
        await pilot.press("enter")
        await wait_for(pilot, lambda: asked == ["first"], "the first question under way")
        first = next(w for w in app.workers if w.group == "ask")
        field.value = "second"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "About second" in answer_view.source, "the answer")
        let_first_go.set()
        await wait_for(pilot, lambda: first.is_finished, "the first answer done")
        handled = asyncio.Event()
        ask.call_later(handled.set)  # after the first answer's message, in order
        await wait_for(pilot, handled.is_set)
        assert "About second" in answer_view.source
