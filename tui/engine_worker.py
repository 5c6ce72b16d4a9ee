"""Glue between the engine's thread and the UI loop: the event pipe and the query-review bridge.

The engine runs in a Textual thread worker with its own asyncio loop and calls ``on_event``
from that thread. Nothing here touches a widget: events are queued and a message is posted
(``post_message`` is thread-safe), and the review dialog is pushed with ``call_from_thread``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
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
        app: App[Any],
        make_screen: Callable[[int, list[str]], Any],
        enabled: Callable[[], bool],
    ) -> None:
        self._app = app
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
            self._app.push_screen(self.screen, callback=resolve)

        try:
            self._app.call_from_thread(show)
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
