"""Plan / Execution / Reflection panes that stream markdown as the LLM writes it, and the
streaming Markdown document the report screen uses.

The section panes are :class:`MarkdownLog`: a scroll view that paints Markdown line by line
from a cache, like Textual's ``Log``. Textual's ``Markdown`` widget mounts a widget per block,
and every mount re-lays out the whole screen: with a few hundred blocks in three panes that
cost a third of a second per streamed batch, during which no key was answered. Here a
finished block is rendered once (per width) into lines of segments and only the open last
block is rendered again when text arrives, so an append repaints the pane and lays out
nothing.

:class:`StreamingMarkdown` (the report) keeps the text it has already shown. Given the
full text so far, it writes only the new tail through ``Markdown.get_stream`` (the stream
merges fragments that arrive faster than it can render). If the text is not a continuation
(``PlanReady`` replaced the text), the document is cleared and the new text streamed into
it, shown from the top. Both follow the bottom only while the user is already there
(scrolling up stops the following, scrolling back down resumes it).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.theme import Theme
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Collapsible, Label, Markdown, Static
from textual.widgets.markdown import MarkdownStream

from core.ingest import safe
from tui.widgets.block_markdown import block_markdown
from tui.widgets.status_bar import MODEL_WAIT_SHOWN_S
from tui.widgets.steady_scrollbar import SteadyScrollbars

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
        found = self.query(Markdown)
        if not found:  # not composed yet, or its document already unmounted (the app
            return  # closing mid-report): ``shown`` stays, the next refresh shows it
        document = found.first()  # held: it may be unmounted while we await below
        if self.shown and text.startswith(self.shown):
            self.follow = self.scroll_y >= self.max_scroll_y - 1
            tail = text[len(self.shown) :]
        else:
            # A new document (another round, a finished report) is read from the top;
            # following resumes once the reader is at the bottom while text streams in.
            await self._stop_stream()
            await document.update("" if text else self.placeholder)
            self.scroll_home(animate=False, immediate=True)
            self.follow = False
            tail = text
        if tail:
            if self._stream is None:
                self._stream = Markdown.get_stream(document)
            await self._stream.write(tail)
        self.shown = text

    async def _stop_stream(self) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            try:
                await stream.stop()
            except asyncio.CancelledError:
                # The stream's own task was cancelled (the app shutting down cancels its
                # tasks before it unmounts this widget): nothing is left to stop. A
                # cancellation of *this* task still propagates.
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise

    async def reset(self, text: str = "") -> None:
        await self._stop_stream()
        self.shown = ""
        await self.show_text(text)

    async def on_unmount(self) -> None:
        await self._stop_stream()


FENCE = re.compile(r"^\s{0,3}(```|~~~)", re.MULTILINE)


def split_blocks(text: str) -> tuple[list[str], str]:
    """``text`` cut into finished Markdown blocks and the open tail that may still grow.

    A block ends at a blank line outside a code fence; the text after the last such line
    is the tail (a later chunk can still change how it renders, e.g. turn a line into a
    heading underline or close a fence).
    """
    blocks: list[str] = []
    start = 0
    fenced = False
    pos = 0
    while True:
        end = text.find("\n\n", pos)
        if end < 0:
            break
        segment = text[pos:end]
        fenced ^= len(FENCE.findall(segment)) % 2 == 1
        pos = end + 2
        if not fenced:
            block = text[start:end].strip("\n")
            if block.strip():
                blocks.append(block)
            start = pos
    return blocks, text[start:]


BULLET_ITEM = re.compile(r"[-*+][ \t]")
"""A top-level bullet item's first line (at column 0)."""
THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
"""``- - -`` and the like: a rule, not an item, though it starts like one."""


