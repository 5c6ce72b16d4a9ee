"""A streamed pane's scrollbar and rows are reused while they would be painted the same,
and are always what Textual would paint (``tui/widgets/steady_scrollbar.py``, the row
cache of ``MarkdownLog.render_line``)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from tests.pilot_helpers import settled
from tui.widgets.panes import MarkdownLog
from tui.widgets.steady_scrollbar import SteadyScrollBar


class LogApp(App[None]):
    CSS = "MarkdownLog { overflow-y: scroll; }"

    def compose(self) -> ComposeResult:
        yield MarkdownLog(id="log")


def looks(strips: list[Strip]) -> list[list[tuple[str, object]]]:
    """Each row's text and styles (what reaches the terminal)."""
    return [[(segment.text, segment.style) for segment in strip] for strip in strips]


def fresh_bar(bar: ScrollBar, crop: Region) -> list[Strip]:
    """The rows Textual's own ``ScrollBar`` paints for this bar now."""
    bar.refresh()  # forget what its style cache holds
    return ScrollBar.render_lines(bar, crop)


def paragraphs(count: int, start: int = 0) -> str:
    return "".join(f"Paragraph {i} of the streamed round.\n\n" for i in range(start, count))


async def test_the_bar_is_painted_again_only_when_its_thumb_moves() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 16)) as pilot:
        log = app.query_one(MarkdownLog)
        text = paragraphs(150)
        log.show_text(text)
        await settled(pilot)
        log.scroll_end(animate=False, immediate=True)  # at the bottom: the view follows
        await settled(pilot)
        bar = log.vertical_scrollbar
        assert isinstance(bar, SteadyScrollBar), "MarkdownLog lost its steady scrollbar"
        crop = Region(0, 0, *bar.size)
        painted_before = bar.paints
        for i in range(12):  # a line more each time, the view following the bottom
            text += f"Line {i}.\n\n"
            log.show_text(text)
            await settled(pilot)
            shown = bar.render_lines(crop)
            assert looks(shown) == looks(fresh_bar(bar, crop)), f"append {i}: a stale bar"
        assert log.scroll_y == log.max_scroll_y > 290, "the view did not follow the stream"
        # ~300 lines in a 16-row view: a line more moves the thumb by 1/20 of a row
        assert bar.paints - painted_before <= 3
        reused = bar.paints
        for _ in range(3):
            bar.render_lines(crop)
        assert bar.paints == reused, "the same bar was painted again"

        log.scroll_home(animate=False, immediate=True)  # the thumb moves: painted anew
        await settled(pilot)
        top = bar.render_lines(crop)
        assert bar.paints == reused + 1
        assert looks(top) == looks(fresh_bar(bar, crop))
        assert looks(top) != looks(shown)


async def test_a_bar_that_changed_is_painted_as_textual_paints_it() -> None:
    """Every thumb position of a short document (where each line moves the thumb), at
    rest and under the mouse, against Textual's own rows for the same bar."""
    app = LogApp()
    async with app.run_test(size=(60, 16)) as pilot:
        log = app.query_one(MarkdownLog)
        log.show_text(paragraphs(12))
        await settled(pilot)
        bar = log.vertical_scrollbar
        crop = Region(0, 0, *bar.size)
        seen = set()
        for hover in (False, True):
            bar.mouse_over = hover
            for y in range(0, int(log.max_scroll_y) + 1):
                log.scroll_to(y=y, animate=False, immediate=True)
                await settled(pilot)
                painted = bar.paints
                shown = looks(bar.render_lines(crop))
                assert bar.paints <= painted + 1
                assert shown == looks(fresh_bar(bar, crop)), f"y={y} hover={hover}"
                seen.add(str(shown))
        assert len(seen) > 10  # the thumb did move, and hover changed its colours
        rows = bar.render_lines(crop)
        # a row per distinct look (track, thumb, its ends), shared by the rows that show it
        assert len({id(row) for row in rows}) <= 4 < len(rows)
        half = Region(0, 4, bar.size.width, 6)  # a bar partly covered: only its crop
        assert looks(bar.render_lines(half)) == looks(fresh_bar(bar, half))


