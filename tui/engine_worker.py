"""Glue between the engine's thread and the UI loop: the runner, the event pipe and the
query-review bridge.

The engine runs in a Textual thread worker with its own asyncio loop and calls ``on_event``
from that thread. Nothing here touches a widget: events are queued and a message is posted
(``post_message`` is thread-safe), and the review dialog is pushed with ``call_from_thread``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable
from typing import Any, Protocol

from textual.app import App
from textual.message import Message

from core.events import Event
from tui.messages import EventsReady


class EngineLike(Protocol):
    """What the UI needs from ``core.research.ResearchEngine`` (tests inject fakes like it)."""

    paused: bool
    session_id: str | None

    async def run(self, topic: str, options: Any = None) -> Any: ...
    async def resume(self, session_id: str) -> Any: ...
    def pause(self) -> None: ...
    def unpause(self) -> None: ...
    def stop(self) -> None: ...


EngineFactory = Callable[..., EngineLike]
"""``factory(config, *, on_event, review_queries, store) -> engine``."""


def default_engine_factory(config: Any, **kwargs: Any) -> EngineLike:
    """The real engine, imported only when a research starts (keeps start-up fast)."""
    from core.research import ResearchEngine

    return ResearchEngine(config, **kwargs)


class EventPipe:
    """Thread-safe queue of engine events with one pending wake-up message at a time.

    Why not one message per event: a fast stream would queue thousands of messages and the
    UI would lag behind the engine; here the UI always takes everything that has arrived.
    """

    def __init__(self, post: Callable[[Message], bool]) -> None:
        self._post = post
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._signalled = False

    def __call__(self, event: Event) -> None:
        """Called by the engine (any thread) with every stamped event."""
        with self._lock:
            self._events.append(event)
            if self._signalled:
                return
            self._signalled = True
        self._post(EventsReady())

    def drain(self) -> list[Event]:
        """Everything queued so far (UI loop)."""
        with self._lock:
            events, self._events = self._events, []
            self._signalled = False
        return events


class QueryReviewBridge:
    """The engine's ``review_queries`` callback: shows an edit dialog and awaits the answer.

    Called in the engine's thread/loop. ``enabled`` is read each round, so toggling the
    option in the UI takes effect at the next round. ``cancel`` resolves a pending review
    with the planned queries (used when the research is stopped while the dialog is open).
    """

    def __init__(
        self,
        app: Callable[[], App[Any]],
        make_screen: Callable[[int, list[str]], Any],
        enabled: Callable[[], bool],
    ) -> None:
        self._app = app
        """The app, looked up when a review is due (the screen is not mounted yet when the
        bridge is built)."""
        self._make_screen = make_screen
        self._enabled = enabled
        self._pending: concurrent.futures.Future[list[str] | None] | None = None
        self.screen: Any = None

    async def __call__(self, round_number: int, queries: list[str]) -> list[str]:
        if not self._enabled():
            return queries
        future: concurrent.futures.Future[list[str] | None] = concurrent.futures.Future()
        self._pending = future

        def resolve(result: list[str] | None) -> None:
            if not future.done():
                future.set_result(result)

        def show() -> None:
            self.screen = self._make_screen(round_number, list(queries))
            self._app().push_screen(self.screen, callback=resolve)

        try:
            self._app().call_from_thread(show)
        except RuntimeError:  # the app is closing: run what was planned
            return queries
        result = await asyncio.wrap_future(future)
        self._pending = None
        self.screen = None
        return queries if result is None else result

    def cancel(self) -> None:
        """UI loop: close an open review dialog, keeping the planned queries."""
        screen = self.screen
        if screen is not None and screen.is_attached:
            screen.dismiss(None)
        if self._pending is not None and not self._pending.done():
            self._pending.set_result(None)


class EngineRunner:
    """One research's engine on its own thread and asyncio loop, and the UI's handle on it.

    Why the engine gets its own loop: it awaits model streams, search calls and graph
    writes, and fsyncs every event; on Textual's loop each of those would hold up keys and
    frames, and a slow callback in the engine would freeze the screen. On a thread of its
    own with ``asyncio.run`` the engine keeps its own timing (rate limits, retries) whatever
    the UI does, and the UI reaches it only through thread-safe calls: ``pause``,
    ``unpause`` and ``stop`` set flags the engine checks between steps; ``interrupt``
    cancels its task with ``call_soon_threadsafe`` (the engine saves "interrupted").

    :meth:`run` is what the screen's thread worker calls; it returns the engine's outcome
    (or raises what the engine raised, which the worker reports).
    """

    def __init__(
        self,
        factory: EngineFactory,
        config: Any,
        *,
        on_event: Callable[[Event], None],
        review_queries: QueryReviewBridge,
        get_store: Callable[[], Any],
    ) -> None:
        self._factory = factory
        self._config = config
        self._on_event = on_event
        self._review = review_queries
        self._get_store = get_store
        self.engine: EngineLike | None = None
        """The engine of the latest run (kept after it ends: its session id, its state)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None

    def run(
        self,
        mode: str,
        argument: str,
        options: Any = None,
        *,
        extra_rounds: int = 0,
        focus: str = "",
    ) -> Any:
        """Worker thread: build the engine and run it to its outcome on a new loop.

        ``mode`` "run" starts topic ``argument``; "resume" continues session ``argument``.
        ``extra_rounds`` (with "resume") is "dig deeper": that many more rounds on a
        finished research, focused on ``focus``; without it the engine is called as before,
        so engines that know only ``resume(session_id)`` still work.
        """
        kwargs: dict[str, Any] = {"on_event": self._on_event, "review_queries": self._review}
        try:
            store = self._get_store()
        except Exception:  # the engine reports the graph problem itself
            store = None
        if store is not None:
            kwargs["store"] = store
        engine = self.engine = self._factory(self._config, **kwargs)

        async def main() -> Any:
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.current_task()
            if mode == "resume" and extra_rounds:
                return await engine.resume(argument, extra_rounds=extra_rounds, focus=focus)
            if mode == "resume":
                return await engine.resume(argument)
            return await engine.run(argument, options)

        try:
            return asyncio.run(main())
        finally:
            self._loop = None
            self._task = None

    @property
    def paused(self) -> bool:
        return self.engine is not None and self.engine.paused

    def pause(self) -> None:
        if self.engine is not None:
            self.engine.pause()

    def unpause(self) -> None:
        if self.engine is not None:
            self.engine.unpause()

    def stop(self) -> None:
        """Finish the call under way, save, write a partial report (the engine decides)."""
        self._review.cancel()
        if self.engine is not None:
            self.engine.stop()

    def interrupt(self) -> None:
        """Cancel the engine's task from any thread (it saves the session "interrupted")."""
        self._review.cancel()
        loop, task = self._loop, self._task
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(task.cancel)
