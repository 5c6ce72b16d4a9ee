"""A key's frame is painted within a few milliseconds, also while the screen streams.

Textual paints a screen from one timer per screen that ticks at most every 1/60 s
(``textual.constants.MAX_FPS``). Once the timer has ticked, the next paint waits for the
next tick, so while panes stream (a frame every few dozen milliseconds) the frame that shows
a key pressed just after a paint waited up to 16.7 ms for its slot: the median j/k took
9.1 ms to show while streaming against 2.9 ms idle, where the timer is at rest and ticks at
once (``python -m bench live``, issue 15).

:class:`QuickFrames` gives a screen its own update timer with a shorter period. The pace of
streamed text does not change (the research screen brings its panes up to date at most
``REFRESH_S`` apart); only a paint that is due no longer waits for the 60 Hz slot. Raising
``TEXTUAL_FPS`` instead would do the same for every screen and also run Textual's
animations (scrolling, toasts) four times as often.

A pacer that paints on the loop's next turn whenever the last paint began ``FRAME_S``
ago was tried (Textual's ``Timer`` resumed after a long pause skips ahead to the boundary
after the next one, so the frame after a streamed frame waits one to two periods): it
halved the median j/k while streaming (6.4 ms to 3.2 ms) but raised the 95th percentile
from about 9.5 ms to 12-15 ms, because paints then ran right after each streamed refresh,
ahead of the key's way through the app, screen and list. The 95th percentile is the
figure issue 15 sets, so the timer stays.

Textual keeps this timer in ``Screen._update_timer`` (a property over a private attribute,
called by ``_on_idle``, ``_on_timer_update`` and ``_refresh_layout``); Textual is pinned below
9, and ``test_the_first_key_enables_follow_in_place_and_frames_are_quick``
(``tests/tui/test_tui_research.py``) fails if the override stops being the timer used.
"""

from __future__ import annotations

from typing import Any

from textual.timer import Timer

FRAME_S = 1 / 240
"""The shortest time between two paints of a :class:`QuickFrames` screen."""


class QuickFrames:
    """Mix into a ``Screen`` subclass (before ``Screen``) to paint at most every
    :data:`FRAME_S` instead of every 1/60 s."""

    _quick_timer: Timer | None = None

    @property
    def _update_timer(self) -> Timer:
        timer = self._quick_timer
        if timer is None:
            screen: Any = self
            timer = self._quick_timer = screen.set_interval(
                FRAME_S, screen._on_timer_update, name="screen_update", pause=True
            )
        return timer