async def test_rows_reused_by_the_log_always_show_its_current_lines() -> None:
    """The open block grows in place (same line, new text), a new block pushes the lines
    up, the document starts afresh: every painted row is the line it shows now."""
    app = LogApp()
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(MarkdownLog)

        def rows() -> list[str]:
            return [log.render_line(y).text.rstrip() for y in range(log.size.height)]

        def expected() -> list[str]:
            lines = log.painted_text().splitlines()
            first = round(log.scroll_y)
            shown = [line.rstrip() for line in lines[first : first + log.size.height]]
            return shown + [""] * (log.size.height - len(shown))

        steps = [
            paragraphs(6),
            paragraphs(6) + "The open block",
            paragraphs(6) + "The open block grows",
            paragraphs(6) + "The open block grows.\n\n" + "Then another",
            paragraphs(9),  # not a continuation: starts afresh, from the top
            "Short.",
        ]
        for text in steps:
            log.show_text(text)
            await settled(pilot)
            rows()  # painted once: the rows are now in the cache
            assert rows() == expected(), text
        assert rows()[0] == "Short."


class CountingLog(MarkdownLog):
    """Counts the rows Textual asks it to paint."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.painted_rows: list[int] = []

    def render_line(self, y: int) -> Strip:
        self.painted_rows.append(y)
        return super().render_line(y)


class CountingApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingLog(id="log")


async def test_an_append_within_the_last_line_repaints_that_row_only() -> None:
    app = CountingApp()
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(CountingLog)
        text = paragraphs(2) + "The open"
        log.show_text(text)
        log.focus()  # focus restyles (and so repaints) the log: done before counting
        await settled(pilot)
        last = log.line_count - 1
        assert last < log.size.height  # all on screen: no scrolling involved
        log.painted_rows.clear()
        log.show_text(text + " block")  # the same line, a word longer
        await settled(pilot)
        assert log.painted_rows == [last]
        assert log.render_line(last).text.strip() == "The open block"

        log.show_text(text + " block\n\nA new paragraph")  # two more lines below
        await settled(pilot)
        assert sorted(set(log.painted_rows)) == [last, last + 1, last + 2]


async def test_a_reader_scrolled_up_sees_no_repaint_while_text_arrives_below() -> None:
    app = CountingApp()
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(CountingLog)
        text = paragraphs(20)
        log.show_text(text)  # shown from the top, not following
        await settled(pilot)
        log.focus()  # focus restyles (and so repaints) the log: done before counting
        await settled(pilot)
        assert log.scroll_y == 0 and not log.follow
        log.painted_rows.clear()
        for tail in ("More", "More and", "More and more"):
            log.show_text(text + tail)
            await settled(pilot)
        assert log.painted_rows == []
        log.scroll_end(animate=False, immediate=True)
        await settled(pilot)
        assert log.render_line(log.size.height - 1).text.strip() == "More and more"


async def test_a_crop_taller_than_the_bar_gets_the_rows_textual_gives() -> None:
    """Between a layout and the resize that follows it the compositor can ask a bar for rows
    below its size (a CI run caught the span compositor indexing past the rows it got)."""
    app = LogApp()
    async with app.run_test(size=(60, 16)) as pilot:
        log = app.query_one(MarkdownLog)
        log.show_text(paragraphs(40))
        await settled(pilot)
        bar = log.vertical_scrollbar
        taller = Region(0, 0, bar.size.width, bar.size.height + 4)
        assert looks(bar.render_lines(taller)) == looks(fresh_bar(bar, taller))
        assert len(bar.render_lines(taller)) == len(fresh_bar(bar, taller)) == taller.height
