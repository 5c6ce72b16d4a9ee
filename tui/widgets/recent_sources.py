"""The newest sources under the panes, on terminals tall and wide enough to spare the rows.

A glance while the research runs (what was just found, from where); Enter opens the full
source list on that source. The full list (``s``) stays the place to filter and open URLs.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from tui.messages import ShowSource
from tui.widgets.sources import column_widths, source_cells


class RecentSources(DataTable):
    """Sources in the order found, following the newest while the reader is at the bottom."""

    HEADERS = {"n": "#", "title": "Newest sources", "domain": "Domain", "round": "Rnd"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.sources: dict[int, Any] = {}
        self.widths: dict[str, int] = {}

    def _layout(self) -> bool:
        """(Re)build the columns for the current width; True when they changed."""
        width = self.content_size.width
        if width <= 0:
            return False
        widths = column_widths(width, self.styles.scrollbar_size_vertical)
        if widths == self.widths:
            return False
        self.widths = widths
        self.clear(columns=True)
        for key, cells in widths.items():
            self.add_column(self.HEADERS[key], key=key, width=cells)
        for n in sorted(self.sources):
            self._add_row(self.sources[n])
        return True

    def on_resize(self) -> None:
        self._layout()

    def _add_row(self, source: Any) -> None:
        self.add_row(*source_cells(source, self.widths), key=str(source.source_id))

    def show_sources(self, sources: dict[int, Any]) -> None:
        """Add what is new (the state's sources only grow; a new research starts afresh)."""
        if any(n not in sources for n in self.sources):
            self.sources = {}
            self.clear()
        new = [n for n in sorted(sources) if n not in self.sources]
        if not new:
            return
        following = self.scroll_y >= self.max_scroll_y - 1
        for n in new:
            self.sources[n] = sources[n]
        if not self.widths:
            if not self._layout():
                return  # not laid out yet (hidden): the rows are added on the first resize
        else:
            for n in new:
                self._add_row(sources[n])
        if following:
            self.scroll_end(animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(ShowSource(int(event.row_key.value)))
