"""Follow-up questions on a saved research, from the TUI (``f`` on the Research screen).

The same call as ``deepresearch-tui ask ID "QUESTION"`` (``core.research.ask.ask_session``):
one model call over the research's summary, evidence and sources, saved in the session as
events. It runs in a thread worker with its own event loop (the call is async and claims
the session's lock); the worker never touches a widget: each streamed chunk and the final
answer are posted as messages and shown by the dialog's handlers on the UI loop.

Once answered, the dialog shows the answer with its invalid citations removed, then the
citation check of each quote the model gave (``core.trust``'s verdicts). Earlier questions
on this research (``SessionState.qa``, replayed from the log) are listed above the field.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Markdown, Static

from core.ingest import safe
from core.state import QAState
from tui.widgets.in_order_input import InOrderInput
from tui.widgets.panes import StreamingMarkdown
from tui.widgets.steady_footer import SteadyFooter

VERIFIED = "verified"


def history_markdown(qa: list[QAState]) -> str:
    """Earlier questions and answers, newest last, as one Markdown document."""
    parts: list[str] = []
    for item in qa:
        answer = item.answer.strip() or (
            f"*No answer: {item.error}*" if item.error else "*No answer was saved.*"
        )
        parts.append(f"**Q{item.question_id}. {safe(item.question)}**\n\n{safe(answer)}")
        if item.quotes:
            parts.append(f"*Citation check: {verdict_counts(item.quotes)}*")
    return "\n\n".join(parts)


def verdict_counts(quotes: list[dict[str, Any]]) -> str:
    """``"1 verified, 1 quote not found"``: each verdict with how many quotes got it."""
    counts: dict[str, int] = {}
    for quote in quotes:
        verdict = str(quote.get("verdict", ""))
        counts[verdict] = counts.get(verdict, 0) + 1
    return ", ".join(f"{n} {verdict}" for verdict, n in counts.items()) or "no quotes"


def check_lines(quotes: list[dict[str, Any]]) -> str:
    """Console markup: one line per cited source with its verdict, score and quote."""
    if not quotes:
        return "[dim]The answer cites no source, so there is nothing to check.[/]"
    lines = [f"[b]Citation check:[/] {escape(verdict_counts(quotes))}"]
    for quote in quotes:
        verdict = str(quote.get("verdict", ""))
        colour = "$success" if verdict == VERIFIED else "$warning"
        text = escape(safe(str(quote.get("quote", "")))) or "[dim](no quote given)[/]"
        score = float(quote.get("score", 0) or 0)
        lines.append(
            f"  [{colour}]\\[{quote.get('source_id')}] {escape(verdict)}[/] "
            f"[dim]({score:.0f})[/] “{text}”"
        )
    return "\n".join(lines)


class FollowUpScreen(ModalScreen[None]):
    """A question field, the streamed answer, then its citation check."""

    AUTO_FOCUS = "#followup-input"
    BINDINGS = [Binding("escape", "close", "Close", id="followup.close")]

    class Chunk(Message):
        """Streamed text of the answer (posted from the worker's thread)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Answered(Message):
        """The saved question and answer, or why there is none."""

        def __init__(self, qa: QAState | None, error: str = "") -> None:
            super().__init__()
            self.qa = qa
            self.error = error

    def __init__(
        self,
        config: Any,
        session_id: str,
        previous: list[QAState],
        *,
        make_llm: Callable[[], Any] | None = None,
        on_answer: Callable[[QAState], None] | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.config = config
        self.session_id = session_id
        self.previous = list(previous)
        self.make_llm = make_llm
        self.on_answer = on_answer
        self.streamed = ""
        self.asking = False
        self.result: QAState | None = None
        """The latest answer (tests and the research screen read it)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="followup-dialog", classes="dialog wide-dialog"):
            yield Label(
                "Follow-up question on this research (enter asks)",
                id="followup-title",
            )
            with VerticalScroll(id="followup-history-scroll") as history:
                history.display = bool(self.previous)
                yield Label("Asked before", classes="dialog-heading")
                yield Markdown(history_markdown(self.previous), id="followup-history")
            yield InOrderInput(
                placeholder="e.g. What do the sources disagree on?", id="followup-input"
            )
            yield Static("", id="followup-status")
            yield StreamingMarkdown(placeholder="", id="followup-answer")
            yield Static("", id="followup-check")
            yield SteadyFooter()

    @property
    def answer_view(self) -> StreamingMarkdown:
        return self.query_one("#followup-answer", StreamingMarkdown)

    @on(Input.Submitted, "#followup-input")
    async def _submit(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question or self.asking:
            return
        self.asking = True
        event.input.disabled = True
        self.streamed = ""
        await self.answer_view.reset("")
        self.query_one("#followup-check", Static).update("")
        self.query_one("#followup-status", Static).update("Asking…")
        self._ask(question)

    @work(thread=True, exclusive=True, exit_on_error=False, group="followup")
    def _ask(self, question: str) -> None:
        """Thread worker: run the saved follow-up call on this thread's own loop."""
        from core.research.ask import ask_session

        def on_text(chunk: str) -> None:
            self.post_message(self.Chunk(chunk))

        try:
            llm = self.make_llm() if self.make_llm is not None else None
            qa = asyncio.run(
                ask_session(self.config, self.session_id, question, llm=llm, on_text=on_text)
            )
        except Exception as exc:  # shown in the dialog, never a traceback
            self.post_message(self.Answered(None, str(exc) or type(exc).__name__))
            return
        self.post_message(self.Answered(qa))

    @on(Chunk)
    async def _chunk(self, message: Chunk) -> None:
        self.streamed += message.text
        await self.answer_view.show_text(self.streamed)

    @on(Answered)
    async def _answered(self, message: Answered) -> None:
        self.asking = False
        field = self.query_one("#followup-input", Input)
        field.disabled = False
        field.focus()
        status = self.query_one("#followup-status", Static)
        qa = message.qa
        if qa is None:
            status.update(f"[$error]Could not ask:[/] {escape(message.error)}")
            return
        self.result = qa
        if self.on_answer is not None:
            self.on_answer(qa)
        if qa.error:
            status.update(f"[$error]No answer:[/] {escape(qa.error)}")
            return
        status.update(f"[dim]Q{qa.question_id}, saved with this research.[/]")
        # The saved answer: the Quotes section split off, citations to unknown ids removed.
        await self.answer_view.show_text(qa.answer or "*No answer.*")
        self.query_one("#followup-check", Static).update(check_lines(qa.quotes))

    def action_close(self) -> None:
        if self.asking:
            # The call runs on its own thread and saves its events; it cannot be cut off
            # half-written, so the dialog stays until it is done.
            self.notify("Wait for the answer; it is being saved.", severity="warning")
            return
        self.dismiss(None)
