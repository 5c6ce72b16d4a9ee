"""The saved-research table: one row per session, filtered by a free-text query.

Rows are keyed by session id, so the selection survives a refresh and callers never parse
cell text to find out which research the cursor is on.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from core.ingest import clean_line
from tui.status_label import is_abbreviated, status_label

COLUMNS: tuple[tuple[str, str, int], ...] = (
    # key, label, width (0: the topic takes what is left)
    ("topic", "Topic", 0),
    ("status", "Status", 11),
    ("rounds", "Rounds", 6),
    ("sources", "Sources", 7),
    ("started", "Started", 12),
)
"""The last column is when a research started, as a clock time: two researches of the same
topic are told apart by it (a relative "2 h ago" of their last update often reads the same
for both). The topic column shrinks first, so this one stays on screen at 80 columns."""
MIN_TOPIC_WIDTH = 12
WIDE_STATUS = 18
"""A table at least ``WIDE_TABLE`` cells wide gives the status this much room: "done with
warnings" is shown whole; a narrower one shows "done ⚠" (see ``tui.status_label``)."""
WIDE_TABLE = 120

STATUS_STYLE = {
    "running": "bold cyan",
    "done": "green",
    "done with warnings": "yellow",
    "paused": "yellow",
    "interrupted": "yellow",
    "stopped": "yellow",
    "failed": "bold red",
    "budget reached": "yellow",
}


def humanize_age(timestamp: float | None, now: float | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday', '4 days ago', else the date."""
    if not timestamp:
        return "—"
    now = time.time() if now is None else now
    seconds = max(0.0, now - timestamp)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days == 1:
        return "yesterday"
    if days < 30:
        return f"{days} days ago"
    return time.strftime("%Y-%m-%d", time.localtime(timestamp))


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""English month names whatever the locale, like the rest of the UI."""


def started_label(timestamp: float | None, now: float | None = None) -> str:
    """'today 14:05', 'Nov 23 09:30' this year, else '2024-11-23' (at most 12 cells)."""
    if not timestamp:
        return "—"
    when = time.localtime(timestamp)
    today = time.localtime(time.time() if now is None else now)
    clock = f"{when.tm_hour:02d}:{when.tm_min:02d}"
    if when[:3] == today[:3]:
        return f"today {clock}"
    if when.tm_year == today.tm_year:
        return f"{MONTHS[when.tm_mon - 1]} {when.tm_mday:2d} {clock}"
    return time.strftime("%Y-%m-%d", when)


def matches(info: Any, query: str) -> bool:
    """Every word of ``query`` appears in the topic, status, id or model (case-insensitive)."""
    haystack = " ".join(
        str(getattr(info, name, "")) for name in ("topic", "status", "id", "model")
    ).casefold()
    return all(word in haystack for word in query.casefold().split())


class SessionTable(DataTable[Any]):
    """A DataTable of ``SessionInfo``-like objects (id, topic, status, rounds_done, ...)."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", id="sessions.open"),
        Binding("d,delete", "request('delete')", "Delete", id="sessions.delete"),
        Binding("e", "request('export')", "Export", id="sessions.export"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class DeleteRequested(Message):
        """The user pressed ``d`` or Delete on a row (the screen asks before deleting)."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    class ExportRequested(Message):
        """The user pressed ``e`` on a row."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    DEFAULT_CSS = """
    SessionTable {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.sessions: list[Any] = []
        self.query_text = ""
        self._columns_for_width = -1

    def on_mount(self) -> None:
        self._add_columns()

    def _topic_width(self) -> int:
        """Fixed column widths: the topic gets the rest of the row.

        Fixed widths also keep the layout stable while the list refreshes (auto-sized
        columns are measured later, on idle, and could paint a frame with stale widths).
        """
        fixed = sum(self._width(key, width) for key, _, width in COLUMNS)
        padding = 2 * self.cell_padding * len(COLUMNS)
        scrollbar = 2
        return max(MIN_TOPIC_WIDTH, self.size.width - fixed - padding - scrollbar)

    def _add_columns(self) -> None:
        self._columns_for_width = self.size.width
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=self._width(key, width) or self._topic_width())

    def _width(self, key: str, width: int) -> int:
        """A column's width at the table's width (only the status widens on a wide table)."""
        if key == "status" and self.size.width >= WIDE_TABLE:
            return max(width, WIDE_STATUS)
        return width

    @property
    def status_width(self) -> int:
        """Cells the status column has now."""
        return next(self._width(key, width) for key, _, width in COLUMNS if key == "status")

    def on_resize(self) -> None:
        if self.size.width != self._columns_for_width:
            self.clear(columns=True)
            self._add_columns()
            self._rebuild()

    @property
    def shown_ids(self) -> list[str]:
        """Ids of the rows on screen, top to bottom."""
        return [str(row.key.value) for row in self.ordered_rows]

    @property
    def selected_id(self) -> str | None:
        """Id of the row under the cursor, None when the table is empty."""
        if not self.row_count:
            return None
        row = self.cursor_row
        if row < 0 or row >= self.row_count:
            return None
        return str(self.ordered_rows[row].key.value)

    def selected_info(self) -> Any | None:
        wanted = self.selected_id
        return next((s for s in self.sessions if s.id == wanted), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "request" and self.selected_id is None:
            return None
        return True

    def action_request(self, what: str) -> None:
        session_id = self.selected_id
        if session_id is None:
            return
        if what == "delete":
            self.post_message(self.DeleteRequested(session_id))
        elif what == "export":
            self.post_message(self.ExportRequested(session_id))

    def set_sessions(self, sessions: Iterable[Any], query: str | None = None) -> None:
        """Replace the rows (keeps the cursor on the same session when it is still shown)."""
        self.sessions = list(sessions)
        if query is not None:
            self.query_text = query
        self._rebuild()

    def filter(self, query: str) -> None:
        self.query_text = query
        self._rebuild()

    def _rebuild(self) -> None:
        keep = self.selected_id
        self.clear()
        now = time.time()
        rows = [s for s in self.sessions if matches(s, self.query_text)]
        for info in rows:
            self.add_row(*self._cells(info, now), key=info.id)
        if keep is not None and keep in {s.id for s in rows}:
            self.move_cursor(row=self.get_row_index(keep))
        self.refresh_bindings()
        self._status_tooltip()

    def on_data_table_row_highlighted(self) -> None:
        self._status_tooltip()

    def _status_tooltip(self) -> None:
        """The highlighted row's whole status, when its cell shows it shortened ("done ⚠")."""
        info = self.selected_info()
        status = str(getattr(info, "status", "")) if info is not None else ""
        shortened = bool(status) and is_abbreviated(status, self.status_width)
        self.tooltip = f"Status: {status}" if shortened else None

    def _cells(self, info: Any, now: float) -> Sequence[Text | str]:
        status = str(getattr(info, "status", ""))
        done = getattr(info, "rounds_done", 0)
        planned = getattr(info, "rounds_planned", 0)
        started = getattr(info, "created", 0) or getattr(info, "updated", 0)
        topic = clean_line(getattr(info, "topic", ""), 10_000) or "(no topic)"
        return (
            Text(topic, overflow="ellipsis", no_wrap=True),
            Text(status_label(status, self.status_width), style=STATUS_STYLE.get(status, "")),
            f"{done}/{planned}",
            str(getattr(info, "sources", 0)),
            started_label(started, now),
        )
