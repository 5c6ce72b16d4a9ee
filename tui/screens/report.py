"""The report: streams while ``ReportChunk`` events arrive; citations link to the sources.

Citations ``[n]`` become links (``source:n``); following one closes the report and shows
source n in the research screen's source list. A trailing ``[12`` that may still grow is
held back so a citation split across chunks never forces a full re-render.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, Markdown

from tui.widgets.panes import StreamingMarkdown

CITATION = re.compile(r"(?<![\\!\]])\[(\d{1,4}(?:\s*[,;]\s*\d{1,4})*)\](?![(\[])")
PARTIAL = re.compile(r"\[[\d,; ]{0,24}$")
WAITING = "*The report is written after the last round.*"


def link_citations(text: str) -> str:
    """``[3]`` -> ``\\[[3](source:3)\\]`` and ``[1, 2]`` -> one link per number."""

    def repl(match: re.Match[str]) -> str:
        numbers = re.split(r"\s*[,;]\s*", match.group(1))
        return "\\[" + ", ".join(f"[{n}](source:{n})" for n in numbers) + "\\]"

    return CITATION.sub(repl, text)


def stable_text(text: str, *, final: bool) -> str:
    """The part of a growing report that can be shown without being rewritten later."""
    if not final and (partial := PARTIAL.search(text)):
        text = text[: partial.start()]
    return link_citations(text)


class ReportScreen(Screen[str | None]):
    """Report of one research; :meth:`show_state` is called after each batch of events.

    Dismisses with ``"source:<n>"`` (a citation was followed), ``"sources"`` or None.
    """

    BINDINGS = [
        Binding("escape,q,r", "close", "Back", id="report.back", tooltip="Back to the research"),
        Binding("e", "export('md')", "Export .md", id="report.export_md"),
        Binding("E", "export('json')", "Export .json", id="report.export_json"),
        Binding("s", "sources", "Sources", id="report.sources"),
        Binding("question_mark", "app.help", "Help", id="report.help"),
    ]

    def __init__(self, state: Any, sessions_dir: Path) -> None:
        super().__init__()
        self.state = state
        self.sessions_dir = sessions_dir
        self.final_text: str | None = None
        self._ready = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="report-body"):
            with Horizontal(id="report-bar"):
                yield Label("", id="report-status")
                yield Button("Markdown (e)", id="export-md", compact=True)
                yield Button("JSON (E)", id="export-json", compact=True)
            yield StreamingMarkdown(WAITING, id="report-doc")
        yield Footer()

    async def on_mount(self) -> None:
        self.sub_title = self.state.topic
        self.title = "Report"
        self._ready = True
        await self.show_state(self.state)
        self.query_one("#report-doc").focus()

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
            line = f"Saved to {state.report_path}"
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
            self.dismiss(href)
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
        self._export(self.state.session_id, fmt)

    @work(thread=True, exit_on_error=False, group="report-export")
    def _export(self, session_id: str, fmt: str) -> None:
        from tui.screens.home import export_to_file

        try:
            path = export_to_file(self.sessions_dir, session_id, fmt)
        except Exception as exc:
            self.app.call_from_thread(
                self.notify, str(exc), title="Export failed", severity="error"
            )
            return
        self.app.call_from_thread(self.notify, f"Exported to {path}", title="Export", timeout=10)

    def action_sources(self) -> None:
        self.dismiss("sources")

    def action_close(self) -> None:
        self.dismiss(None)