def bullet_items(block: str) -> list[str] | None:
    """A tight bullet list cut into its top-level items, or ``None`` for any other block.

    A model's plan is often one long list written item by item, and a pane renders its
    open block again at every refresh: rendering the whole list each time made a refresh
    cost grow with the list (the slowest callbacks of the UI loop while the Plan pane
    streamed, ``python -m bench live``, issue 15). Rich renders each item of a bullet list
    on its own (a bullet, then the item's lines indented), so the list's lines are its
    items' lines one after another, and finished items can be rendered once.

    Only the plain shape is accepted, the one where that holds: every line either starts
    an item with the first item's marker or is indented (the item goes on). Anything else
    (another marker, which starts a new list; a lazy continuation line; a blank line in a
    fence; a rule such as ``- - -``) returns ``None`` and the block is rendered whole.
    """
    if not BULLET_ITEM.match(block):
        return None  # most open blocks (paragraphs) stop here, before being split
    marker = block[:1]
    items: list[list[str]] = []
    for line in block.split("\n"):
        if THEMATIC_BREAK.match(line):
            return None
        if line.startswith(marker) and BULLET_ITEM.match(line):
            items.append([line])
        elif line[:1] in (" ", "\t") and line.strip():
            items[-1].append(line)
        else:
            return None
    return ["\n".join(item) for item in items]


Line = list[Segment]
"""One rendered line: Rich segments, unstyled by the widget. Not a ``Strip``: a Strip carries
seven caches of its own, and a pane that kept a Strip (and the cropped and styled Strips each
paint hangs on it) for every line of a long round grew the heap by tens of thousands of
objects a minute, so Python's full garbage collections ran mid-stream and froze the screen
for a few hundred milliseconds each. Strips are made per painted row instead."""
BLANK: Line = []
"""The line between two blocks (shared: never mutated)."""


