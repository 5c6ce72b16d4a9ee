"""A compositor whose updates render only the cells that show: the ones that changed,
and on a full frame the ones no widget in front covers.

Textual's ``Compositor.render_partial_update`` draws the bounding box of everything dirty,
and within it renders *every* widget whose clip touches the box, each over its whole
visible region, then cuts each of those lines into the screen's chops. A streaming pane
31 rows by 35 columns therefore cost as much as the 31 full-width rows it sits in: the
steps list, the two other panes, the header and the footer were rendered and cut again
at every frame.

:class:`SpanCompositor` renders, for each row that has a dirty span, only the chops that
the span touches; it asks a widget only for the dirty rows it shows, and not at all when
the widgets in front of it cover them (``python -m bench live`` times a streamed pane's
frame both ways: 0.66-0.68x of Textual's). The terminal output is the same as Textual's
(``tests/tui/test_span_compositor.py`` compares the two with each widget dirty, with a
pane and any other widget dirty, with parts of widgets dirty, and whole frames).

A full frame (a screen's first, a resize) goes the same way with every row dirty:
Textual's renders each visible widget over its whole region, the screen's background
and the containers under the panes included, and keeps only the front-most cells; here
a container whose cells are all covered is not rendered (a reopened research's full
frame at 120x36: ~38 ms -> ~18 ms, measured in this module's change).

It relies on Textual's compositor internals (``cuts``, ``visible_widgets``,
``_regions_to_spans``, ``ChopsUpdate``), which ``pyproject.toml`` pins to Textual 8.x.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from textual._compositor import ChopsUpdate, Compositor, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.screen import Screen


class SpanCompositor(Compositor):
    """Textual's compositor, with partial updates cropped to the dirty spans."""

    def render_partial_update(self) -> ChopsUpdate | None:
        """Render the dirty spans: the same update as Textual's, with less work."""
        update_regions = self._dirty_regions.copy()
        self._dirty_regions.clear()
        screen = self.size.region
        regions = [region.intersection(screen) for region in update_regions]
        regions = [region for region in regions if region]
        if not regions:
            return None
        spans = list(self._regions_to_spans(regions))
        cuts = self.cuts
        chops = self._render_span_chops(cuts, self._row_bounds(cuts, spans))
        chop_ends = [cut_set[1:] for cut_set in cuts]
        return ChopsUpdate(chops, spans, chop_ends)

    def render_full_update(self, simplify: bool = False) -> LayoutUpdate:
        """The whole screen, without rendering what the widgets in front of it cover.

        Textual's renders every visible widget over its whole region, the containers
        under the panes and the screen's own background included, then throws those
        cells away; a first frame (a research opened) rendered each cell several times.
        """
        self._dirty_regions.clear()
        width, height = self.size
        chops = self._render_span_chops(self.cuts, dict.fromkeys(range(height), (0, width)))
        # Every chop has a strip: the screen covers every cell (as in Textual's, which
        # makes the same assumption).
        full = cast("list[dict[int, Strip]]", chops)
        render_strips: list[Iterable[Strip]]
        if simplify:  # an SVG export, as Textual does it
            render_strips = [[Strip.join(chop.values()).simplify().discard_meta()] for chop in full]
        else:
            render_strips = [chop.values() for chop in full]
        return LayoutUpdate(render_strips, self.size.region)

    @staticmethod
    def _row_bounds(
        cuts: list[list[int]], spans: list[tuple[int, int, int]]
    ) -> dict[int, tuple[int, int]]:
        """Each dirty row's columns to render, widened to whole chops (a chop is drawn
        from its first cell, so one the span only touches is rendered in full)."""
        bounds: dict[int, tuple[int, int]] = {}
        for y, x1, x2 in spans:
            line_cuts = cuts[y]
            lo = line_cuts[max(0, bisect_right(line_cuts, x1) - 1)]
            hi = line_cuts[min(len(line_cuts) - 1, bisect_left(line_cuts, x2))]
            if y in bounds:
                old_lo, old_hi = bounds[y]
                lo, hi = min(lo, old_lo), max(hi, old_hi)
            bounds[y] = (lo, hi)
        return bounds

    def _render_span_chops(
        self, cuts: list[list[int]], bounds: dict[int, tuple[int, int]]
    ) -> list[dict[int, Strip | None]]:
        """The chops of the dirty rows, from the front-most widget that covers each one.

        Widgets come front to back (``visible_widgets``' order): the first strip a chop
        gets wins, as in Textual's ``_render_chops``, so a widget whose chops in the dirty
        rows are all taken already (a container under a pane) is not rendered at all.
        A widget that is rendered is asked for whole lines, cut as Textual cuts them: its
        lines and their cuts are cached (``StylesCache``, ``Strip.divide``), and a frame
        that asked for other columns would make new ones every time.
        """
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        rows = sorted(bounds)
        if not rows:
            return chops
        # The columns any dirty row spans: a widget wholly beside them (the steps list
        # while a pane streams) is passed over without looking at its rows one by one.
        dirty_left = min(lo for lo, _ in bounds.values())
        dirty_right = max(hi for _, hi in bounds.values())
        dirty_top, dirty_bottom = rows[0], rows[-1] + 1
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            if not shown:
                continue
            left, right = shown.x, shown.right
            if (
                right <= dirty_left
                or left >= dirty_right
                or shown.bottom <= dirty_top
                or shown.y >= dirty_bottom
            ):
                continue
            mine = [
                y
                for y in rows[bisect_left(rows, shown.y) : bisect_left(rows, shown.bottom)]
                if self._uncovered(
                    chops[y], cuts[y], max(left, bounds[y][0]), min(right, bounds[y][1])
                )
            ]
            if not mine:
                continue
            first, last = mine[0], mine[-1]
            strips = widget.render_lines(
                Region(left - region.x, first - region.y, shown.width, last - first + 1)
            )
            for y in mine:
                if y - first >= len(strips):  # fewer lines than asked: as Textual's zip
                    break
                lo, hi = bounds[y]
                final_cuts = [cut for cut in cuts[y] if right >= cut >= left]
                pieces = strips[y - first].divide([cut - left for cut in final_cuts[1:]])
                line = chops[y]
                for cut, piece in zip(final_cuts, pieces, strict=False):
                    if lo <= cut < hi and line[cut] is None:
                        line[cut] = piece
        return chops

    @staticmethod
    def _uncovered(
        line: dict[int, Strip | None], line_cuts: list[int], start: int, end: int
    ) -> bool:
        """Whether a chop of ``line`` that starts in ``start``..``end`` is still empty."""
        if start >= end:
            return False
        chop_starts = line_cuts[bisect_left(line_cuts, start) : bisect_left(line_cuts, end)]
        return any(line.get(cut, 0) is None for cut in chop_starts)


def use_span_compositor(screen: Screen) -> None:
    """Give ``screen`` a :class:`SpanCompositor` (call from its ``__init__``, before it
    is laid out: the compositor holds the layout)."""
    screen._compositor = SpanCompositor()
