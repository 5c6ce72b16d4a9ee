"""A yes/no question as a modal: the one place destructive actions ask before they act."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from styles import tcss

DIALOGS_CSS = tcss("dialogs")

DESTRUCTIVE_HINT = "[b]tab[/] then [b]enter[/] to {yes} · [b]enter[/] or [b]escape[/] to {no}"


class ConfirmScreen(ModalScreen[bool]):
    """Ask ``question``; dismiss with True (yes) or False (no / Escape).

    The "no" button has focus first, so an absent-minded Enter never confirms anything.

    A plain question (``destructive=False``, e.g. "quit while a research runs?") also takes
    ``y`` and ``n``. A destructive one (``destructive=True``: deleting a research) takes no
    letter for yes: the dialog opens from a key on a list, and a word typed there in passing
    ("daily" starts with the delete key and contains a "y") must not answer it. Confirming
    means moving to the yes button (tab, or the arrow keys) and pressing Enter, or clicking it.
    """

    CSS_PATH = DIALOGS_CSS
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "cancel", "Cancel", show=False, id="confirm.cancel"),
        Binding("left", "app.focus_previous", show=False, id="confirm.previous_button"),
        Binding("right", "app.focus_next", show=False, id="confirm.next_button"),
    ]

    def __init__(
        self, question: str, yes: str = "Yes", no: str = "No", *, destructive: bool = False
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.yes_label = yes
        self.no_label = no
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Label(self.question, id="confirm-question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                if self.destructive:
                    yield Button(self.yes_label, variant="error", id="confirm-yes")
                    yield Button(self.no_label, variant="primary", id="confirm-no")
                else:
                    yield Button(f"{self.yes_label} (y)", variant="error", id="confirm-yes")
                    yield Button(f"{self.no_label} (n)", variant="primary", id="confirm-no")
            if self.destructive:
                hint = DESTRUCTIVE_HINT.format(yes=self.yes_label.lower(), no=self.no_label.lower())
                yield Static(hint, id="confirm-hint")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A destructive question has no ``y``/``n`` keys (see the class docstring)."""
        return not (self.destructive and action == "answer")

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(False)
