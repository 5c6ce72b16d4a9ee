"""Streaming markdown panes keep every block, whatever the chunking."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock

from tests.pilot_helpers import count_reflows, settled, wait_for
from tui.widgets.panes import MarkdownLog, StreamingMarkdown

TEXT = (
    "## Research round 1\n\n"
    "1. Establish the basics `🔎 basics`\n"
    "2. Trace the history `🔎 history`\n\n"
    "A closing paragraph.\n\n"
    "### Notes\n\n"
    "- one\n- two\n"
)


class PaneApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StreamingMarkdown(id="doc")


def block_kinds(doc: StreamingMarkdown) -> list[str]:
    markdown = doc.query_one(Markdown)
    return [type(b).__name__ for b in markdown.children if isinstance(b, MarkdownBlock)]


async def settle(doc: StreamingMarkdown, pilot) -> None:
    """The stream stopped and its last append done and drawn.

    Textual shields an append in flight from the stop: it still holds the document's lock
    until its blocks are mounted, so taking the lock waits for it.
    """
    await doc._stop_stream()  # flushes what the stream still holds
    async with doc.document.lock:
        pass
    await settled(pilot)


async def streamed(cuts: list[int]) -> list[str]:
    app = PaneApp()
    async with app.run_test() as pilot:
        doc = app.query_one(StreamingMarkdown)
        for cut in [*cuts, len(TEXT)]:
            await doc.show_text(TEXT[:cut])
            await settled(pilot)  # one append at a time, as chunks arrive live
        await settle(doc, pilot)
        return block_kinds(doc)


async def test_cut_after_a_finished_block_keeps_that_block() -> None:
    """The case a user saw: the round's heading vanished from the live Plan pane."""
    whole = await streamed([])
    assert whole[0] == "MarkdownH2"
    for cut in (TEXT.index("1."), TEXT.index("A closing"), TEXT.index("### Notes")):
        assert await streamed([cut]) == whole, cut


async def test_many_small_chunks_equal_the_whole_text() -> None:
    whole = await streamed([])
    assert await streamed(list(range(1, len(TEXT), 7))) == whole


async def test_a_new_document_replaces_the_old_one_and_empty_shows_the_placeholder() -> None:
    app = PaneApp()
    async with app.run_test() as pilot:
        doc = app.query_one(StreamingMarkdown)
        await doc.show_text(TEXT)
        await settle(doc, pilot)
        await doc.show_text("Round two only.\n")
        await settle(doc, pilot)
        assert block_kinds(doc) == ["MarkdownParagraph"]
        assert doc.query_one(Markdown).source == "Round two only.\n"
        await doc.show_text("")
        await settle(doc, pilot)
        assert doc.query_one(Markdown).source == doc.placeholder


async def test_unmounting_after_the_stream_task_was_cancelled_does_not_raise() -> None:
    """An app shutting down cancels the Markdown stream's task before it unmounts the
    widget; stopping that stream then must not raise ``CancelledError`` into the teardown
    (it failed one CI run: the app's exit raised it)."""
    app = PaneApp()
    async with app.run_test() as pilot:
        doc = app.query_one(StreamingMarkdown)
        await doc.show_text(TEXT)
        stream = doc._stream
        assert stream is not None
        stopped = stream.stop

        async def stop_a_cancelled_task() -> None:
            """``MarkdownStream.stop`` awaiting a task the shutdown cancelled mid-append."""
            await stopped()
            raise asyncio.CancelledError

        stream.stop = stop_a_cancelled_task  # type: ignore[method-assign]
        await doc.remove()  # on_unmount stops the stream
        await wait_for(pilot, lambda: not doc.is_attached, "the document removed")


# --- the section panes: a line-cached Markdown log -----------------------------------------


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield MarkdownLog(id="log")


