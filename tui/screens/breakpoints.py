"""A screen's breakpoint classes set before its widgets are styled, not after its first frame.

Textual sets ``HORIZONTAL_BREAKPOINTS`` / ``VERTICAL_BREAKPOINTS`` classes when the screen
gets its first ``Resize``, which comes after the first paint: Home and a reopened research
were painted in the narrow layout, then restyled whole (every widget) and painted again in
the wide one. The app's size is known when the screen composes, so the classes can be right
from the start; Textual's own update at the first ``Resize`` then changes nothing.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


def _chosen(breakpoints: list[tuple[int, str]], dimension: int) -> dict[str, bool]:
    """Each class of ``breakpoints`` mapped to whether it applies (Textual's rule: the
    largest threshold at or below ``dimension``)."""
    classes = {name: False for _, name in breakpoints}
    for threshold, name in sorted(breakpoints, reverse=True):
        if dimension >= threshold:
            classes[name] = True
            break
    return classes


def breakpoint_classes(screen: Screen[Any], width: int, height: int) -> dict[str, bool]:
    """Each breakpoint class of ``screen`` mapped to whether it applies at this size."""
    app = screen.app
    horizontal = (
        app.HORIZONTAL_BREAKPOINTS
        if screen.HORIZONTAL_BREAKPOINTS is None
        else screen.HORIZONTAL_BREAKPOINTS
    ) or []
    vertical = (
        app.VERTICAL_BREAKPOINTS
        if screen.VERTICAL_BREAKPOINTS is None
        else screen.VERTICAL_BREAKPOINTS
    ) or []
    return {**_chosen(horizontal, width), **_chosen(vertical, height)}


def apply_breakpoints(screen: Screen[Any]) -> None:
    """Give ``screen`` the breakpoint classes of the app's current size (call in compose)."""
    width, height = screen.app.size
    screen.update_classes(breakpoint_classes(screen, width, height), update=False)
