"""Ask the mind map: a question becomes read-only Cypher (the only LLM-written Cypher).

The question runs in a thread worker with its own event loop (``ask_mind_map`` is async
and the LLM client is async). Rows go to a table, the answer to markdown; a refused query
shows the guard's reason instead of rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Markdown, Static

from tui.latest import Latest
from tui.widgets.in_order_input import InOrderInput
from tui.widgets.steady_footer import SteadyFooter

MAX_CELL = 120


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def default_llm_factory(config: Any) -> Any:
    """The configured LLM provider (imported lazily: the SDK is heavy)."""
    from core.providers import build_llm

    return build_llm(config)


class AskScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close", id="ask.close")]

    class Answered(Message):
        def __init__(self, result: Any, error: str = "", question: int = 0) -> None:
            super().__init__()
            self.result = result
            self.error = error
            self.question = question
            """Which question this answers (``_questions``)."""

    def __init__(
        self,
        get_store: Callable[[], Any],
        make_llm: Callable[[], Any],
        *,
        topic: str | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.get_store = get_store
        self.make_llm = make_llm
        self.topic = topic
        self._questions = Latest()
        """The questions asked: only the newest one's answer is shown."""
        self.result: Any = None

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-dialog", classes="dialog wide-dialog"):
            yield Label("Ask the mind map (enter runs; the query is read-only)", id="ask-title")
            yield InOrderInput(
                placeholder="e.g. Which sources support the main claims?", id="ask-input"
            )
            yield Static("", id="ask-cypher")
            table = DataTable(id="ask-rows", zebra_stripes=True)
            table.display = False
            yield table
            with VerticalScroll(id="ask-answer-scroll"):
                yield Markdown("", id="ask-answer")
            yield SteadyFooter()

    @on(Input.Submitted, "#ask-input")
    def _submit(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        self.query_one("#ask-cypher", Static).update("Thinking…")
        self.query_one("#ask-rows", DataTable).display = False
        self._ask(question, self._questions.issue())

    @work(thread=True, exclusive=True, exit_on_error=False, group="ask")
    def _ask(self, question: str, number: int) -> None:
        from core.mindmap.ask import ask_mind_map

        async def run() -> Any:
            llm = self.make_llm()
            try:
                return await ask_mind_map(self.get_store(), llm, question, topic=self.topic)
            finally:
                closer = getattr(llm, "aclose", None)
                if closer is not None:
                    await closer()

        try:
            result = asyncio.run(run())
        except Exception as exc:
            self.post_message(self.Answered(None, str(exc), number))
            return
        self.post_message(self.Answered(result, question=number))

    @on(Answered)
    async def _answered(self, event: Answered) -> None:
        if not self._questions.is_current(event.question):
            return  # the answer to a question asked before the one on screen
        self.result = event.result
        cypher = self.query_one("#ask-cypher", Static)
        answer = self.query_one("#ask-answer", Markdown)
        table = self.query_one("#ask-rows", DataTable)
        result = event.result
        if event.error or result is None:
            cypher.update(f"[$error]Could not ask: {event.error}[/]")
            return
        if result.refused:
            cypher.update(f"[$warning]Refused:[/] {_escape(result.refused)}")
            await answer.update(f"```cypher\n{result.cypher}\n```" if result.cypher else "")
            return
        if result.error:
            cypher.update(f"[$error]Query failed:[/] {_escape(result.error)}")
            await answer.update(f"```cypher\n{result.cypher}\n```" if result.cypher else "")
            return
        cypher.update(f"[dim]{_escape(' '.join(result.cypher.split()))}[/]")
        table.clear(columns=True)
        if result.columns:
            table.add_columns(*result.columns)
            for row in result.rows:
                table.add_row(*(_cell(v) for v in row))
            table.display = True
        await answer.update(result.answer or "*No answer.*")

    def action_close(self) -> None:
        self.dismiss(None)


def _escape(text: str) -> str:
    from textual.markup import escape

    return escape(text)
