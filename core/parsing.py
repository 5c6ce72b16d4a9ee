"""Streaming parser for the reasoning call: PLANNING / EXECUTION / REFLECTION and <SEARCH> tags.

Why streaming: the TUI routes each chunk to its pane while the model is still writing, so we
cannot wait for the whole answer. Markers (a header line, a ``<SEARCH>`` tag) may be split
across chunks at any character, so the parser holds back only the few characters that could
still become a marker and emits everything else at once.

Two stages, both linear in the stream:

1. tags: ``<SEARCH> query </SEARCH>`` (any case, whitespace inside the markers, the query may
   span lines) becomes "`🔎 query`" in the text and the query is recorded. An unclosed tag
   is emitted as the raw text it was, with no query.
2. lines: a line that is only a section header (``**PLANNING**``, ``## Planning``,
   ``### **Reflection**``, ``EXECUTION:``, ``**PLANNING (계획)**`` ...) switches the section and
   is not emitted. Text before the first header belongs to "plan".

The held-back text is bounded (a partial marker, a tag body up to ``MAX_TAG_CHARS``, or the
start of a line up to ``MAX_HEADER_CHARS``), so no chunk causes a re-scan of the whole buffer.
"""

from __future__ import annotations

import re

from core.events import Section

MAX_TAG_CHARS = 600
"""A ``<SEARCH>`` body longer than this is not a query: the tag is kept as literal text."""
MAX_HEADER_CHARS = 160
"""A line still undecided after this many characters is not a header."""

KEYWORDS: dict[str, Section] = {
    "planning": "plan",
    "execution": "execution",
    "reflection": "reflection",
}

# Whitespace inside a tag is bounded, so a tag has a longest form and the parser can tell
# "not a tag" after a fixed number of characters, whatever the chunking.
_OPEN_RE = re.compile(r"<\s{0,8}search\s{0,8}>", re.IGNORECASE)
_CLOSE_RE = re.compile(r"<\s{0,8}/\s{0,8}search\s{0,8}>", re.IGNORECASE)
# What the tail of a chunk may look like when it is the beginning of an opening tag.
_PARTIAL_OPEN_RE = re.compile(r"<\s{0,8}(?:s(?:e(?:a(?:r(?:c(?:h\s{0,8})?)?)?)?)?)?", re.IGNORECASE)
_MAX_PARTIAL = 40
_MAX_CLOSE = 40
"""Longer than the longest closing tag (1 + 8 + 1 + 8 + 6 + 8 + 1 characters)."""

# Leading decoration of a header line: "## ", "**", "### **", "1. ", "**2) " ...
_HEADER_PREFIX_RE = re.compile(
    r"\s*(?P<hash>#{1,6})?\s*(?P<open>[*_]{0,3})\s*(?:\d{1,2}[.)]\s*)?[*_]{0,3}\s*"
)
# After the keyword: an optional note in (half- or full-width) parentheses, closing
# decoration, an optional colon, decoration again. Example: " (계획)**:".
_HEADER_SUFFIX_RE = re.compile(
    r"(?P<paren>\s*[(（][^)）\n]{0,40}[)）])?\s*(?P<close>[*_]{0,3})\s*(?P<colon>[:：])?"
)
_UNCLOSED_PAREN_RE = re.compile(r"\s*[(（][^)）\n]{0,40}")
_DECOR_ONLY_RE = re.compile(r"[\s*_]*")
_WS_RE = re.compile(r"\s+")
_DECORATED_RE = re.compile(r"\s*(?:#|\*\*|__)")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]+")
_LOOSE_MAX = 80

_PARTIAL_NUMBER_RE = re.compile(r"\d{1,2}")

_YES, _NO, _MAYBE = "yes", "no", "maybe"


def normalise_query(text: str) -> str:
    """Collapse whitespace (queries may span lines inside the tag)."""
    return _WS_RE.sub(" ", text).strip()


def _decide(line: str, complete: bool) -> tuple[str, Section | None, str]:
    """``_header`` with the length bound, the same whatever the chunking.

    A line is judged on its first ``MAX_HEADER_CHARS`` characters as if more were coming:
    undecided there means "not a header", for a line streamed in pieces and for one that
    arrived whole alike. Only a shorter complete line is judged as complete.
    """
    if len(line) <= MAX_HEADER_CHARS:
        return _header(line, complete)
    verdict, _, _ = _header(line[:MAX_HEADER_CHARS], complete=False)
    if verdict != _YES:
        return _NO, None, ""
    return _header(line, complete)


