"""The app's first frame is on the terminal: start-up work kept off it can run now.

Textual sends the app ``events.Ready`` once the DOM is ready and the first frame is
displayed. The app forwards it to its screens as :class:`FirstFrame`, so a screen can keep
work that its first frame does not need (Home's cost estimate imports the cost model,
~100 ms) until the user already sees the screen. ``call_after_refresh`` is no substitute at
start-up: while the app batches its first mount, those callbacks run before any frame.
"""

from __future__ import annotations

from textual.message import Message


class FirstFrame(Message, bubble=False):
    """Posted to each screen in the stack when the app's first frame is displayed."""