class MarkdownLog(SteadyScrollbars, ScrollView, can_focus=True):
    """A read-only Markdown document that grows at its end, painted from a line cache.

    Fed with "full text so far" snapshots (:meth:`show_text`): a continuation appends, any
    other text starts the document afresh, shown from the top. The view follows the bottom
    while the reader is there (scrolling up stops it, back to the bottom resumes it).

    The lines of the finished blocks (``_done``) only ever grow at their end; an append
    renders the open last block again and replaces ``_tail`` lines, so its cost does not
    depend on how long the document already is.
    """

    paints_after_input = True
    """A frame that answers a key leaves this pane for the next turn (``tui.frame_pacing``):
    its streamed text is not what the user waits to see moving."""

    COMPONENT_CLASSES = {"markdown-log--code", "markdown-log--heading"}
    DEFAULT_CSS = """
    MarkdownLog { height: 1fr; padding: 0 1; overflow-x: hidden; }
    MarkdownLog:dark > .markdown-log--code { background: $warning 10%; color: $text-warning 95%; }
    MarkdownLog:light > .markdown-log--code { background: $error 5%; color: $text-error 95%; }
    MarkdownLog > .markdown-log--heading { color: $text-accent; text-style: bold; }
    """

    def __init__(self, placeholder: str = EMPTY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.placeholder = placeholder
        self.shown = ""
        self.follow = True
        self._blocks: list[str] = []
        """Finished blocks (they never change once a blank line closed them)."""
        self._tail = ""
        self._done: list[Line] = []
        """The finished blocks' lines, a blank line between two blocks."""
        self._tail_lines: list[Line] = []
        """What follows ``_done``: the open block (after a blank line), or the placeholder."""
        self._rendered_width = 0
        self.renders = 0
        """Blocks rendered so far (tests check that an append renders only the tail)."""
        self._item_lines: dict[str, list[Line]] = {}
        """The open block's list items as rendered (by their text), when it is a bullet
        list (:func:`bullet_items`): the next refresh renders only its last item again."""
        self._item_width = 0
        """The width ``_item_lines`` were rendered at."""
        self._theme: Theme | None = None
        self._base_style = Style()
        """The widget's own colours, applied to the rows painted."""
        self._rows: dict[int, tuple[Line, Strip]] = {}
        """Painted rows by line index, with the line each shows, for ``_rows_for``
        (scroll x, width, colours)."""
        self._rows_for: tuple[int, int, Style] | None = None

    @property
    def source(self) -> str:
        """The Markdown the pane shows (its placeholder while there is none)."""
        return self.shown or self.placeholder

    @property
    def line_count(self) -> int:
        return len(self._done) + len(self._tail_lines)

    def _line(self, index: int) -> Line | None:
        done = len(self._done)
        if index < done:
            return self._done[index]
        index -= done
        return self._tail_lines[index] if index < len(self._tail_lines) else None

    def painted_text(self) -> str:
        """The document as painted, one line per row (what a reader sees, markup gone)."""
        if self._width != self._rendered_width:  # not painted yet: render it as it will be
            self._rerender()
        return "\n".join(
            "".join(segment.text for segment in line).rstrip()
            for line in (*self._done, *self._tail_lines)
        )

    def show_text(self, text: str) -> None:
        """Bring the document to ``text``: render what is new, or start it afresh."""
        if text == self.shown:
            return
        if self.shown and text.startswith(self.shown):
            self.follow = self.scroll_y >= self.max_scroll_y - 1
        else:
            self._blocks, self._tail, self._done = [], "", []
            self.follow = False
            self.scroll_home(animate=False, immediate=True)
        self.shown = text
        blocks, tail = split_blocks(text)
        known = len(self._blocks)
        if blocks[:known] != self._blocks:  # not a continuation after all: render afresh
            self._blocks, self._done, known = [], [], 0
        self._tail = tail
        if not self._sized:  # no width yet: render at the first paint (``render_lines``)
            self._blocks = blocks
            self._defer_lines()
            return
        if self._width != self._rendered_width:
            self._blocks = blocks
            self._rerender()
        else:
            start, before = len(self._done), self._tail_lines
            for block in blocks[known:]:
                self._blocks.append(block)
                self._add_done(self._render_block(block, self._rendered_width))
            self._render_tail()
            self._lines_changed(first_changed=self._first_change(start, before))
            return
        self._lines_changed()

    def reset(self, text: str = "") -> None:
        self.shown = ""
        self._blocks, self._tail, self._done, self._tail_lines = [], "", [], []
        self.show_text(text)
        if not text:
            if not self._sized:
                self._defer_lines()
                return
            self._render_tail()
            self._lines_changed()

    @property
    def _width(self) -> int:
        return max(1, self.scrollable_content_region.width or self.content_size.width or 40)

    @property
    def _sized(self) -> bool:
        """Laid out at least once. Before that, a width is a guess (40): rendering at it
        is thrown away when the real width comes, so text is kept and rendered at the first
        paint instead (a reopened research fills its panes before they have a size)."""
        return bool(self.scrollable_content_region.width or self.content_size.width)

    def _defer_lines(self) -> None:
        """Render everything at the next paint (``render_lines``), at the width it has."""
        self._rendered_width = 0
        self.refresh()

    def _render_block(self, block: str, width: int) -> list[Line]:
        self.renders += 1
        console = self.app.console
        options = console.options.update(width=width, height=None)
        with console.use_theme(self._markdown_theme()):
            return console.render_lines(block_markdown(block), options, pad=False)

    def _add_done(self, lines: list[Line]) -> None:
        if self._done:
            self._done.append(BLANK)
        self._done.extend(lines)

    def _render_tail(self) -> None:
        """The open block (or, in an empty document, the placeholder) after ``_done``."""
        width = self._rendered_width
        if self._tail.strip():
            lines = self._render_open_block(self._tail, width)
            self._tail_lines = [BLANK, *lines] if self._done else lines
        elif not self._done:
            self._tail_lines = self._render_block(self.placeholder, width)
        else:
            self._tail_lines = []

    def _render_open_block(self, block: str, width: int) -> list[Line]:
        """The open block's lines; of a bullet list, only the items not rendered yet (the
        last one grows, so it is new at nearly every refresh)."""
        items = bullet_items(block.strip("\n"))
        if items is None:
            self._item_lines = {}
            return self._render_block(block, width)
        known = self._item_lines if self._item_width == width else {}
        self._item_width = width
        rendered = {}
        lines: list[Line] = []
        for index, item in enumerate(items):
            item_lines = known.get(item)
            if item_lines is None:
                item_lines = self._render_block(item, width)
            rendered[item] = item_lines
            if index and item_lines and not item_lines[0]:
                item_lines = item_lines[1:]  # Rich starts a list with a blank line: once
            lines.extend(item_lines)
        self._item_lines = rendered
        return lines

    def _rerender(self) -> None:
        """Every block again, at the current width and in the current colours."""
        self._rendered_width = self._width
        self._theme = None
        self._done = []
        self._item_lines = {}
        for block in self._blocks:
            self._add_done(self._render_block(block, self._rendered_width))
        self._render_tail()

    def _markdown_theme(self) -> Theme:
        """Rich's Markdown styles in the app's colours (inline code, headings)."""
        if self._theme is None:
            code = self.get_component_rich_style("markdown-log--code")
            heading = self.get_component_rich_style("markdown-log--heading")
            styles = {"markdown.code": code, "markdown.h1.border": heading}
            styles |= {f"markdown.h{n}": heading for n in range(1, 7)}
            self._theme = Theme(styles, inherit=True)
        return self._theme

    def _first_change(self, start: int, before: list[Line]) -> int:
        """The first line from ``start`` on that differs from ``before`` (the lines that
        followed ``start`` until now): an append mostly changes the open block's last
        lines, and what a reader sees above them need not be painted again."""
        for offset, line in enumerate(before):
            if self._line(start + offset) != line:
                return start + offset
        return start + len(before)

    def _lines_changed(self, *, repaint: bool = True, first_changed: int = 0) -> None:
        """The lines changed: size the scroll area, follow the bottom, repaint (no layout).

        ``first_changed``: the lines before it are as painted, so when the view stays
        where it is only the rows from there on are painted again (none when they are
        below the view: the reader scrolled up while the stream goes on)."""
        base, self._base_style = self._base_style, self.rich_style
        old = self.virtual_size
        new = Size(self._rendered_width, self.line_count)
        if new != old:
            # Not ``self.virtual_size = new``: that reactive re-lays out the whole screen.
            # Only the scrollbars depend on it (and they re-lay out by themselves when
            # they appear or go).
            self.set_reactive(MarkdownLog.virtual_size, new)
            self._scroll_update(new)
        scroll_y = self.scroll_offset.y
        unpainted = set(self._styles_cache._dirty_lines)
        if self.follow and new.height > old.height:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        if not repaint:
            return
        if first_changed <= 0 or base != self._base_style:
            self.refresh()
            return
        if (scrolled := self.scroll_offset.y - scroll_y) != 0:
            self._keep_styled_rows(scrolled, first_changed, unpainted)
            return
        last = min(max(new.height, old.height), scroll_y + self.size.height)
        first = max(first_changed, scroll_y)
        if last > first:
            self.refresh_lines(first, last - first)

    def _keep_styled_rows(self, scrolled: int, first_changed: int, unpainted: set[int]) -> None:
        """The view followed the stream down by ``scrolled`` rows: every row moves on the
        terminal, but a row that shows a line painted before keeps its styled strip.

        Textual's style cache holds each row's final strip (padding and colours added to
        what ``render_line`` returns) by row, and a scroll marks every row for styling
        again. Following a stream scrolls at nearly every new line, so each frame styled
        the pane's every row again for the same strips: half of a streamed pane's frame
        (``python -m bench live``, issue 15). Here the cached rows move with their lines,
        and only rows that show a changed line (``first_changed`` on) or a line newly in
        view are styled. Only for a pane with no border or padding above or below its
        text, where row ``y`` shows line ``scroll_y + y`` and nothing else; any other pane
        is painted afresh."""
        cache = self._styles_cache
        styled = dict(cache._cache)
        self.refresh()  # the whole pane moves on the screen (and the style cache is emptied)
        gutter = self.styles.gutter
        height = self.size.height
        if gutter.top or gutter.bottom or not 0 < scrolled < height:
            return
        top = self.scroll_offset.y
        moved: dict[int, Strip] = {}
        for y in range(height - scrolled):
            was = y + scrolled
            strip = styled.get(was)
            if strip is not None and was not in unpainted and top + y < first_changed:
                moved[y] = strip
        cache._cache.update(moved)
        cache._dirty_lines.difference_update(moved)

    def _relayout_lines(self, *, repaint: bool = True) -> None:
        self._rerender()
        self._lines_changed(repaint=repaint)

    def on_resize(self) -> None:
        if self._width != self._rendered_width:
            self._relayout_lines()

    def on_mount(self) -> None:
        if self._sized:
            self._relayout_lines()
        else:
            self._defer_lines()

    def notify_style_update(self) -> None:
        """New colours (theme, focus): the cached lines carry the old ones."""
        super().notify_style_update()
        self._theme = None
        self._rendered_width = 0
        if self.is_mounted and self._sized:
            self._relayout_lines()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The first paint (or one at a width not rendered yet) renders the lines first, so
        the first frame already shows them at their width (no frame at a guessed one)."""
        if self._width != self._rendered_width:
            self._relayout_lines(repaint=False)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """A row, reused when it was painted showing the same line.

        A finished block's lines never change, nor do most lines of the open block when it
        is rendered again, and following a stream scrolls them up a row at a time:
        painting each again every frame built three strips per row for the same result
        (half of a streamed pane's frame, ``python -m bench live``)."""
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = self._base_style
        line = self._line(index)
        if line is None:
            return Strip.blank(width, base)
        rows = self._rows
        painted_for = (scroll_x, width, base)
        if painted_for != self._rows_for:
            rows.clear()
            self._rows_for = painted_for
        elif (row := rows.get(index)) is not None and (row[0] is line or row[0] == line):
            return row[1]
        strip = Strip(Segment.apply_style(line, base))
        strip = strip.crop_extend(scroll_x, scroll_x + width, base).apply_offsets(scroll_x, index)
        height = self.size.height
        if len(rows) > 2 * height + 2:  # the rows on screen, no more: a Strip carries
            # seven caches, and one per line grew the heap (see the test of that)
            for old in [i for i in rows if not scroll_y <= i < scroll_y + height]:
                del rows[old]
        rows[index] = (line, strip)
        return strip


THINKING_TITLE = "Thinking"


def thinking_text(thinking: dict[str, str]) -> str:
    """A round's thinking, call by call ("reasoning", "synthesis", "report"), as one text."""
    parts = [(purpose, text.strip()) for purpose, text in thinking.items() if text.strip()]
    if len(parts) == 1:
        return parts[0][1]
    return "\n\n".join(f"[{purpose}]\n{text}" for purpose, text in parts)


class ThinkingView(Collapsible):
    """A reasoning model's thinking for the round, collapsed: there to read, never in the
    way (and never in the plan, the execution text or the report).

    Hidden while the round has none; the title says how much there is, so a model that
    thinks for minutes visibly makes progress even while collapsed. Mounted by its pane
    the first time a round has thinking (:meth:`SectionPane.show_thinking`).
    """

    def __init__(self, **kwargs: Any) -> None:
        self._text_widget = Static("", markup=False, classes="thinking-text")
        super().__init__(
            VerticalScroll(self._text_widget),
            title=THINKING_TITLE,
            collapsed=True,
            **kwargs,
        )
        self.text = ""

    def show(self, text: str) -> None:
        """Show ``text`` (works before the view is mounted, too)."""
        if text == self.text:
            return
        self.text = text
        self.display = bool(text)
        words = len(text.split())
        self.title = f"{THINKING_TITLE} ({words} words)" if text else THINKING_TITLE
        self._text_widget.update(safe(text))


def model_wait_line(seconds: float) -> str:
    """The wait in words, as the status bar and ``run``'s progress say it."""
    return f"⏳ waiting for the model — {int(seconds)} s, first token not yet"


class ModelWait(Static):
    """ "waiting for the model — N s, first token not yet" in the Execution pane, counting
    up by itself while a call under way has sent nothing; hidden otherwise.

    A slow local model can take minutes to load before its first token: the pane where
    the answer will appear says it is waiting, not just the status bar at the bottom.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self.since: float | None = None
        self._now: Callable[[], float] = lambda: 0.0
        self._timer: Any = None
        self.shown = ""
        """The text on screen ("" while hidden): what a test reads."""

    def show_wait(self, since: float | None, now: Callable[[], float]) -> None:
        """Waiting since ``since`` (an event timestamp, on ``now``'s clock); None: not."""
        self.since, self._now = since, now
        if since is None:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
        elif self._timer is None:
            self._timer = self.set_interval(1.0, self._draw)
        self._draw()

    def _draw(self) -> None:
        waited = None if self.since is None else max(0.0, self._now() - self.since)
        shown = waited is not None and waited >= MODEL_WAIT_SHOWN_S  # as the status bar does
        text = model_wait_line(waited) if shown and waited is not None else ""
        if text != self.shown:
            self.shown = text
            self.update(text)
        if self.display != bool(text):
            self.display = bool(text)


class SectionPane(Vertical):
    """Title + streaming markdown for one section of the reasoning call (the Execution
    pane also holds the model's thinking, collapsed, once a round has some)."""

    DEFAULT_CSS = """
    SectionPane { height: 1fr; width: 1fr; }
    SectionPane > .pane-title { width: 1fr; padding: 0 1; text-style: bold; }
    """

    def __init__(self, section: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.section = section
        self._title = SECTION_TITLES[section]
        self._title_label: Label | None = None
        self._model_wait: ModelWait | None = None
        self._thinking: ThinkingView | None = None
        self._doc: MarkdownLog | None = None
        """The parts, set by ``compose`` (None before it, or for a pane without one)."""

    def compose(self) -> ComposeResult:
        # The parts are kept as made: a live refresh reaches each of them several times a
        # second, and a query walks (and matches) the pane's children every time.
        self._title_label = Label(SECTION_TITLES[self.section], classes="pane-title")
        yield self._title_label
        if self.section == "execution":
            self._model_wait = ModelWait(id="model-wait")
            yield self._model_wait
        self._doc = MarkdownLog(id=f"{self.section}-doc", classes="pane-doc")
        yield self._doc

    @property
    def doc(self) -> MarkdownLog:
        return self._doc if self._doc is not None else self.query_one(MarkdownLog)

    @property
    def thinking(self) -> ThinkingView | None:
        """The thinking view, once a round had thinking to show (None before, or in a pane
        that never shows any)."""
        return self._thinking

    def show_thinking(self, thinking: dict[str, str]) -> None:
        """Show a round's thinking, call by call (``{}``: none), mounting the view the
        first time there is some: most models never think aloud, and the view's five
        widgets were built and styled with every research screen for nothing. Only the
        Execution pane shows thinking; the others return at once (this runs on every live
        refresh of every pane)."""
        if self.section != "execution":
            return
        text = thinking_text(thinking)
        if self._thinking is None:
            if not text:
                return
            self._thinking = ThinkingView(id="thinking")
            self.mount(self._thinking, before=self.doc)
        self._thinking.show(text)

    @property
    def title(self) -> Label:
        label = self._title_label
        return label if label is not None else self.query_one(".pane-title", Label)

    @property
    def model_wait(self) -> ModelWait | None:
        return self._model_wait

    def show_title(self, text: str) -> None:
        """Set the title only when it changes, without a layout (it is one line, 1fr wide)."""
        if text != self._title:
            self._title = text
            self.title.update(text, layout=False)
