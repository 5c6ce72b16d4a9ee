"""A vertical scrollbar painted again only when what it shows changes.

While a pane streams, every appended line changes its scrollbar's ``window_virtual_size``
and ``position``, and each change repaints the whole bar: Textual renders the bar's
renderable and passes every row through the widget's style cache. Measured in the bench
that types j/k under a fast stream (``python -m bench live``, issue 15): a scrollbar
repaint cost 1.2 ms, about as much as the pane's text, on every frame. Yet in a document
of a few hundred lines one more line moves the thumb by far less than the eighth of a
cell the bar can draw, so almost every one of those repaints drew the same bar.

:class:`SteadyScrollBar` works out the bar's segments first (Textual's own
``ScrollBarRender.render_bar``, a segment per row) and returns the rows it painted last
time when they, the size, the colours beneath and the crop are the same. When the bar did
change (a moved thumb, hover, a drag, new colours), it makes each row from its segment as
Textual's pipeline does for a plain widget (over the background beneath, then the app's
line filters): in a short document the thumb moves with nearly every line, and that took
1.2 ms through Textual's style cache against ~0.1 ms here. A bar with a border, padding,
tint or opacity, or one Textual would draw another way, is painted by Textual.

:class:`SteadyScrollbars` gives a widget this scrollbar: Textual creates a widget's
vertical scrollbar in ``Widget.vertical_scrollbar``; the override does what it does
(``_vertical_scrollbar`` and ``App._start_widget``, Textual is pinned below 9) with this
class. ``tests/tui/widgets/test_steady_scrollbar.py`` fails if it stops being the one used.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment, Segments
from rich.style import Style
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

MADE_ROWS_KEPT = 64
"""Distinct bar rows kept per look: a bar has a few; the bound only guards the heap."""


class SteadyScrollBar(ScrollBar):
    """A ``ScrollBar`` that reuses its last rows while the bar it draws is the same."""

    paints_after_input = True
    """Only the streamed panes (``MarkdownLog``) have these bars: a frame that answers a key
    leaves them for the next turn, with their pane (``tui.frame_pacing``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._painted_look: tuple[Any, ...] | None = None
        self._painted: list[Strip] = []
        self._row_look: tuple[Any, ...] | None = None
        self._made_rows: dict[Segment, Strip] = {}
        """Each distinct row of the bar, made once for ``_row_look`` (``_rows``)."""
        self.paints = 0
        """Times the rows were made, by Textual or by :meth:`_rows` (tests count them; a
        reuse does not count)."""

    def _bar(self) -> Segments | None:
        """The bar's segments, one per row, as Textual's renderer draws them (None when
        Textual would draw something else)."""
        renderable = self.render()
        if not isinstance(renderable, ScrollBarRender) or not renderable.vertical:
            return None
        style = renderable.style
        if not isinstance(style, Style) or style.bgcolor is None or style.color is None:
            return None
        width, height = self.size
        return renderable.render_bar(
            size=height,
            virtual_size=renderable.virtual_size,
            window_size=renderable.window_size,
            position=renderable.position,
            thickness=width,
            vertical=True,
            back_color=style.bgcolor,
            bar_color=style.color,
        )

    def _rows(self, bar: Segments, crop: Region) -> list[Strip]:
        """What Textual's pipeline makes of ``bar`` for a scrollbar (a plain widget: no
        border, padding, tint or opacity): each row over the background beneath, then the
        app's line filters. ``test_steady_scrollbar.py`` compares the two.

        A bar has a handful of distinct rows (the track, the thumb, the thumb's two ends
        in eighths of a cell): each is made once per look and shared by every row that
        shows it, so a thumb that moves with every streamed line costs a list, not a
        Strip per row (a sixth of a streamed frame, ``python -m bench live``)."""
        width = self.size.width
        _, background = self.background_colors
        under = self.visual_style.rich_style  # the widget's colours, as Textual applies them
        filters = tuple(self.get_line_filters())
        look = (width, background, under, filters)
        if look != self._row_look or len(self._made_rows) > MADE_ROWS_KEPT:
            self._row_look, self._made_rows = look, {}
        made = self._made_rows
        rows: list[Strip] = []
        for segment in bar.segments[crop.y : crop.bottom]:
            row = made.get(segment)
            if row is None:
                row = Strip([segment], width).apply_style(under)
                for line_filter in filters:
                    row = row.apply_filter(line_filter, background)
                made[segment] = row
            rows.append(row)
        if crop.column_span != (0, width):
            rows = [row.crop(*crop.column_span) for row in rows]
        return rows

    def render_lines(self, crop: Region) -> list[Strip]:
        bar = self._bar()
        if (
            bar is None
            or len(bar.segments) != self.size.height
            or crop.bottom > self.size.height  # laid out taller than its size yet
            or not self._plain()
        ):
            self._painted_look = None
            self.paints += 1
            return super().render_lines(crop)
        look = (
            crop,
            self.size,
            self.background_colors,
            self.visual_style.rich_style,
            tuple(self.get_line_filters()),
            tuple(bar.segments),
        )
        if look != self._painted_look:
            self.paints += 1
            self._painted_look, self._painted = look, self._rows(bar, crop)
        return list(self._painted)

    def _plain(self) -> bool:
        """No style that Textual's pipeline would add to the rows (else it paints them)."""
        styles = self.styles
        return (
            not styles.border.spacing
            and not styles.padding
            and styles.opacity == 1
            and styles.text_opacity == 1
            and styles.tint.a == 0
        )


class SteadyScrollbars:
    """Mix into a scrollable widget (before the Textual class) so its vertical scrollbar is
    a :class:`SteadyScrollBar`."""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        widget: Any = self
        if widget._vertical_scrollbar is not None:
            return widget._vertical_scrollbar
        widget._vertical_scrollbar = scroll_bar = SteadyScrollBar(
            vertical=True, name="vertical", thickness=widget.scrollbar_size_vertical
        )
        scroll_bar.display = False
        widget.app._start_widget(widget, scroll_bar)
        return scroll_bar
