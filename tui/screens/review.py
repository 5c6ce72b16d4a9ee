"""Edit the next round's planned queries before they run (one per line)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea


class ReviewQueriesScreen(ModalScreen[list[str] | None]):
    """Dismisses with the edited queries (ctrl+s / Run) or None (escape: run as planned)."""

    BINDINGS = [
        Binding("ctrl+s", "run", "Run these", id="review.run"),
        Binding("escape", "cancel", "Run as planned", id="review.cancel"),
    ]

    def __init__(self, round_number: int, queries: list[str]) -> None:
        super().__init__(classes="dialog-screen")
        self.round_number = round_number
        self.queries = queries

    def compose(self) -> ComposeResult:
        with Vertical(id="review-dialog", classes="dialog wide-dialog"):
            yield Label(
                f"Round {self.round_number}: searches to run (one per line; delete a line "
                "to skip it)",
                id="review-title",
            )
            yield TextArea("\n".join(self.queries), id="review-queries")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Run these (ctrl+s)", variant="primary", id="review-run")
                yield Button("As planned (esc)", id="review-cancel")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def edited(self) -> list[str]:
        text = self.query_one(TextArea).text
        return [line.strip() for line in text.splitlines() if line.strip()]

    @on(Button.Pressed, "#review-run")
    def action_run(self) -> None:
        self.dismiss(self.edited())

    @on(Button.Pressed, "#review-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
