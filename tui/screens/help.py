"""Help: the keys that apply where you are, then every key in the app.

"Here" is read from the bindings active on the screen you came from (``tui.keys``, the
same list the command palette offers), so it cannot fall behind them. The full table
below is static so it also documents screens you have not opened yet; ``ALL_KEYS`` (in
``tui.keys``, beside the actions' words) is the source of the README's key table
(tests/test_readme.py compares them row for row).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from styles import tcss
from tui.keys import ALL_KEYS

DIALOGS_CSS = tcss("dialogs")


def _key_table(rows: Iterable[tuple[str | Text, ...]], headers: tuple[str, ...]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for number, header in enumerate(headers):
        last = number == len(headers) - 1
        table.add_column(
            header, no_wrap=not last, style="bold" if number == len(headers) - 2 else ""
        )
    for row in rows:
        table.add_row(*row)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists ``bindings`` (the keys of the screen you came from) and ``ALL_KEYS``."""

    CSS_PATH = DIALOGS_CSS
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, bindings: list[tuple[str, str, str]] | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.context_bindings = list(bindings or [])
        """(keys, action, what it does) for the screen help was opened from."""

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label("Keys  [dim](escape, q or ? closes)[/]", id="help-title")
            with VerticalScroll(id="help-scroll"):
                if self.context_bindings:
                    yield Label("Here", classes="help-heading")
                    rows = [
                        (keys, Text.assemble(title, (f" — {what}" if what else "", "dim")))
                        for keys, title, what in self.context_bindings
                    ]
                    yield Static(_key_table(rows, ("Key", "Action")), id="help-context")
                yield Label("All keys", classes="help-heading")
                yield Static(_key_table(ALL_KEYS, ("Where", "Key", "Action")), id="help-all")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def screen_bindings(screen: object) -> list[tuple[str, str, str]]:
    """(keys, action, what it does) of everything that can be done on ``screen`` now —
    what the app passes in. See ``tui.keys.screen_actions``."""
    from tui.keys import screen_actions

    return [(action.keys, action.title, action.what) for action in screen_actions(screen)]
