"""The source list: number, title, domain, round; ``/`` filters, Enter details, ``o`` opens.

Rows are added as ``SourceAdded`` events arrive (never rebuilt per event). The filter
rebuilds the table once per keystroke from the full list, which is at most a few hundred rows.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input

from tui.messages import ShowSource

DOMAIN_WIDTH = 24


def source_domain(source: Any) -> str:
    domain = getattr(source, "domain", "") or ""
    return domain.removeprefix("www.")


class SourcesTable(DataTable):
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
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources: dict[int, Any] = {}
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Filter by title, domain or URL", id="sources-filter")
        table = SourcesTable(id="sources-table", cursor_type="row", zebra_stripes=True)
        table.add_column("#", key="n", width=3)
        table.add_column("Title", key="title", width=40)
        table.add_column("Domain", key="domain", width=DOMAIN_WIDTH)
        table.add_column("Rnd", key="round", width=3)
        yield table

    def on_resize(self) -> None:
        """The title takes whatever the number, domain and round columns leave."""
        table = self.table
        width = self.content_size.width
        domain = DOMAIN_WIDTH if width >= 70 else 14
        title = max(12, width - 3 - domain - 3 - 2 * 4 - 1)
        table.columns["domain"].width = domain  # type: ignore[index]
        table.columns["title"].width = title  # type: ignore[index]
        # DataTable has no public "column widths changed"; these two make it re-measure.
        table._clear_caches()
        table._require_update_dimensions = True
        table.refresh()

    @property
    def table(self) -> SourcesTable:
        return self.query_one(SourcesTable)

    def _matches(self, source: Any) -> bool:
        needle = self.filter_text.casefold()
        if not needle:
            return True
        hay = f"{source.title} {source.url} {source_domain(source)}".casefold()
        return needle in hay

    def _add_row(self, source: Any) -> None:
        self.table.add_row(
            str(source.source_id), source.title or source.url, source_domain(source),
            str(source.round), key=str(source.source_id),
        )

    def show_sources(self, sources: dict[int, Any]) -> None:
        """Add the sources not shown yet (the state's dict only grows)."""
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
        self.table.focus()

    @on(DataTable.RowSelected, "#sources-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(ShowSource(int(event.row_key.value)))
