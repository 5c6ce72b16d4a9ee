"""The filter field above a list: ↓ goes on to the rows it left, as in a picker.

Home's saved researches and the source list each have one. Enter already moved to the
list (their ``Input.Submitted`` handlers); ↓ does the same, so the hand on the arrows
does not have to find Enter first.
"""

from __future__ import annotations

from textual.binding import Binding

from tui.widgets.in_order_input import InOrderInput


class FilterInput(InOrderInput):
    """A filter field whose ↓ submits it: its owner moves the focus to the rows."""

    BINDINGS = [Binding("down", "submit", "To the list", show=False)]
