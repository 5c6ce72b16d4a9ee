"""The report: streams while ``ReportChunk`` events arrive; citations link to the sources.

Citations ``[n]`` become links (``source:n``); following one (a click, or ``c`` and the
number) opens the claims that cite source n, each with its quote check's verdict (the
check view filtered to n; ``s`` there shows the source itself), so a reader sees what the
citation rests on. ``f`` and a number go straight to source n's details. Both open over
the report, so closing them returns to the report where the reader was.

A trailing ``[12`` that may still grow is held back so a citation split across chunks
never forces a full re-render.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Markdown

from tui.frame_pacing import QuickFrames
from tui.paths import shown_path
from tui.span_compositor import use_span_compositor
from tui.widgets.in_order_input import InOrderInput
from tui.widgets.panes import StreamingMarkdown
from tui.widgets.steady_footer import SteadyFooter
from tui.widgets.title_header import TitleHeader

if TYPE_CHECKING:
    from core.config import Config

CITATION = re.compile(r"(?<![\\!\]])((?:\[\d{1,4}(?:\s*[,;]\s*\d{1,4})*\])+)(?![(\[])")
"""A run of citations, ``[3]``, ``[1, 2]`` or adjacent ``[1][3]``; not ``[text][1]`` (a
Markdown reference) nor ``[1](url)`` (already a link)."""
ONE_CITATION = re.compile(r"\[([^\]]*)\]")
PARTIAL = re.compile(r"\[[\d,; ]{0,24}$")
WAITING = "*The report is written after the last round.*"
SOURCE_LINE = re.compile(r"^(\[\d{1,4}\][^\n]*)\n", re.MULTILINE)
"""A finished line that starts with a citation, ``[3] Title, url``: how a model lists its
sources. Markdown joins such lines into one paragraph; a hard break (two spaces) keeps
one source per line. Only finished lines change, and only before their newline, so a
growing report still only grows (the document is appended to, not rebuilt)."""


def link_citations(text: str) -> str:
    """``[3]`` -> ``\\[[3](source:3)\\]``; ``[1, 2]`` and ``[1][3]`` -> one link per number."""

    def one(match: re.Match[str]) -> str:
        numbers = re.split(r"\s*[,;]\s*", match.group(1))
        return "\\[" + ", ".join(f"[{n}](source:{n})" for n in numbers) + "\\]"

    def repl(match: re.Match[str]) -> str:
        return ONE_CITATION.sub(one, match.group(1))

    return CITATION.sub(repl, text)


def stable_text(text: str, *, final: bool) -> str:
    """The part of a growing report that can be shown without being rewritten later."""
    if not final and (partial := PARTIAL.search(text)):
        text = text[: partial.start()]
    return link_citations(SOURCE_LINE.sub("\\1  \n", text))


class GoToSourceScreen(ModalScreen[int | None]):
    """Ask for a source number; dismisses with one of ``source_ids`` or None (Escape).

    The keyboard way to follow a citation: the report's links only answer the mouse.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="goto.cancel")]

    def __init__(self, source_ids: list[int]) -> None:
        super().__init__(classes="dialog-screen")
        self.source_ids = sorted(source_ids)

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-dialog", classes="dialog"):
            yield Label(f"Go to source (1–{self.source_ids[-1]}):", id="goto-question")
            yield InOrderInput(
                placeholder="source number, e.g. 3", type="integer", id="goto-number"
            )
            yield Label("", id="goto-error")

    def on_mount(self) -> None:
        self.query_one("#goto-number", Input).focus()

    def number(self, text: str) -> int | None:
        """The source ``text`` names, if the session has it."""
        text = text.strip()
        if not text.isdigit() or int(text) not in self.source_ids:
            return None
        return int(text)

    @on(Input.Submitted, "#goto-number")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        number = self.number(event.value)
        if number is None:
            typed = event.value.strip()
            self.query_one("#goto-error", Label).update(
                f"There is no source {typed}: pick 1 to {self.source_ids[-1]}."
                if typed
                else "Type a source number."
            )
            return
        self.dismiss(number)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReportScreen(QuickFrames, Screen[str | None]):
    """Report of one research; :meth:`show_state` is called after each batch of events.

    Dismisses with ``"sources"`` (show the research's source list) or None. The research
    screen keeps one instance and shows it again (the reader's place is kept), so the
    state is caught up on every resume, not only on mount.
    """

    BINDINGS = [
        Binding("escape,q,r", "close", "Back", id="report.back", tooltip="Back to the research"),
        # The export keys are on the buttons at the top ("Markdown (e)", "JSON (E)"); leaving
        # them out of the footer keeps room for "Go to source" at 80 columns.
        Binding("e", "export('md')", "Export .md", id="report.export_md", show=False),
        Binding("E", "export('json')", "Export .json", id="report.export_json", show=False),
        Binding("s", "sources", "Sources", id="report.sources"),
        # Hidden from the footer (no room at 80 columns); help and the palette list it.
        Binding("c", "claims", "Claims of a source", id="report.claims", show=False),
        Binding(
            "f",
            "go_to_source",
            "Go to source",
            id="report.go_to_source",
            tooltip="Show a cited source by its number",
        ),
        Binding("question_mark", "app.help", "Help", id="report.help"),
    ]

    def __init__(self, state: Any, config: Config) -> None:
        super().__init__()
        use_span_compositor(self)  # the streamed report repaints its own cells only
        self.state = state
        self.config = config
        self.final_text: str | None = None
        self._ready = False

    def compose(self) -> ComposeResult:
        yield TitleHeader()
        with Vertical(id="report-body"):
            with Horizontal(id="report-bar"):
                yield Label("", id="report-status")
                yield Button("Markdown (e)", id="export-md", compact=True)
                yield Button("JSON (E)", id="export-json", compact=True)
            yield StreamingMarkdown(WAITING, id="report-doc")
        yield SteadyFooter()

    async def on_mount(self) -> None:
        self.sub_title = self.state.topic
        self.title = "Report"
        self._ready = True
        await self.show_state(self.state)
        self.query_one("#report-doc").focus()

    async def on_screen_resume(self) -> None:
        """Shown again: catch up with what arrived while it was closed or covered."""
        await self.show_state(self.state)

    async def show_state(self, state: Any) -> None:
        self.state = state
        if not self._ready:  # not composed yet: on_mount shows the latest state
            return
        if state.report_path and self.final_text is None:
            try:
                self.final_text = await asyncio.to_thread(
                    Path(state.report_path).read_text, encoding="utf-8"
                )
            except OSError:
                self.final_text = state.report
        if state.report_path:
            text = stable_text(self.final_text or state.report, final=True)
        else:
            text = stable_text(state.report, final=False)
            self.final_text = None
        try:
            doc = self.query_one("#report-doc", StreamingMarkdown)
            status = self.query_one("#report-status", Label)
        except NoMatches:  # closing: its widgets are already gone
            return
        await doc.show_text(text)
        status.update(self._status_line())

    def _status_line(self) -> str:
        state = self.state
        if state.report_path:
            line = f"Saved to {shown_path(state.report_path)}"
            if state.report_fallback:
                line += f"  ·  written without the LLM ({state.report_reason})"
            return line
        if state.current_phase == "report":
            return "Writing the report…"
        return "No report yet."

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        href = event.href
        if href.startswith("source:"):
            with contextlib.suppress(ValueError):
                self.show_claims(int(href.split(":", 1)[1]))
        elif href.startswith(("http://", "https://")):
            self.app.open_url(href)

    @on(Button.Pressed, "#export-md")
    def _export_md(self) -> None:
        self.action_export("md")

    @on(Button.Pressed, "#export-json")
    def _export_json(self) -> None:
        self.action_export("json")

    def action_export(self, fmt: str) -> None:
        if not self.state.session_id:
            self.notify("Nothing to export yet.", severity="warning")
            return
        self.app.export_research(self.state.session_id, fmt)  # type: ignore[attr-defined]

    def action_sources(self) -> None:
        self.dismiss("sources")

    def show_source(self, source_id: int) -> None:
        """Source ``source_id``'s details over the report (closing them comes back here)."""
        from tui.screens.source_detail import SourceDetailScreen

        source = (getattr(self.state, "sources", {}) or {}).get(source_id)
        if source is None:
            self.notify(f"There is no source [{source_id}].", severity="warning")
            return
        self.app.push_screen(SourceDetailScreen(source, self.state.evidence))

    def show_claims(self, source_id: int) -> None:
        """The claims citing source ``source_id``, checked (what citation ``[n]`` rests on)."""
        from tui.screens.check import CheckScreen

        sources = getattr(self.state, "sources", {}) or {}
        if source_id not in sources:
            self.notify(f"There is no source [{source_id}].", severity="warning")
            return
        self.app.push_screen(CheckScreen(self.state.evidence, sources, source_id))

    def _ask_source(self, then: Any) -> None:
        source_ids = [int(n) for n in getattr(self.state, "sources", {}) or {}]
        if not source_ids:
            self.notify("This research has no sources yet.", severity="warning")
            return

        def chosen(number: int | None) -> None:
            if number is not None:
                then(number)

        self.app.push_screen(GoToSourceScreen(source_ids), chosen)

    def action_go_to_source(self) -> None:
        """Ask for n, then show source n's details."""
        self._ask_source(self.show_source)

    def action_claims(self) -> None:
        """Like clicking citation ``[n]``: ask for n, then show the claims citing it."""
        self._ask_source(self.show_claims)

    def action_close(self) -> None:
        self.dismiss(None)
