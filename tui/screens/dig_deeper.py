"""Dig deeper (``D`` on the Research screen): more rounds on a finished research, focused
on a follow-up question.

Only asks; the Research screen starts the engine (``ResearchEngine.resume`` with
``extra_rounds`` and ``focus``, as ``run --resume ID --rounds N --focus "…"`` does), so the
run shows live like any other and its report replaces the earlier one, which is kept.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.widgets.in_order_input import InOrderInput

MAX_EXTRA_ROUNDS = 10
"""More rounds than this at once is more likely a typo than a plan (each round costs calls)."""


def parse_rounds(text: str) -> int | None:
    """The rounds field as a number from 1 to :data:`MAX_EXTRA_ROUNDS`, else None."""
    try:
        rounds = int(text.strip() or "1")
    except ValueError:
        return None
    return rounds if 1 <= rounds <= MAX_EXTRA_ROUNDS else None


class DigDeeperScreen(ModalScreen[tuple[int, str] | None]):
    """A focus question and a number of rounds; enter gives ``(rounds, focus)``."""

    AUTO_FOCUS = "#dig-focus"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dig.cancel")]

    def __init__(self, topic: str) -> None:
        super().__init__(classes="dialog-screen")
        self.topic = topic

    def compose(self) -> ComposeResult:
        with Vertical(id="dig-dialog", classes="dialog"):
            yield Label("Dig deeper", id="dig-title")
            yield Static(self.topic, id="dig-topic", markup=False)
            yield Label("Focus the new rounds on (optional)")
            yield InOrderInput(placeholder="e.g. What does upkeep cost per year?", id="dig-focus")
            yield Label(f"More rounds (1-{MAX_EXTRA_ROUNDS})")
            yield InOrderInput("1", type="integer", id="dig-rounds")
            yield Static("", id="dig-error")
            yield Static(
                "enter starts · escape cancels · the earlier report is kept", id="dig-hint"
            )

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        rounds = parse_rounds(self.query_one("#dig-rounds", Input).value)
        if rounds is None:
            self.query_one("#dig-error", Static).update(
                f"[$error]Rounds must be a number from 1 to {MAX_EXTRA_ROUNDS}.[/]"
            )
            self.query_one("#dig-rounds", Input).focus()
            return
        self.dismiss((rounds, self.query_one("#dig-focus", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
