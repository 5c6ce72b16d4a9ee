"""One step of the research in full: an error, a warning or a search the steps list cuts.

The steps column is narrow, so long rows end in "…"; Enter on such a row opens this dialog
with the whole text (plain text: an error message or a query is not Markdown).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tui.widgets.steady_footer import SteadyFooter


class StepDetailScreen(ModalScreen[None]):
    """Title and text of one step; Escape, q or Enter closes it."""

    BINDINGS = [Binding("escape,q,enter", "close", "Close", id="step.close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__(classes="dialog-screen")
        self.heading = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="step-dialog", classes="dialog"):
            yield Label(self.heading, id="step-title", markup=False)
            with VerticalScroll(id="step-scroll"):
                yield Static(self.text, id="step-text", markup=False)
            yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#step-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
