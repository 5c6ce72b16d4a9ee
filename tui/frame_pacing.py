"""A key's frame is painted on the loop's next turn, also while the screen streams.

Textual paints a screen from one ``Timer`` per screen (``Screen._update_timer``): the screen
resumes it when something is dirty and pauses it when it paints. The timer ticks on a grid
of its period, and after a paint it skips to the grid point after the next one, so a paint
that is due waits one to two periods on a loop that has nothing else to do. While panes
stream (a paint every ~50 ms), the frame of a key pressed just after a paint waited for
that slot: the median j/k took 6.9 ms to show while streaming against 2.3 ms idle, and in
the slowest keys the loop sat idle for 4-8 ms between the list moving and its frame
(``python -m bench live``, issue 15; traced per key with loop-handle timings).

:class:`FramePacer` takes the timer's place, with the two kinds of paint told apart:

- **after input** (a key, a click, a wheel turn the app received within
  :data:`INPUT_WINDOW_S`): the paint runs on the loop's next turn, whenever it is due.
  That window covers a key's way through the app, the focused widget, the screen and back;
- **otherwise** (streamed text, a spinner): at most every :data:`PACE_S`, counted from the
  start of the last paint, so the parts of one live refresh still share a frame.

Measured on the same box, medians of 5 runs (``python -m bench live``): keypress p50 while
streaming 6.9 → 2.0 ms (now the same as idle), p95 13.0 → 9.0 ms. What is left of the p95
is a key that arrives while a streamed paint or refresh part already runs (3-5 ms each,
about 9% of the loop's time while streaming), or a full collection (see ``tui.heap``).

A pacer that painted *every* due paint on the next turn once ``1/240 s`` had passed was
tried before this one: it halved the median but raised the p95 (9.5 ms to 12-15 ms),
because the parts of a live refresh then painted one by one, ahead of keys.

Relies on Textual's private ``Screen._update_timer`` (a property over a private attribute,
called by ``_on_idle``, ``_on_timer_update`` and ``_refresh_layout``, which use only
``resume`` and ``pause``); Textual is pinned below 9, and
``test_the_first_key_enables_follow_in_place_and_frames_are_paced``
(``tests/tui/test_tui_research.py``) fails if the pacer stops being what the screen uses.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual import events

PACE_S = 1 / 60
"""The shortest time between two paints that no input asked for (Textual's own rate)."""

INPUT_WINDOW_S = 0.03
"""How long after the app received input a due paint runs at once: a key takes about a
millisecond to reach the widget that moves, longer when a paint or refresh is under way."""

PROMPT_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
"""Input whose answer the user waits to see (mouse moves are not: they come in floods)."""


class InputClock:
    """When the app last received input the user waits to see answered (the app's
    ``on_event`` calls :meth:`saw`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.last_input_at = float("-inf")

    def saw(self, event: events.Event) -> None:
        if isinstance(event, PROMPT_INPUT) and not getattr(event, "is_forwarded", False):
            self.last_input_at = self._clock()

    def recent(self) -> bool:
        return self._clock() - self.last_input_at < INPUT_WINDOW_S


class FramePacer:
    """Stands in for a screen's update timer: ``resume`` when a paint is due, ``pause``
    when the screen painted (or no longer needs to).

    ``paint`` is the screen's ``_on_timer_update``; ``urgent`` says whether input is
    waiting for its frame; ``schedule(delay, callback)`` returns a handle with ``cancel``
    (the running loop's ``call_soon``/``call_later``; tests pass their own).
    """

    def __init__(
        self,
        paint: Callable[[], None],
        *,
        urgent: Callable[[], bool],
        on_error: Callable[[Exception], None],
        schedule: Callable[[float, Callable[[], None]], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._paint = paint
        self._urgent = urgent
        self._on_error = on_error
        self._schedule = schedule or _loop_schedule
        self._clock = clock
        self._pending: Any = None
        self._pending_urgent = False
        self._painted_at = float("-inf")
        self.closed = False

    def resume(self) -> None:
        """A paint is due: on the next turn after input, else once ``PACE_S`` has passed."""
        if self.closed:
            return
        urgent = self._urgent()
        if self._pending is not None:
            if not urgent or self._pending_urgent:
                return
            self._pending.cancel()  # input came: the paint waiting for its slot goes now
        delay = 0.0 if urgent else max(0.0, self._painted_at + PACE_S - self._clock())
        self._pending_urgent = urgent
        self._pending = self._schedule(delay, self._tick)

    def pause(self) -> None:
        """Nothing is due any more (the screen painted, or laid everything out)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def close(self) -> None:
        """The screen is gone: never paint for it again."""
        self.closed = True
        self.pause()

    def _tick(self) -> None:
        self._pending = None
        if self.closed:
            return
        self._painted_at = self._clock()
        try:
            self._paint()
        except Exception as error:  # what Textual's timer does with a failed tick
            self._on_error(error)


def _loop_schedule(delay: float, callback: Callable[[], None]) -> asyncio.Handle:
    loop = asyncio.get_running_loop()
    return loop.call_later(delay, callback) if delay > 0 else loop.call_soon(callback)


class QuickFrames:
    """Mix into a ``Screen`` subclass (before ``Screen``): its paints are paced by a
    :class:`FramePacer` instead of Textual's update timer. The app must have an
    ``input_clock`` (:class:`InputClock`); without one, every paint is paced."""

    _frame_pacer: FramePacer | None = None

    @property
    def _update_timer(self) -> FramePacer:
        pacer = self._frame_pacer
        if pacer is None:
            screen: Any = self
            clock: InputClock | None = getattr(screen.app, "input_clock", None)
            pacer = self._frame_pacer = FramePacer(
                self._paced_paint,
                urgent=clock.recent if clock is not None else lambda: False,
                on_error=screen.app._handle_exception,
            )
        return pacer

    def _paced_paint(self) -> None:
        screen: Any = self
        if screen.is_attached and not screen.app._exit:
            screen._on_timer_update()

    def _on_unmount(self, _: events.Unmount) -> None:
        """Textual calls the handler of each class in the MRO: no ``super()`` here."""
        if self._frame_pacer is not None:
            self._frame_pacer.close()
