"""``sessions list``'s lines (``listing_lines``): the layout a borderless Rich table gave,
built without one (a Rich table of 200 researches was a third of the command's time)."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tui.cli.sessions_cmd import LIST_COLUMNS, listing_lines

ROWS = [
    (
        "20261101-120000-ab12",
        "Heat pumps in cold climates: what the field trials say",
        "done",
        "3/3",
        "12",
        "$0.083",
        "11-01",
    ),
    ("20261102-120000-cd34", "[b]as typed[/b]", "failed", "1/3", "0", "~$0.004", "11-02"),
]


def _rich_table(width: int, narrow: bool) -> list[str]:
    """The same listing through Rich's ``Table``, as ``sessions list`` printed it before."""
    console = Console(width=width, record=True, file=io.StringIO())
    table = Table(box=None, expand=True, collapse_padding=narrow, pad_edge=not narrow)
    for index, name in enumerate(LIST_COLUMNS):
        if name == "topic":
            table.add_column(name, overflow="ellipsis", no_wrap=True, ratio=1, min_width=12)
            continue
        cells = [name, *(row[index] for row in ROWS)]
        widest = max(map(cell_len, cells))
        table.add_column(
            name,
            no_wrap=True,
            justify="right" if name == "cost" else "left",
            width=max(widest, 20) if name == "id" else widest,
        )
    for row in ROWS:
        table.add_row(*map(Text, row))
    console.print(table)
    return console.export_text().splitlines()


@pytest.mark.parametrize(("width", "narrow"), [(120, False), (100, False), (80, True)])
def test_the_lines_match_a_borderless_rich_table(width: int, narrow: bool) -> None:
    lines = listing_lines(list(LIST_COLUMNS), ROWS, width, narrow=narrow)
    assert [line.plain for line in lines] == _rich_table(width, narrow)
    assert all(cell_len(line.plain) == width for line in lines)


def test_a_long_topic_ends_in_an_ellipsis_and_markup_stays_text() -> None:
    header, first, second = listing_lines(list(LIST_COLUMNS), ROWS, 80, narrow=True)
    assert "Heat pumps in cold" in first.plain and "…" in first.plain
    assert "the field trials say" not in first.plain
    assert "[b]as typed[/b]" in second.plain
    assert str(header.style) == "bold" and not str(first.style) and not first.spans
    assert first.plain.split()[-2] == "$0.083" and second.plain.split()[-2] == "~$0.004"
