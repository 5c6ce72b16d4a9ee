"""The run gate: where a research may be paused, resumed or stopped between steps.

``pause``, ``unpause`` and ``stop`` may be called from any thread (the TUI's UI thread); the
gate itself is an ``asyncio.Event`` on the engine's own loop, changed there via
``call_soon_threadsafe``. A step under way always finishes: the gate is only looked at in
``checkpoint``, between steps.

``held`` is a thread-safe signal that is set while work waits at the gate and nothing is in
flight any more (every search or model call started before the pause has come back), and
cleared when it goes on, so a caller (a test, a UI) can wait for "the research is really
holding now" instead of sleeping and hoping nothing happens meanwhile. ``on_hold(True)``
/ ``on_hold(False)`` is called on the engine's loop at the same moments: the engine turns
them into events, so the UI can show "paused" (not "pausing") and the clock stops.

Work in flight is counted with ``in_flight()``; a retry inside it waits at the gate too
(``retry_sleep``), so after a pause no new request starts, not even a retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable

from core.research.outcomes import Stopped


class RunGate:
    def __init__(self) -> None:
        self._paused = False
        self._open: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = threading.Event()
        self._interrupted = threading.Event()
        self._waiting = 0
        self._busy = 0
        self.held = threading.Event()
        """Set while a step waits at the closed gate and nothing is in flight."""
        self.on_hold: Callable[[bool], None] | None = None
        """Called (on the loop) when ``held`` is set (True) and cleared (False)."""

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def pause(self) -> None:
        """Hold before the next step (the call under way finishes)."""
        self._paused = True
        self._on_loop(lambda gate: gate.clear())

    def unpause(self) -> None:
        self._paused = False
        self._on_loop(lambda gate: gate.set())

    def stop(self) -> None:
        """Finish the call under way, then let the loop write a (partial) report."""
        self._stop.set()
        self.unpause()

    def interrupt(self) -> None:
        """Ctrl+C or SIGTERM: the next checkpoint cancels the research even if the
        cancellation delivered to the task under way was swallowed by a library on its way
        up (so a signal can never be lost and the run carry on to "done")."""
        self._interrupted.set()
        self.unpause()

    def clear_stop(self) -> None:
        """The report is being written: a stop has been honoured, it must not end that too."""
        self._stop.clear()

    def bind(self) -> None:
        """Bind the gate to the running loop (at the start of every run or resume)."""
        self._loop = asyncio.get_running_loop()
        self._open = asyncio.Event()
        if not self._paused:
            self._open.set()

    @property
    def finishing(self) -> int:
        """How many searches or model calls started before the pause are still under way."""
        return self._busy

    async def checkpoint(self, *, allow_stop: bool = True) -> None:
        """Wait while paused; raise ``Stopped`` if a stop was asked for (and is allowed here)."""
        gate = self._open
        if gate is not None and not gate.is_set():
            self._waiting += 1
            self._update_held()
            try:
                await gate.wait()
            finally:
                self._waiting -= 1
                self._update_held()
        if self._interrupted.is_set():
            raise asyncio.CancelledError("interrupted")
        if allow_stop and self._stop.is_set():
            raise Stopped

    @contextlib.asynccontextmanager
    async def in_flight(self) -> AsyncIterator[None]:
        """A search or model call under way: the research is not held until it is back."""
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1
            self._update_held()

    async def retry_sleep(self, seconds: float) -> None:
        """The wait before a retry, then the gate: a pause holds the retry too (it would be
        a new request), without counting it as in flight while it waits."""
        await asyncio.sleep(seconds)
        gate = self._open
        if gate is None or gate.is_set():
            return
        inside = self._busy > 0  # always, from call sites wrapped in ``in_flight``
        self._busy -= inside
        try:
            await self.checkpoint(allow_stop=False)
        finally:
            self._busy += inside

    def _update_held(self) -> None:
        gate = self._open
        closed = gate is not None and not gate.is_set()
        holding = closed and self._waiting > 0 and self._busy == 0
        if holding == self.held.is_set():
            return
        if not holding:
            self.held.clear()
        if self.on_hold is not None:  # on record before anyone waiting on ``held`` looks
            self.on_hold(holding)
        if holding:
            self.held.set()

    def _on_loop(self, change: Callable[[asyncio.Event], None]) -> None:
        """Change the gate on the engine's loop, whichever thread asks."""
        gate, loop = self._open, self._loop
        if gate is None or loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nothing to hold
            loop.call_soon_threadsafe(change, gate)