async def test_an_append_lays_out_nothing_and_renders_only_the_open_block() -> None:
    """Streaming text into a pane must not re-lay out the screen (the lag of issue 15):
    each append renders the one open block again, never the finished ones."""
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(MarkdownLog)
        text = ""
        for i in range(30):  # streamed from the start: the view follows the bottom
            text += f"Paragraph {i} has a few words.\n\n"
            log.show_text(text)
        await settled(pilot)
        text += "The open block "
        log.show_text(text)  # the scrollbar appears: the one layout a pane costs
        await settled(pilot)  # that layout done before reflows are counted
        reflows = count_reflows(app)
        renders = log.renders
        for n in range(10):
            text += f"word{n} "
            log.show_text(text)
            # laid out and painted: a reflow asked for by the append would have happened
            await settled(pilot)
        assert reflows == []
        assert log.renders - renders == 10
        assert "word9" in log.painted_text()
        assert log.scroll_y == log.max_scroll_y > 0  # followed the bottom


async def test_following_the_stream_styles_only_the_rows_that_show_new_lines() -> None:
    """A line appended while the view follows the bottom scrolls every row; the rows that
    show lines painted before keep their styled strips (issue 15: restyling them was half
    of a streamed pane's frame), and what is painted is what a fresh paint would be."""
    from textual.geometry import Region

    def rows(log: MarkdownLog) -> list[list[tuple[str, object]]]:
        width, height = log.size
        return [
            [(seg.text, seg.style) for seg in strip]
            for strip in log.render_lines(Region(0, 0, width, height))
        ]

    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(MarkdownLog)
        text = ""
        for i in range(30):  # streamed from the start: the view follows the bottom
            text += f"Paragraph {i} has a few words.\n\n"
            log.show_text(text)
        await settled(pilot)
        assert log.scroll_y == log.max_scroll_y > 0
        styled: list[int] = []
        render_line = log.render_line

        def counted(y: int) -> object:
            styled.append(y)
            return render_line(y)

        log.render_line = counted  # type: ignore[method-assign]
        for i in range(30, 34):
            styled.clear()
            top = log.scroll_y
            text += f"Paragraph {i} has a few words.\n\n"
            log.show_text(text)
            await settled(pilot)
            assert log.scroll_y == top + 2  # followed: a blank line and the new one
            # the new line, the open block's (empty) end and the row above it at most
            assert 0 < len(styled) <= 3, styled
            kept = rows(log)
            log._styles_cache.clear()
            assert rows(log) == kept  # styled afresh: the same rows
        assert "Paragraph 33 has" in log.painted_text()


async def test_the_log_keeps_every_block_whatever_the_chunking() -> None:
    app = LogApp()
    async with app.run_test(size=(60, 30)) as pilot:
        log = app.query_one(MarkdownLog)
        log.show_text(TEXT)
        await settled(pilot)
        whole = log.painted_text()
        log.reset()
        for cut in range(1, len(TEXT) + 7, 7):
            log.show_text(TEXT[:cut])
        await settled(pilot)
        assert log.painted_text() == whole
        assert "Research round 1" in whole and "closing paragraph" in whole
        log.show_text("Round two only.\n")
        assert log.painted_text() == "Round two only."
        log.show_text("")
        assert log.painted_text() == "Nothing yet."


class WaitApp(App[None]):
    def compose(self) -> ComposeResult:
        from tui.widgets.panes import SectionPane

        yield SectionPane("execution", id="pane-execution")


async def test_the_execution_pane_counts_the_model_wait_up_and_drops_it() -> None:
    from tests.pilot_helpers import wait_for
    from tui.widgets.panes import SectionPane

    clock = [1000.0]
    app = WaitApp()
    async with app.run_test(size=(80, 12)) as pilot:
        wait = app.query_one(SectionPane).model_wait
        assert wait is not None
        wait.show_wait(1000.0, lambda: clock[0])
        assert wait.shown == "" and not wait.display  # a second of silence is normal
        clock[0] = 1047.0
        await wait_for(pilot, lambda: "— 47 s, first token not yet" in wait.shown)  # its tick
        assert wait.display
        clock[0] = 1048.0
        await wait_for(pilot, lambda: "— 48 s" in wait.shown)
        wait.show_wait(None, lambda: clock[0])  # the first token arrived
        assert wait.shown == "" and not wait.display


