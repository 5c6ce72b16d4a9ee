"""A mind-map node's properties and neighbours, read in a thread worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label

MAX_VALUE = 300


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


class NodeDetailScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "close", "Close", id="node.close")]

    class Loaded(Message):
        def __init__(self, detail: Any, error: str = "") -> None:
            super().__init__()
            self.detail = detail
            self.error = error

    def __init__(self, ref: Any, get_store: Callable[[], Any]) -> None:
        super().__init__(classes="dialog-screen")
        self.ref = ref
        self.get_store = get_store

    def compose(self) -> ComposeResult:
        with Vertical(id="node-dialog", classes="dialog wide-dialog"):
            yield Label(f"{self.ref.label}: {self.ref.title}", id="node-title", markup=False)
            yield Label("Properties", classes="dialog-heading")
            props = DataTable(id="node-properties", cursor_type="row", zebra_stripes=True)
            props.add_columns("Property", "Value")
            yield props
            yield Label("Neighbours", classes="dialog-heading")
            neighbours = DataTable(id="node-neighbours", cursor_type="row", zebra_stripes=True)
            neighbours.add_columns("Relation", "Dir", "Label", "Title")
            yield neighbours
            yield Footer()

    def on_mount(self) -> None:
        self.query_one("#node-properties").loading = True
        self._load()

    @work(thread=True, exit_on_error=False)
    def _load(self) -> None:
        try:
            detail = self.get_store().node(self.ref.id)
        except Exception as exc:
            self.post_message(self.Loaded(None, str(exc)))
            return
        self.post_message(self.Loaded(detail))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        props = self.query_one("#node-properties", DataTable)
        props.loading = False
        if event.error or event.detail is None:
            props.add_row("error", event.error or "node not found")
            return
        for key, value in sorted(event.detail.properties.items()):
            props.add_row(key, _short(value))
        table = self.query_one("#node-neighbours", DataTable)
        for item in event.detail.neighbours:
            arrow = "→" if item.direction == "out" else "←"
            table.add_row(item.relation, arrow, item.node.label, _short(item.node.title))
        props.focus()

    def action_close(self) -> None:
        self.dismiss(None)
