"""Choose an export format (Markdown or JSON) in a small modal."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from styles import tcss

DIALOGS_CSS = tcss("dialogs")

EXPORT_FORMATS: dict[str, str] = {"md": "Markdown", "json": "JSON"}
"""Format code (what ``core.sessions.export_session`` takes) -> label."""


class ExportScreen(ModalScreen[str | None]):
    """Dismisses with ``"md"``, ``"json"`` or None (Escape)."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS = [
        Binding("m", "choose('md')", "Markdown", id="export.md"),
        Binding("j", "choose('json')", "JSON", id="export.json"),
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(self, title: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.export_title = title

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog", classes="dialog"):
            text = f"Export “{self.export_title}” as:" if self.export_title else "Export as:"
            yield Label(text, id="export-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Markdown (m)", variant="primary", id="export-md")
                yield Button("JSON (j)", id="export-json")
                yield Button("Cancel", id="export-cancel")

    @on(Button.Pressed, "#export-md")
    def _md(self) -> None:
        self.dismiss("md")

    @on(Button.Pressed, "#export-json")
    def _json(self) -> None:
        self.dismiss("json")

    @on(Button.Pressed, "#export-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_choose(self, fmt: str) -> None:
        self.dismiss(fmt)

    def action_cancel(self) -> None:
        self.dismiss(None)
