"""How a session status reads where room is short: whole words, never a cut-off "done with w".

The newer statuses ("done with warnings", "budget reached") are longer than the old ones the
narrow columns were sized for. Where the full text does not fit, a short form made of whole
words and a sign stands in ("done ⚠"); the full text stays in a detail line or a tooltip.
"""

from __future__ import annotations

from rich.cells import cell_len

SHORT_STATUS: dict[str, str] = {
    "done with warnings": "done ⚠",
    "budget reached": "budget hit",
}
"""Statuses with a short form (at most ``SHORT_WIDTH`` cells, the width of "interrupted").
Both researches reached their report: "done ⚠" with warnings, "budget hit" from fewer rounds
than planned because the budget ran out."""
SHORT_WIDTH = 11


def status_label(status: str, width: int) -> str:
    """``status`` in at most ``width`` cells: the full text if it fits, else its short form
    (or, for a status with none, the first whole words that fit)."""
    if cell_len(status) <= width:
        return status
    short = SHORT_STATUS.get(status)
    if short is not None and cell_len(short) <= width:
        return short
    words: list[str] = []
    for word in status.split():
        if cell_len(" ".join([*words, word])) > width:
            break
        words.append(word)
    return " ".join(words) or status[:width]


def is_abbreviated(status: str, width: int) -> bool:
    """The label shown in ``width`` cells is not the whole status (a tooltip should say it)."""
    return status_label(status, width) != status
