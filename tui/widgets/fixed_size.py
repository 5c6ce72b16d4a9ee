"""A scrolling widget whose size its screen fixes: growing content lays nothing out.

Textual's ``virtual_size`` (how much there is to scroll) re-lays out the whole screen each
time it changes. The steps list, the source list and the recent-sources strip set it with
every step or source added while a research streams, and each such layout made a 16-25 ms
frame (issue 15, traced paint by paint). Their heights and widths come from CSS (``1fr``,
a fixed height), not from their content, so only their scrollbars depend on how much they
hold, and a scrollbar lays the screen out by itself when it appears or goes
(``show_vertical_scrollbar``).
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive


class SizedByLayout:
    """Mixin, first among the bases of a ``ScrollView`` whose CSS fixes its size (never
    ``height: auto``): a new ``virtual_size`` repaints it and lays nothing out."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def watch_virtual_size(self, virtual_size: Size) -> None:
        """Show or hide the scrollbars for the new size, as a layout would have done.

        ``OptionList`` does this itself; ``DataTable`` counts on the layout. Textual's own
        ``_scroll_update`` (also used by ``MarkdownLog``), since no public call does it."""
        self._scroll_update(virtual_size)  # type: ignore[attr-defined]