def _header(line: str, complete: bool) -> tuple[str, Section | None, str]:
    """Decide whether ``line`` (without its newline) is a section header.

    Returns (verdict, section, inline rest). ``maybe`` only when ``complete`` is false: more
    characters are needed to decide. A verdict given on an incomplete line holds for every
    continuation of it (the parser commits to it), so the answer never depends on where
    the stream was cut.
    """
    verdict, section, rest = _strict_header(line, complete)
    if verdict != _NO or len(line) > _LOOSE_MAX or not _DECORATED_RE.match(line):
        return verdict, section, rest
    # A decorated heading with the marker among other-language words, e.g. "## 계획 (PLANNING)":
    # wait for the whole line, then accept it when the keyword is its only Latin word.
    if not complete:
        return _MAYBE, None, ""
    words = _LATIN_WORD_RE.findall(line)
    if len(words) == 1 and words[0].lower() in KEYWORDS:
        return _YES, KEYWORDS[words[0].lower()], ""
    return _NO, None, ""


def _strict_header(line: str, complete: bool) -> tuple[str, Section | None, str]:
    prefix = _HEADER_PREFIX_RE.match(line)
    assert prefix is not None  # every part is optional
    rest = line[prefix.end() :]
    low = rest.lower()
    if not low or any(kw.startswith(low) and kw != low for kw in KEYWORDS):
        return (_NO if complete else _MAYBE), None, ""
    if not complete and _PARTIAL_NUMBER_RE.fullmatch(rest):
        return _MAYBE, None, ""  # "1" may still become the list number of "1. EXECUTION"
    for keyword, section in KEYWORDS.items():
        if not low.startswith(keyword):
            continue
        after = rest[len(keyword) :]
        if after[:1].isalnum():  # "Planningfoo", "PLANNINGS": a word, not the marker
            return _NO, None, ""
        if not complete and _UNCLOSED_PAREN_RE.fullmatch(after):
            return _MAYBE, None, ""
        suffix = _HEADER_SUFFIX_RE.match(after)
        assert suffix is not None
        tail = after[suffix.end() :]
        if _DECOR_ONLY_RE.fullmatch(tail):
            if not complete:
                return _MAYBE, None, ""
            return _YES, section, ""
        tail = tail.lstrip()
        decorated = bool(prefix.group("hash")) or bool(
            prefix.group("open") and suffix.group("close")
        )
        if suffix.group("colon") or decorated:
            return _YES, section, tail
        return _NO, None, ""
    return _NO, None, ""


