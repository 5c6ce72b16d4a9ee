"""The newest sources under the panes, on terminals tall and wide enough to spare the rows.

A glance while the research runs (what was just found, from where); Enter opens the full
source list on that source. The full list (``s``) stays the place to filter and open URLs.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable

from tui.messages import ShowSource
from tui.widgets.fixed_size import SizedByLayout
from tui.widgets.sources import column_widths, source_cells


class RecentSources(SizedByLayout, DataTable):
    """Newest source first; the reader's row stays under the cursor as new ones arrive.

    Newest first because the strip answers "what was just found": the top rows are the
    ones to glance at, and a short strip never has to scroll to show them.
    """

    HEADERS = {
        "n": "#",
        "title": "Newest sources",
        "domain": "Domain",
        "round": "Rnd",
        "via": "Via",
    }

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
        self._fill()
        return True

    def _fill(self) -> None:
        for n in sorted(self.sources, reverse=True):
            self._add_row(self.sources[n])

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
        for n in new:
            self.sources[n] = sources[n]
        if not self.widths:
            self._layout()  # not laid out yet (hidden): the rows are added on the first resize
            return
        # New rows go on top: rebuild, then put the cursor back on the reader's source,
        # unless the reader is at the top (following the newest).
        following = self.cursor_row <= 0 and self.scroll_y <= 0
        key = None
        if not following and self.row_count:
            key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key
        self.clear()
        self._fill()
        if key is not None:
            self.move_cursor(row=self.get_row_index(key))
        else:
            self.scroll_home(animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(ShowSource(int(event.row_key.value)))
