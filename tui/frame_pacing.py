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
streaming 6.9 → 2.0 ms (now the same as idle), p95 13.0 → 10.0 ms. What was left of the p95
was a key that arrived while a streamed paint already ran (3-5 ms each, about 9% of the
loop's time while streaming), or whose frame carried the streamed panes as well. Two more
rules take those out:

- a paint no input asked for **waits while a key is on its way** from the driver or
  queued for the app or the focused widget's chain, **or was handled but not answered by a
  frame yet** (re-checked every :data:`HOLD_CHECK_S`, for at most :data:`HOLD_CAP_S`): the
  key goes first, and its frame then carries the streamed text too. A paint after input
  that would carry only the streamed panes waits the same way: the moved list's refresh is
  a hop or two behind;
- a paint after input **leaves the streamed panes for the next turn** (widgets whose class
  sets ``paints_after_input``): the key's frame costs what the moved list costs
  (about 0.6 ms), not what a pane full of Markdown costs (3-8 ms).

A pacer that painted *every* due paint on the next turn once ``1/240 s`` had passed was
tried before this one: it halved the median but raised the p95 (9.5 ms to 12-15 ms),
because the parts of a live refresh then painted one by one, ahead of keys.

Relies on Textual's private ``Screen._update_timer`` (a property over a private attribute,
called by ``_on_idle``, ``_on_timer_update`` and ``_refresh_layout``, which use only
``resume`` and ``pause``); Textual is pinned below 9, and
``test_the_first_key_enables_follow_in_place_and_frames_are_paced``
(``tests/tui/test_tui_research.py``) fails if the pacer stops being what the screen uses.
The app overrides Textual's private ``App._build_driver`` to note input as the driver sends
it (``InputClock.arrived``); ``test_a_key_on_its_way_from_the_driver_holds_a_streamed_paint``
fails if the note stops coming.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.message import Message

PACE_S = 1 / 60
"""The shortest time between two paints that no input asked for (Textual's own rate)."""

INPUT_WINDOW_S = 0.03
"""How long after the app received input a due paint runs at once: a key takes about a
millisecond to reach the widget that moves, longer when a paint or refresh is under way."""

HOLD_CHECK_S = 0.0005
"""How often a paint held for a queued key looks again (a key's binding runs in well under
a millisecond once the loop reaches it)."""

HOLD_CAP_S = 0.02
"""The longest a paint waits for queued keys: a held-down key's autorepeat must not stop the
panes from showing their text."""

PROMPT_INPUT = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
"""Input whose answer the user waits to see (mouse moves are not: they come in floods)."""


