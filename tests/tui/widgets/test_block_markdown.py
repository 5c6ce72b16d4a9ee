"""``block_markdown`` renders exactly as Rich's own ``Markdown`` (one shared parser)."""

from __future__ import annotations

from rich.console import Console
from rich.markdown import Markdown

from tui.widgets.block_markdown import block_markdown

DOCUMENT = """## Round 2: *what the sources say*

1. **Cold-climate** heat pumps keep `COP > 2` at -15 °C [1].
2. ~~Old claim~~ replaced; see <https://example.org/a> and [a link](https://example.com/b).

| figure | value |
|---|---|
| COP at -15 °C | 2.1 |

- one
  - nested

> A quote.

```python
print("code")
```
"""


def rendered(document: Markdown) -> list[list[tuple[str, object]]]:
    console = Console(width=60, color_system="truecolor", force_terminal=True)
    lines = console.render_lines(document, console.options, pad=False)
    return [[(segment.text, segment.style) for segment in line] for line in lines]


def test_every_block_kind_renders_as_rich_renders_it() -> None:
    assert rendered(block_markdown(DOCUMENT)) == rendered(Markdown(DOCUMENT))
    for block in DOCUMENT.split("\n\n"):
        assert rendered(block_markdown(block)) == rendered(Markdown(block))


def test_the_parser_is_shared_and_documents_are_not() -> None:
    first, second = block_markdown("one"), block_markdown("two")
    assert first.markup == "one" and second.markup == "two"
    assert first.parsed != second.parsed
    assert isinstance(first, Markdown) and first.code_theme == Markdown("x").code_theme
