"""Streaming markdown panes keep every block, whatever the chunking."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock

from tui.widgets.panes import StreamingMarkdown

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
    await doc._stop_stream()  # flushes what the stream still holds
    await pilot.pause()


async def streamed(cuts: list[int]) -> list[str]:
    app = PaneApp()
    async with app.run_test() as pilot:
        doc = app.query_one(StreamingMarkdown)
        for cut in [*cuts, len(TEXT)]:
            await doc.show_text(TEXT[:cut])
            await pilot.pause()
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
