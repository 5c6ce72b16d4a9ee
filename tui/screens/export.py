"""Choose an export format (Markdown or JSON) in a small modal."""

from __future__ import annotations

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from styles import tcss
from tui.widgets.sources import fit

DIALOGS_CSS = tcss("dialogs")

EXPORT_FORMATS: dict[str, str] = {"md": "Markdown", "json": "JSON"}
"""Format code (what ``core.sessions.export_session`` takes) -> label."""
TITLE_CELLS = 48
"""The longest topic shown in the question (the dialog is at most ~70 cells wide)."""


def shorten(text: str, width: int = TITLE_CELLS) -> str:
    """``text`` in at most ``width`` cells: cut at a word boundary when one is near, + "…"."""
    text = " ".join(text.split())
    if cell_len(text) <= width:
        return text
    cut = fit(text, width)[:-1]  # without its "…"
    space = cut.rfind(" ")
    if space >= len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


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
            title = shorten(self.export_title)
            text = f"Export “{title}” as:" if title else "Export as:"
            yield Label(text, id="export-question", markup=False)
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
