"""Plan / Execution / Reflection panes that stream markdown as the LLM writes it.

Each pane keeps the text it has already shown. Given the section's full text so far, it
writes only the new tail through ``Markdown.get_stream`` (the stream merges fragments that
arrive faster than it can render, so nothing is re-rendered per chunk). If the text is not a
continuation (another round selected, or ``PlanReady`` replaced the text), the document is
cleared and the new text streamed into it, shown from the top. The view follows the bottom
only while the user is already there (checked before each write; scrolling up stops the
following, scrolling back down resumes it).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownStream

from core.ingest import safe

SECTION_TITLES = {"plan": "Plan", "execution": "Execution", "reflection": "Reflection"}
EMPTY = "*Nothing yet.*"


class StreamingMarkdown(VerticalScroll):
    """A scrollable Markdown document fed with "full text so far" snapshots."""

    DEFAULT_CSS = """
    StreamingMarkdown { height: 1fr; }
    StreamingMarkdown > Markdown { margin: 0; padding: 0 1; }
    """

    def __init__(self, placeholder: str = EMPTY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.placeholder = placeholder
        self.shown = ""
        self._stream: MarkdownStream | None = None
        self.follow = True

    def compose(self) -> ComposeResult:
        yield Markdown(self.placeholder, open_links=False)

    @property
    def document(self) -> Markdown:
        return self.query_one(Markdown)

    def watch_virtual_size(self, old: Any, new: Any) -> None:
        if self.follow and new.height > old.height:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    async def show_text(self, text: str) -> None:
        """Bring the document to ``text``: append the new tail, or start it afresh.

        Every character reaches the document through the stream (``Markdown.append``):
        Textual's append re-parses from the start of the last block it appended, so text
        set with ``update()`` and then extended with ``append()`` would lose its last
        block. A fresh document is therefore cleared and streamed from the start.
        """
        text = safe(text)  # outside text, even from an old session, never drives the terminal
        if text == self.shown:
            return
        if self.shown and text.startswith(self.shown):
            self.follow = self.scroll_y >= self.max_scroll_y - 1
            tail = text[len(self.shown) :]
        else:
            # A new document (another round, a finished report) is read from the top;
            # following resumes once the reader is at the bottom while text streams in.
            await self._stop_stream()
            await self.document.update("" if text else self.placeholder)
            self.scroll_home(animate=False, immediate=True)
            self.follow = False
            tail = text
        if tail:
            if self._stream is None:
                self._stream = Markdown.get_stream(self.document)
            await self._stream.write(tail)
        self.shown = text

    async def _stop_stream(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()

    async def reset(self, text: str = "") -> None:
        await self._stop_stream()
        self.shown = ""
        await self.show_text(text)

    async def on_unmount(self) -> None:
        await self._stop_stream()


class SectionPane(Vertical):
    """Title + streaming markdown for one section of the reasoning call."""

    DEFAULT_CSS = """
    SectionPane { height: 1fr; width: 1fr; }
    SectionPane > .pane-title { width: 1fr; padding: 0 1; text-style: bold; }
    """

    def __init__(self, section: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.section = section

    def compose(self) -> ComposeResult:
        yield Label(SECTION_TITLES[self.section], classes="pane-title")
        yield StreamingMarkdown(id=f"{self.section}-doc", classes="pane-doc")

    @property
    def doc(self) -> StreamingMarkdown:
        return self.query_one(StreamingMarkdown)
