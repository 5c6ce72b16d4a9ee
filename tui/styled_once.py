"""A screen pushed for the first time is styled once, when its widgets mount.

Textual styles each widget as it mounts, and then, when the pushed screen's
``ScreenResume`` arrives (after its first compose), styles every node of the screen again
(``Screen._on_screen_resume`` with ``refresh_styles``): what a screen that comes back from
under another needs (the theme may have changed meanwhile), but on a fresh screen the same
rules give the same styles. On Home that second pass was 29 nodes, ~17 ms of a ~340 ms
start-up (issue 15: Home's first frame against a bare Textual app). Focus and class
changes still restyle the nodes they touch, and every later resume refreshes as Textual
does.
"""

from __future__ import annotations

from textual import events


class StyledOnce:
    """Mix into a ``Screen`` subclass (before ``Screen``): its first resume does not
    restyle the nodes its mount just styled."""

    _resumed_before = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Runs before ``Screen._on_screen_resume`` (Textual calls the handler of each
        class in the MRO, most derived first): no ``super()`` here."""
        if not self._resumed_before:
            self._resumed_before = True
            event.refresh_styles = False
