"""The one door for untrusted text: search results, imported logs, model output, topics.

Text from outside may carry terminal control sequences: ``ESC ] 52`` sets the user's
clipboard, ``ESC ] 0`` the window title, CSI sequences move the cursor or recolour the
screen, and the 8-bit C1 forms (``0x9b``, ``0x9d`` ...) do the same on many terminals. Rich
and Textual pass ESC through to the terminal unchanged, so such bytes are removed where text
enters (and, for logs saved before this existed, once more where it is shown). Newline and
tab survive in multi-line text, because paragraphs need them; a carriage return becomes a
newline (a lone CR would let a line overwrite itself on screen).

Sizes are bounded here too, so one page or one answer cannot flood a prompt, an event line
or the screen. URLs get their own gate: only ``http(s)`` addresses with a host become
sources, with whitespace and line breaks removed (as a browser does), so a URL can never
span lines in a prompt or a log.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

TITLE_CHARS = 300
URL_CHARS = 2048
SNIPPET_CHARS = 8000
"""A search snippet (Tavily's are a few hundred characters; this is only a ceiling)."""
TOPIC_CHARS = 1000
QUERY_CHARS = 600
MESSAGE_CHARS = 4000
TEXT_CHARS = 200_000
"""Any other single text field (a report, a summary, a raw page already cut by config)."""
MAX_DEPTH = 20
"""Nesting beyond this in a JSON value is dropped, not recursed into."""

# A whole escape sequence: CSI (ESC [ or 0x9b) params and a final byte; OSC/DCS/SOS/PM/APC
# (ESC ] P X ^ _ or 0x9d 0x90 0x98 0x9e 0x9f) up to BEL or ST (ESC \ or 0x9c); any other
# two-byte ESC sequence. An unterminated string loses only its introducer (the text after it
# stays, harmless without the ESC); stray control bytes are removed one by one.
_SEQUENCE_RE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]{0,4096}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Controls, and lone UTF-16 surrogates: a JSON ``\\ud800`` decodes to one, which no UTF-8
writer (the event log, LadybugDB, the Neo4j driver) can encode."""
_WS_RE = re.compile(r"\s+")
_URL_DROPPED_RE = re.compile(r"[\x00-\x20\x7f-\x9f\ud800-\udfff]")
WEB_SCHEMES = frozenset({"http", "https"})

T = TypeVar("T")


def strip_controls(text: str) -> str:
    """``text`` without escape sequences, C0/C1 controls or lone surrogates; newline and tab kept.

    CRLF and lone CR become a newline. Printable text, including every script and emoji,
    is untouched.
    """
    if not text:
        return ""
    if _CONTROL_RE.search(text) is None:
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SEQUENCE_RE.sub("", text)
    return _CONTROL_RE.sub("", text)


def bound(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, marking the cut with "…"."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)] + "…"


def clean_text(text: Any, limit: int = TEXT_CHARS) -> str:
    """Multi-line untrusted text: controls removed, size bounded."""
    return bound(strip_controls(text if isinstance(text, str) else str(text or "")), limit)


def clean_line(text: Any, limit: int = TITLE_CHARS) -> str:
    """One-line untrusted text (a title, a topic, a query): controls removed, every run of
    whitespace (line breaks too) collapsed to one space, size bounded."""
    text = strip_controls(text if isinstance(text, str) else str(text or ""))
    return bound(_WS_RE.sub(" ", text).strip(), limit)


def clean_url(url: Any) -> str:
    """A URL as text: controls, spaces and line breaks removed (as browsers do), bounded.

    Says nothing about the scheme; ``web_url`` decides whether it may become a source.
    """
    text = url if isinstance(url, str) else str(url or "")
    text = _SEQUENCE_RE.sub("", text)
    return _URL_DROPPED_RE.sub("", text)[:URL_CHARS]


def url_scheme(url: str) -> str:
    """The scheme of ``url`` in lower case ("" when it has none or cannot be parsed)."""
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def web_url(url: Any) -> str | None:
    """``url`` cleaned when it is an ``http(s)`` address with a host; None otherwise
    (``javascript:``, ``file:``, ``data:``, no host, unparseable)."""
    text = clean_url(url)
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        return None
    return text


def local_file_ref(url: Any) -> str | None:
    """``url`` cleaned when it is a ``file:///`` reference with a path; None otherwise."""
    text = clean_url(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() != "file" or parts.netloc or not parts.path.startswith("/"):
        return None
    return text


@dataclass
class UrlFence:
    """Counts the results turned away for not being web pages, and says so once.

    One per research: the first rejection produces a warning, later ones only count, so a
    search engine that returns many odd links cannot flood the warnings.
    """

    rejected: int = 0
    schemes: set[str] = field(default_factory=set)
    _warned: bool = False

    def admit(self, url: Any, *, local: bool = False) -> str | None:
        """The cleaned URL when it may become a source; None (and counted) when not.

        ``local`` is set only for hits of our own local-documents provider, whose
        ``file:///`` references are ours, not the web's: they pass, nothing else non-web does.
        """
        clean = local_file_ref(url) if local else web_url(url)
        if clean is None:
            self.rejected += 1
            self.schemes.add(url_scheme(clean_url(url)) or "no scheme")
        return clean

    def warning(self) -> str | None:
        """The message for the first rejection (None before it and after it was given)."""
        if self._warned or not self.rejected:
            return None
        self._warned = True
        kinds = ", ".join(sorted(f"{s}:" if s != "no scheme" else s for s in self.schemes))
        return (
            f"Skipped a search result whose URL is not a web address ({kinds}); only http(s) "
            "pages become sources. Further ones are skipped without a warning."
        )


def clean_value(value: Any, limit: int = TEXT_CHARS, depth: int = 0) -> Any:
    """A JSON-like value with every string cleaned (multi-line), nesting bounded.

    Containers deeper than ``MAX_DEPTH`` become None: a value nested that deep is not
    something any of our fields expects, and recursing into it is how parsers fall over.
    """
    if isinstance(value, str):
        return clean_text(value, limit)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {clean_line(k, 200): clean_value(v, limit, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v, limit, depth + 1) for v in value]
    return clean_text(str(value), limit)


_LINE_FIELDS = frozenset({"title", "topic", "query", "model", "search_provider", "kind"})
_URL_FIELDS = frozenset({"url"})


def clean_event(event: T) -> T:
    """An event dataclass with every text field cleaned: the door for events that come
    from outside as a whole (an imported log). Titles, topics and queries become one line;
    URLs lose whitespace; other strings keep their line breaks; lists and dicts are cleaned
    through."""
    if not dataclasses.is_dataclass(event) or isinstance(event, type):
        return event
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if f.name in _URL_FIELDS and isinstance(value, str):
            clean: Any = clean_url(value)
        elif f.name in _LINE_FIELDS and isinstance(value, str):
            clean = clean_line(value, TOPIC_CHARS)
        elif isinstance(value, str | list | dict | tuple):
            clean = clean_value(value)
            if isinstance(value, tuple):
                clean = tuple(clean)
        else:
            continue
        if clean != value:
            changes[f.name] = clean
    return dataclasses.replace(event, **changes) if changes else event  # type: ignore[type-var]


def safe(text: Any) -> str:
    """Text for a terminal, a Markdown file or a table cell: controls removed, size kept.

    The second line of defence at every output, for text saved before ingest cleaned it.
    """
    return strip_controls(text if isinstance(text, str) else str(text if text is not None else ""))


_MD_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>|~])")


def md_inline(text: Any) -> str:
    """Outside text for one line of a Markdown file or view: controls and line breaks
    removed, Markdown punctuation backslash-escaped, so a title like
    ``[click](javascript:…)`` is shown as those characters, never as a link."""
    return _MD_SPECIAL_RE.sub(r"\\\1", clean_line(text, TEXT_CHARS))


def md_url(url: Any) -> str:
    """A URL for a Markdown ``<autolink>`` or ``(link)``: one token, no angle brackets,
    parentheses or spaces left to end it early."""
    return (
        clean_url(url)
        .replace("<", "%3C")
        .replace(">", "%3E")
        .replace("(", "%28")
        .replace(")", "%29")
    )
