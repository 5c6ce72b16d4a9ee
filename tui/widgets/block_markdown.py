"""Rich's ``Markdown`` for one block of a streamed pane, without building a parser each time.

``rich.markdown.Markdown.__init__`` builds a new ``MarkdownIt`` parser for every document
(rule chains, and linkify's regular expressions compiled again). A pane renders its open
block again on every refresh while text streams, so that construction was 28% of the
panes' refresh time in ``python -m bench live`` (issue 15), more than the parse itself.
A ``MarkdownIt`` parser keeps no state between ``parse`` calls, so one serves every block.

:func:`block_markdown` returns a real ``rich.markdown.Markdown``: its attributes are Rich's
defaults (copied from one instance made the usual way, so an attribute a later Rich adds
comes along), with the markup parsed by the shared parser configured as Rich configures
its own. ``tests/tui/widgets/test_block_markdown.py`` compares the two renderings.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.markdown import Markdown


@cache
def _shared() -> tuple[Any, dict[str, Any]]:
    """The parser and Rich's default attributes (imported and built on first use: the
    first frame of a screen without Markdown does not pay for them)."""
    from markdown_it import MarkdownIt
    from rich.markdown import Markdown

    defaults = dict(Markdown("").__dict__)
    return MarkdownIt().enable("strikethrough").enable("table"), defaults


def block_markdown(markup: str) -> Markdown:
    """``Markdown(markup)`` as Rich would make it, parsed by the shared parser."""
    from rich.markdown import Markdown

    parser, defaults = _shared()
    document = Markdown.__new__(Markdown)
    document.__dict__.update(defaults)
    document.markup = markup
    document.parsed = parser.parse(markup)
    return document