async def test_a_long_document_keeps_no_strip_per_line() -> None:
    """The log keeps segment lists, not Strips: a long round must not grow the heap by a
    Strip (and its seven caches) per line, which set off the full garbage collections that
    froze the stream (issue 15). Only the rows painted make Strips."""
    import gc

    from textual.strip import Strip

    def strips() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, Strip))

    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(MarkdownLog)
        log.show_text("Start.\n\n")
        await settled(pilot)
        before = strips()
        text = log.shown
        for i in range(200):
            text += f"Paragraph {i} has a few words, enough to wrap at this width once.\n\n"
            log.show_text(text)
            if i % 20 == 0:
                await settled(pilot)
        await settled(pilot)
        assert log.line_count > 400
        # Textual caches a few Strips per painted row (12 rows here); one per line would be 400+.
        assert strips() - before < 200
        painted = log.painted_text()
        assert "Paragraph 199 has" in painted and "Paragraph 0 has" in painted


async def test_overflowing_shows_no_horizontal_scrollbar_and_lays_out_twice_at_most() -> None:
    """Lines are wrapped to the pane: the vertical scrollbar appearing narrows them, and
    must not also flip a horizontal scrollbar on and off (two more layouts, and every
    block rendered twice)."""
    app = LogApp()
    async with app.run_test(size=(60, 12)) as pilot:
        log = app.query_one(MarkdownLog)
        text = "Paragraph one.\n\n"
        log.show_text(text)
        await settled(pilot)  # the first layout is the screen's, not the overflow's
        reflows = count_reflows(app)
        for i in range(20):
            text += f"Paragraph {i} has a few words in it.\n\n"
            log.show_text(text)
            await settled(pilot)
            assert not log.show_horizontal_scrollbar
        assert log.show_vertical_scrollbar
        assert len(reflows) <= 2
        assert log.virtual_size.width == log.scrollable_content_region.width


LISTS = [
    "- one\n- two with `code` and **bold**\n- three",
    "* a long item that wraps over the width of the pane, "
    + "word " * 20
    + "\n* next\n  continued on an indented line\n* last",
    "- outer\n  - inner one\n  - inner two\n- second outer\n    ```\n    code\n    ```",
    "+ [a link](https://example.com/page) in an item\n+ end",
]
NOT_SPLIT = [
    "- a\n* b",  # another marker: a second list
    "- a\nlazy continuation",
    "- a\n- - -",  # a rule
    "Paragraph\n- item",
    "1. one\n2. two",
]


async def test_a_streamed_bullet_list_renders_as_a_whole_list_does() -> None:
    """The open block, rendered item by item when it is a plain bullet list, shows the
    same lines (text and style) as the list rendered whole; other blocks are not split."""
    from tui.widgets.panes import bullet_items

    def look(lines: list) -> list[list[tuple[str, object]]]:
        return [[(seg.text, seg.style) for seg in line] for line in lines]

    for block in NOT_SPLIT:
        assert bullet_items(block) is None, block
    app = LogApp()
    async with app.run_test(size=(50, 20)):
        log = app.query_one(MarkdownLog)
        for block in LISTS:
            items = bullet_items(block)
            assert items is not None and "\n".join(items) == block
            for width in (20, 48):
                whole = look(log._render_block(block, width))
                assert look(log._render_open_block(block, width)) == whole, block
                assert look(log._render_open_block(block, width)) == whole  # from the cache


async def test_a_growing_list_renders_only_its_last_item_again() -> None:
    """A plan written item by item: each refresh renders the item that grows, not the
    whole list (which made a refresh cost grow with the list, issue 15)."""
    app = LogApp()
    async with app.run_test(size=(50, 20)) as pilot:
        log = app.query_one(MarkdownLog)
        text = "## Plan\n\n" + "\n".join(f"- item {i} of the plan" for i in range(20))
        log.show_text(text)
        await settled(pilot)
        rendered: list[str] = []
        render_block = log._render_block

        def noted(block: str, width: int) -> list:
            rendered.append(block)
            return render_block(block, width)

        log._render_block = noted  # type: ignore[method-assign]
        for word in ("and", "more", "words"):
            text += f" {word}"
            log.show_text(text)
        last = "- item 19 of the plan and"
        assert rendered == [last, f"{last} more", f"{last} more words"]
        text += "\n- item 20"
        log.show_text(text)
        assert rendered[3:] == ["- item 20"]  # item 19 as it was last rendered
        await settled(pilot)
        painted = log.painted_text()
        assert "item 19 of the plan and more words" in painted
        assert painted.rstrip().endswith("• item 20")
