"""A mind-map node's properties and neighbours, read in a thread worker.

The body scrolls as one piece (the tables grow to their full height inside it), so at 80x24
nothing is cut off: arrows, PageUp/PageDown and the mouse wheel reach the last neighbour.
A reasoning step's ``content`` is the model's Markdown (headings, numbered lists): it is
rendered as Markdown under the table, whole, not squeezed into one table cell; line-based
values (``queries``, one per line) keep their lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Markdown

from core.ingest import clean_line, safe
from tui.widgets.sources import fit
from tui.widgets.steady_footer import SteadyFooter

MAX_VALUE = 300
TIME_KEYS = frozenset(
    {"created", "timestamp", "updated", "started", "finished", "time", "modified", "ended"}
)
"""Property names whose numbers are Unix times (also any name ending in ``_at``)."""
EPOCH_RANGE = (1e9, 1e11)
"""Numbers in this range are plausible Unix times (2001 … 5138); others are left alone."""
MAX_KEY = 18
MIN_VALUE = 20
MARKDOWN_KEYS = frozenset({"content"})
"""String properties written as Markdown: shown rendered, below the table."""
LINE_KEYS = frozenset({"queries"})
"""String properties holding one item per line: one bullet per line in the table."""


def is_time_key(key: str) -> bool:
    name = key.lower()
    return name in TIME_KEYS or name.endswith(("_at", "_time", "_ts"))


def format_value(key: str, value: Any) -> str:
    """A property as text: Unix times as local ``YYYY-MM-DD HH:MM:SS``, the rest shortened.

    Line-based values (``queries``) become one "• item" per line.
    """
    if key.lower() in LINE_KEYS and isinstance(value, str):
        items = [" ".join(line.split()) for line in value.splitlines()]
        return "\n".join(f"• {_short(item)}" for item in items if item)
    if (
        is_time_key(key)
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and EPOCH_RANGE[0] <= value < EPOCH_RANGE[1]
    ):
        return dt.datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    return _short(value)


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
        self.detail: Any = None
        self.error = ""
        self._filled_width = -1

    def compose(self) -> ComposeResult:
        with Vertical(id="node-dialog", classes="dialog wide-dialog"):
            title = f"{self.ref.label}: {clean_line(self.ref.title, 10_000)}"
            yield Label(title, id="node-title", markup=False)
            with VerticalScroll(id="node-body"):
                yield Label("Properties", classes="dialog-heading")
                yield self._table("node-properties")
                yield Label("Neighbours", classes="dialog-heading")
                yield self._table("node-neighbours")
            yield SteadyFooter()

    @staticmethod
    def _table(table_id: str) -> DataTable:
        """A read-only table: the body scrolls, the table itself never takes focus."""
        table: DataTable = DataTable(id=table_id, zebra_stripes=True, show_cursor=False)
        table.can_focus = False
        return table

    def on_mount(self) -> None:
        self.query_one("#node-properties").loading = True
        self.query_one("#node-body").focus()
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
    async def _loaded(self, event: Loaded) -> None:
        self.detail = event.detail
        self.error = event.error or ("" if event.detail is not None else "node not found")
        self.query_one("#node-properties", DataTable).loading = False
        texts = self.markdown_properties()
        if texts:
            widgets: list[Any] = []
            for key, text in texts:
                widgets.append(Label(key.capitalize(), classes="dialog-heading"))
                widgets.append(Markdown(safe(text), classes="node-text", open_links=False))
            await self.query_one("#node-body").mount_all(
                widgets, after=self.query_one("#node-properties")
            )
        self._fill()
        self.call_after_refresh(self._fill)  # again once the body has its final width

    def on_resize(self) -> None:
        if self.detail is not None or self.error:
            self.call_after_refresh(self._fill)  # after the body is laid out at the new size

    def _fill(self) -> None:
        """(Re)build both tables for the body's width; long values wrap, titles get "…"."""
        body = self.query_one("#node-body", VerticalScroll)
        width = max(40, body.scrollable_content_region.width - body.styles.scrollbar_size_vertical)
        if width == self._filled_width:
            return
        self._filled_width = width
        props = self.query_one("#node-properties", DataTable)
        table = self.query_one("#node-neighbours", DataTable)
        props.clear(columns=True)
        table.clear(columns=True)
        if self.error:
            props.add_columns("Property", "Value")
            props.add_row("error", Text(self.error))
            return
        texts = {key for key, _ in self.markdown_properties()}
        items = sorted((k, v) for k, v in self.detail.properties.items() if k not in texts)
        key_width = min(MAX_KEY, max([len("Property"), *(len(str(k)) for k, _ in items)]))
        value_width = max(MIN_VALUE, width - key_width - 4)
        props.add_column("Property", key="key", width=key_width)
        props.add_column("Value", key="value", width=value_width)
        for key, value in items:
            props.add_row(
                Text(fit(str(key), key_width), no_wrap=True),
                Text(safe(format_value(str(key), value))),
                height=None,  # long values wrap inside the column instead of overflowing
            )
        neighbours = list(self.detail.neighbours)
        relation = min(16, max([len("Relation"), *(len(n.relation) for n in neighbours)]))
        label = min(12, max([len("Label"), *(len(n.node.label) for n in neighbours)]))
        title = max(MIN_VALUE, width - relation - label - 3 - 8)
        table.add_column("Relation", width=relation)
        table.add_column("Dir", width=3)
        table.add_column("Label", width=label)
        table.add_column("Title", width=title)
        for item in neighbours:
            arrow = "→" if item.direction == "out" else "←"
            table.add_row(
                Text(fit(item.relation, relation)),
                arrow,
                Text(fit(item.node.label, label)),
                Text(fit(clean_line(item.node.title, 10_000), title)),
            )

    def markdown_properties(self) -> list[tuple[str, str]]:
        """(key, text) of the Markdown properties that have text, in key order."""
        if self.detail is None:
            return []
        return [
            (str(key), value)
            for key, value in sorted(self.detail.properties.items())
            if str(key).lower() in MARKDOWN_KEYS and isinstance(value, str) and value.strip()
        ]

    def action_close(self) -> None:
        self.dismiss(None)