class InputClock:
    """When the app last received input the user waits to see answered (the app's
    ``on_event`` calls :meth:`saw`)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.last_input_at = float("-inf")
        self.answered_at = float("-inf")
        self.arrived_at = float("-inf")

    def saw(self, event: events.Event) -> None:
        if isinstance(event, PROMPT_INPUT) and not event.is_forwarded:
            self.last_input_at = self._clock()

    def arrived(self, message: Message) -> None:
        """The driver's input thread sends ``message`` to the app (any thread: one float is
        written, by that thread only)."""
        if isinstance(message, PROMPT_INPUT):
            self.arrived_at = self._clock()

    def in_flight(self) -> bool:
        """Input the driver sent that the app has not received yet.

        Textual's driver hands a key to the loop as a coroutine (``run_coroutine_threadsafe``):
        two turns of the loop pass before it is in the app's queue, where
        ``QuickFrames._key_queued`` sees it. A streamed paint due in those turns painted
        first, and the key waited 3-8 ms for it: the slowest keys of ``python -m bench
        live`` (traced per key, issue 15). Bounded by ``INPUT_WINDOW_S``, so input that
        never reaches the app cannot hold paints for longer.
        """
        arrived = self.arrived_at
        return arrived > self.last_input_at and self._clock() - arrived < INPUT_WINDOW_S

    def awaits_frame(self) -> bool:
        """Input on its way to the frame that answers it: still in flight from the driver,
        or received and not answered yet."""
        return self.in_flight() or self.unanswered()

    def recent(self, within: float = INPUT_WINDOW_S) -> bool:
        """Input came in the last ``within`` seconds."""
        return self._clock() - self.last_input_at < within

    def answered(self) -> None:
        """A frame that answers the input so far was painted."""
        self.answered_at = self._clock()

    def unanswered(self) -> bool:
        """Recent input that no frame answered yet: its widget's refresh is still on its
        way to the screen (a hop or two of messages after the key's handler ran)."""
        return self.recent() and self.last_input_at > self.answered_at


class FramePacer:
    """Stands in for a screen's update timer: ``resume`` when a paint is due, ``pause``
    when the screen painted (or no longer needs to).

    ``paint(after_input)`` paints the screen; ``urgent`` says whether input is waiting for
    its frame; ``hold(after_input)`` whether this paint should wait a moment for input on
    its way (a key queued that no handler has seen yet, or handled but not yet dirty);
    ``schedule(delay, callback)`` returns a handle with ``cancel`` (the running loop's
    ``call_soon``/``call_later``; tests pass their own).
    """

    def __init__(
        self,
        paint: Callable[[bool], None],
        *,
        urgent: Callable[[], bool],
        on_error: Callable[[Exception], None],
        hold: Callable[[bool], bool] = lambda after_input: False,
        schedule: Callable[[float, Callable[[], None]], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._paint = paint
        self._urgent = urgent
        self._hold = hold
        self._on_error = on_error
        self._schedule = schedule or _loop_schedule
        self._clock = clock
        self._pending: Any = None
        self._pending_urgent = False
        self._painted_at = float("-inf")
        self._held_since: float | None = None
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
        after_input = self._pending_urgent
        now = self._clock()
        if self._hold(after_input):
            if self._held_since is None:
                self._held_since = now
            if now - self._held_since < HOLD_CAP_S:
                self._pending = self._schedule(HOLD_CHECK_S, self._tick)
                return
        self._held_since = None
        self._painted_at = now
        try:
            self._paint(after_input)
        except Exception as error:  # what Textual's timer does with a failed tick
            self._on_error(error)


def _loop_schedule(delay: float, callback: Callable[[], None]) -> asyncio.Handle:
    loop = asyncio.get_running_loop()
    return loop.call_later(delay, callback) if delay > 0 else loop.call_soon(callback)


class QuickFrames:
    """Mix into a ``Screen`` subclass (before ``Screen``): its paints are paced by a
    :class:`FramePacer` instead of Textual's update timer. The app must have an
    ``input_clock`` (:class:`InputClock`); without one, every paint is paced.

    A widget class that sets ``paints_after_input = True`` (the streamed panes and their
    scrollbars) is left out of a paint that input asked for, when other widgets are dirty
    too, and painted on the next turn: the key's frame reaches the terminal first.
    """

    _frame_pacer: FramePacer | None = None

    @property
    def _update_timer(self) -> FramePacer:
        pacer = self._frame_pacer
        if pacer is None:
            screen: Any = self
            clock = self._input_clock
            pacer = self._frame_pacer = FramePacer(
                self._paced_paint,
                urgent=clock.recent if clock is not None else lambda: False,
                hold=self._hold_paint,
                on_error=screen.app._handle_exception,
            )
        return pacer

    def _paced_paint(self, after_input: bool) -> None:
        screen: Any = self
        if not screen.is_attached or screen.app._exit:
            return
        held = self._painted_next_turn() if after_input else set()
        screen._dirty_widgets.difference_update(held)
        answers = (
            after_input
            and screen.is_current
            and not screen.app._batch_count  # else Textual paints nothing now
            and not self._streamed_only()
        )
        screen._on_timer_update()
        if answers and (clock := self._input_clock) is not None:
            clock.answered()
        if held:
            screen._dirty_widgets.update(held)
            screen._update_timer.resume()

    def _painted_next_turn(self) -> set[Any]:
        """The dirty widgets that may wait one turn: none when the paint lays out, scrolls
        or repaints the whole screen (Textual then paints everything at once anyway), and
        none when they are all that is dirty."""
        screen: Any = self
        if (
            not screen.is_current
            or screen.app._batch_count
            or screen._layout_required
            or screen._scroll_required
            or screen._repaint_required
        ):
            return set()
        dirty = screen._dirty_widgets
        held = {widget for widget in dirty if getattr(widget, "paints_after_input", False)}
        return held if len(held) < len(dirty) else set()

    @property
    def _input_clock(self) -> InputClock | None:
        screen: Any = self
        return getattr(screen.app, "input_clock", None)

    def _hold_paint(self, after_input: bool) -> bool:
        """Whether a due paint waits a moment (``FramePacer``) for input on its way.

        A paint no input asked for waits while a key is on its way (from the driver, or
        queued for the app or the focused widget's chain), and while a key was
        handled but no frame answered it yet: the list's refresh reaches the screen a hop
        or two after the key's binding ran, and a streamed pane painted in between made the
        key's frame wait 5-12 ms (``python -m bench live``, traced per key). A paint after
        input waits only in that second case, when all it would carry is streamed panes."""
        clock = self._input_clock
        if not after_input:
            return (clock is not None and clock.awaits_frame()) or self._key_queued()
        return clock is not None and clock.unanswered() and self._streamed_only()

    def _streamed_only(self) -> bool:
        """Whether the next paint would carry only streamed panes (``paints_after_input``):
        no layout, scroll or full repaint due, and nothing else dirty."""
        screen: Any = self
        if screen._layout_required or screen._scroll_required or screen._repaint_required:
            return False
        return all(getattr(w, "paints_after_input", False) for w in screen._dirty_widgets)

    def _key_queued(self) -> bool:
        """Whether a key waits in the queue of the app or of the focused widget's chain
        (Textual's message queues keep their messages in ``values``)."""
        screen: Any = self
        app = screen.app
        pumps: list[Any] = [app]
        node = app.focused or screen
        while node is not None and node is not app:
            pumps.append(node)
            node = node._parent
        return any(
            isinstance(message, events.Key)
            for pump in pumps
            for message in pump._message_queue.values
        )

    def _on_unmount(self, _: events.Unmount) -> None:
        """Textual calls the handler of each class in the MRO: no ``super()`` here."""
        if self._frame_pacer is not None:
            self._frame_pacer.close()