class ReasoningStreamParser:
    """Feed chunks of the reasoning answer; get (section, text) pieces back in order.

    ``sections`` holds the full display text of each section so far and ``queries`` every
    planned search query (in order, stripped, de-duplicated case-insensitively, no empties).
    """

    def __init__(self) -> None:
        self._parts: dict[Section, list[str]] = {"plan": [], "execution": [], "reflection": []}
        self._joined: dict[Section, str] | None = None
        self.queries: list[str] = []
        self.section: Section = "plan"
        self._seen: set[str] = set()
        # stage 1 (tags)
        self._tag_buf = ""
        self._in_tag = False
        self._open_text = ""
        # stage 2 (lines)
        self._line = ""
        self._committed = False
        self._out: list[tuple[Section, str]] = []
        self._closed = False

    # -- public ------------------------------------------------------------------------

    @property
    def sections(self) -> dict[Section, str]:
        """Full display text per section so far (joined lazily, cached until the next piece)."""
        if self._joined is None:
            self._joined = {name: "".join(parts) for name, parts in self._parts.items()}
        return dict(self._joined)

    def feed(self, chunk: str) -> list[tuple[Section, str]]:
        if self._closed:
            raise RuntimeError("feed() after close()")
        if chunk:
            self._lines(self._tags(chunk))
        return self._take()

    def close(self) -> list[tuple[Section, str]]:
        """Flush everything held back: an unclosed tag stays as its raw text, no query."""
        if self._closed:
            return []
        self._closed = True
        tail = self._tag_buf
        if self._in_tag:
            tail = self._open_text + tail
        self._tag_buf, self._in_tag, self._open_text = "", False, ""
        self._lines(tail)
        if self._line and not self._committed:
            verdict, section, rest = _decide(self._line, complete=True)
            if verdict == _YES and section is not None:
                self.section = section
                self._emit(rest)
            else:
                self._emit(self._line)
        self._line = ""
        return self._take()

    # -- stage 1: tags -----------------------------------------------------------------

    def _add_query(self, body: str) -> str:
        query = normalise_query(body)
        if not query:
            return ""
        key = query.casefold()
        if key not in self._seen:
            self._seen.add(key)
            self.queries.append(query)
        return f"`🔎 {query}`"

    def _tags(self, chunk: str) -> str:
        data = self._tag_buf + chunk
        self._tag_buf = ""
        out: list[str] = []
        pos = 0
        size = len(data)
        while pos < size:
            if self._in_tag:
                close = _CLOSE_RE.search(data, pos)
                if close is not None and close.start() - pos > MAX_TAG_CHARS:
                    close = None  # too far away: this tag is not closed within its bound
                reopen = _OPEN_RE.search(data, pos, close.start() if close else size)
                if reopen is not None:
                    # "<SEARCH>a <SEARCH>b</SEARCH>": the first tag was never closed.
                    out.append(self._open_text + data[pos : reopen.start()])
                    self._open_text = reopen.group()
                    pos = reopen.end()
                    continue
                if close is not None:
                    out.append(self._add_query(data[pos : close.start()]))
                    self._in_tag = False
                    self._open_text = ""
                    pos = close.end()
                    continue
                if size - pos > MAX_TAG_CHARS + _MAX_CLOSE:
                    out.append(self._open_text)  # not a query after all: keep it literally
                    self._in_tag = False
                    self._open_text = ""
                    continue
                self._tag_buf = data[pos:]
                break
            lt = data.find("<", pos)
            if lt == -1:
                out.append(data[pos:])
                break
            opened = _OPEN_RE.match(data, lt)
            if opened is not None:
                out.append(data[pos:lt])
                self._in_tag = True
                self._open_text = opened.group()
                pos = opened.end()
                continue
            tail = data[lt:]
            if len(tail) <= _MAX_PARTIAL and _PARTIAL_OPEN_RE.fullmatch(tail):
                out.append(data[pos:lt])
                self._tag_buf = tail
                break
            out.append(data[pos : lt + 1])
            pos = lt + 1
        return "".join(out)

    # -- stage 2: lines and headers ----------------------------------------------------

    def _lines(self, text: str) -> None:
        pos = 0
        size = len(text)
        while pos < size:
            newline = text.find("\n", pos)
            if self._committed:
                if newline == -1:
                    self._emit(text[pos:])
                    return
                self._emit(text[pos : newline + 1])
                self._committed = False
                pos = newline + 1
                continue
            if newline == -1:
                self._line += text[pos:]
                verdict, section, rest = _decide(self._line, complete=False)
                if verdict == _YES and section is not None:
                    self.section = section
                    self._emit(rest)
                    self._line = ""
                    self._committed = True
                elif verdict == _NO:
                    self._emit(self._line)
                    self._line = ""
                    self._committed = True
                return
            line = self._line + text[pos:newline]
            self._line = ""
            verdict, section, rest = _decide(line, complete=True)
            if verdict == _YES and section is not None:
                self.section = section
                if rest:
                    self._emit(rest + "\n")
            else:
                self._emit(line + "\n")
            pos = newline + 1

    def _emit(self, text: str) -> None:
        if not text:
            return
        self._parts[self.section].append(text)
        self._joined = None
        if self._out and self._out[-1][0] == self.section:
            self._out[-1] = (self.section, self._out[-1][1] + text)
        else:
            self._out.append((self.section, text))

    def _take(self) -> list[tuple[Section, str]]:
        out, self._out = self._out, []
        return out


def parse_reasoning(text: str) -> ReasoningStreamParser:
    """Parse a whole answer at once (resume, import); the parser holds sections and queries."""
    parser = ReasoningStreamParser()
    parser.feed(text)
    parser.close()
    return parser


def extract_queries(text: str) -> list[str]:
    """Every ``<SEARCH>`` query in ``text``, in order, de-duplicated case-insensitively."""
    return parse_reasoning(text).queries
