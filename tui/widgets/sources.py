"""Source list (number, title, domain, round, provider): `/` filters, Enter details, `o` opens.

Rows are added as ``SourceAdded`` events arrive (never rebuilt per event). The filter
rebuilds the table once per keystroke from the full list, which is at most a few hundred rows.
"""

from __future__ import annotations

import contextlib
from typing import Any

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from core.ingest import clean_line, safe
from tui.messages import ShowSource
from tui.widgets.filter_input import FilterInput
from tui.widgets.fixed_size import SizedByLayout

DOMAIN_WIDTH = 24
"""Domain column on a wide view; on a narrow one it shrinks to ``NARROW_DOMAIN``."""
NARROW_DOMAIN = 14
NARROW = 64
"""Below this many cells the Round column goes: the title needs the room more."""
TINY = 36
"""Below this the Domain column goes too (number and title only)."""
NUMBER_WIDTH = 3
ROUND_WIDTH = 3
VIA_WIDTH = 7
"""The search provider that found the source ("searxng" is the longest name); the column
goes with the Round one on a narrow view."""
MIN_TITLE = 10
CELL_PADDING = 1
"""DataTable's default: one blank cell on each side of every column."""


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells, ending in "…" when something was cut.

    Counts cells, not characters: a CJK character takes two cells, so a title in Japanese
    is cut at half the characters of an English one and never overflows its column.
    """
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        size = get_character_cell_size(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + "…"


def source_domain(source: Any) -> str:
    domain = getattr(source, "domain", "") or ""
    return domain.removeprefix("www.")


def column_widths(width: int, scrollbar: int = 2) -> dict[str, int]:
    """Column key -> width for a view ``width`` cells wide; the title takes what is left.

    Every column costs its width plus ``2 * CELL_PADDING``; ``scrollbar`` cells stay free for
    the vertical scrollbar so the table never needs a horizontal one.
    """
    widths = {"n": NUMBER_WIDTH, "title": 0}
    if width >= TINY:
        widths["domain"] = DOMAIN_WIDTH if width >= NARROW + 16 else NARROW_DOMAIN
    if width >= NARROW:
        widths["round"] = ROUND_WIDTH
        widths["via"] = VIA_WIDTH
    used = sum(widths.values()) + 2 * CELL_PADDING * len(widths) + scrollbar
    widths["title"] = max(MIN_TITLE, width - used)
    return widths


def source_cells(source: Any, widths: dict[str, int]) -> list[Text]:
    """One row's cells for the columns in ``widths``, each cut to its column.

    Text, not markup strings: a title is web content and is never read as markup, and its
    control characters are dropped (a session saved before the ingest door may hold some).
    """
    values = {
        "n": str(source.source_id),
        "title": clean_line(source.title or source.url or "", 10_000),
        "domain": safe(source_domain(source)),
        "round": str(source.round),
        "via": safe(getattr(source, "provider", None) or ""),  # None: saved before it was kept
    }
    return [Text(fit(values[key], width), no_wrap=True, end="") for key, width in widths.items()]


class SourcesTable(SizedByLayout, DataTable):
    BINDINGS = [
        Binding("o", "open_url", "Open URL", id="sources.open", tooltip="Open in the browser"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class OpenUrl(Message):
        def __init__(self, source_id: int) -> None:
            super().__init__()
            self.source_id = source_id

    def action_open_url(self) -> None:
        if self.row_count and self.cursor_row is not None:
            key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
            if key is not None:
                self.post_message(self.OpenUrl(int(key)))


class SourcesView(Vertical):
    """The table plus a filter box that ``/`` reveals."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="sources.filter", tooltip="Filter sources"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]
    DEFAULT_CSS = """
    SourcesView { height: 1fr; }
    SourcesView > Input { display: none; }
    SourcesView.-filtering > Input { display: block; }
    SourcesView > DataTable { height: 1fr; }
    SourcesView > #sources-caption { display: none; height: 1; padding: 0 1; color: $warning; }
    SourcesView.-dropped > #sources-caption { display: block; }
    """

    HEADERS = {"n": "#", "title": "Title", "domain": "Domain", "round": "Rnd", "via": "Via"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources: dict[int, Any] = {}
        self.filter_text = ""
        self.widths: dict[str, int] = column_widths(80)
        """The current column widths (cells); cell texts are cut to them."""
        self.dropped = 0
        """Search results the filters turned away (the caption line says so when > 0)."""

    def compose(self) -> ComposeResult:
        yield FilterInput(
            placeholder="Filter by title, domain, URL or provider", id="sources-filter"
        )
        yield Static("", id="sources-caption", markup=False)
        table = SourcesTable(id="sources-table", cursor_type="row", zebra_stripes=True)
        self._add_columns(table)
        yield table

    def _add_columns(self, table: DataTable) -> None:
        for key, width in self.widths.items():
            table.add_column(self.HEADERS[key], key=key, width=width)

    def on_resize(self) -> None:
        """Lay the columns out for the new width (and re-cut the titles) when it changed."""
        width = self.content_size.width
        if width <= 0:  # hidden behind another view
            return
        table = self.table
        widths = column_widths(width, table.styles.scrollbar_size_vertical)
        if widths == self.widths:
            return
        self.widths = widths
        cursor_key = self._cursor_key()
        table.clear(columns=True)
        self._add_columns(table)
        for n in sorted(self.sources):
            if self._matches(self.sources[n]):
                self._add_row(self.sources[n])
        if cursor_key is not None:
            with contextlib.suppress(Exception):
                table.move_cursor(row=table.get_row_index(cursor_key), animate=False)

    def _cursor_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        except Exception:
            return None

    @property
    def table(self) -> SourcesTable:
        return self.query_one(SourcesTable)

    def _matches(self, source: Any) -> bool:
        needle = self.filter_text.casefold()
        if not needle:
            return True
        via = getattr(source, "provider", None) or ""
        hay = f"{source.title} {source.url} {source_domain(source)} {via}".casefold()
        return needle in hay

    def _add_row(self, source: Any) -> None:
        self.table.add_row(*source_cells(source, self.widths), key=str(source.source_id))

    def caption(self) -> str:
        """ "12 sources · 3 dropped by filters" (shown only once the filters dropped any)."""
        count = len(self.sources)
        noun = "source" if count == 1 else "sources"
        return f"{count} {noun} · {self.dropped} dropped by filters"

    def _show_caption(self) -> None:
        self.set_class(self.dropped > 0, "-dropped")
        if self.dropped > 0:
            self.query_one("#sources-caption", Static).update(self.caption())

    def show_sources(self, sources: dict[int, Any], dropped: int = 0) -> None:
        """Add the sources not shown yet (the state's dict only grows); ``dropped``: the
        results the search filters turned away, said in the caption line."""
        changed = dropped != self.dropped
        self.dropped = dropped
        self._show_sources(sources)
        if changed or dropped:
            self._show_caption()

    def _show_sources(self, sources: dict[int, Any]) -> None:
        new = [n for n in sorted(sources) if n not in self.sources]
        if not new and len(sources) == len(self.sources):
            return
        if any(n < max(self.sources, default=0) for n in new):
            self.sources = dict(sources)
            self._rebuild()
            return
        for n in new:
            self.sources[n] = sources[n]
            if self._matches(sources[n]):
                self._add_row(sources[n])

    def _rebuild(self) -> None:
        table = self.table
        table.clear()
        for n in sorted(self.sources):
            if self._matches(self.sources[n]):
                self._add_row(self.sources[n])

    def select_source(self, source_id: int) -> bool:
        """Move the cursor to source ``source_id`` (clearing a filter that hides it)."""
        if source_id not in self.sources:
            return False
        table = self.table
        try:
            index = table.get_row_index(str(source_id))
        except Exception:
            self.filter_text = ""
            self.query_one(Input).value = ""
            self.remove_class("-filtering")
            self._rebuild()
            index = table.get_row_index(str(source_id))
        table.move_cursor(row=index)
        return True

    def action_filter(self) -> None:
        self.add_class("-filtering")
        self.query_one(Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape clears a filter; with none, it is the screen's (back to the panes)."""
        if action == "clear_filter":
            return bool(self.filter_text) or self.has_class("-filtering")
        return True

    def action_clear_filter(self) -> None:
        box = self.query_one(Input)
        box.value = ""
        self.remove_class("-filtering")
        self.table.focus()

    @on(Input.Changed, "#sources-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._rebuild()

    @on(Input.Submitted, "#sources-filter")
    def _filter_done(self) -> None:
        """Enter or ↓ in the filter (``FilterInput``): on to the rows; an empty box closes
        (else the next Escape only closed it, and one more left the list)."""
        if not self.filter_text:
            self.remove_class("-filtering")
        self.table.focus()

    @on(DataTable.RowSelected, "#sources-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(ShowSource(int(event.row_key.value)))
