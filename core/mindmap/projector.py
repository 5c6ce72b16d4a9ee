"""Writes a research's events into the mind map on one background thread, in order.

Why a thread of its own: a store write is blocking I/O (LadybugDB on disk; Neo4j over the
network, where a slow server or a half-open connection can take seconds or longer). Run on
the engine's event loop, it would freeze streaming, countdowns, pause, stop and interrupt.
One thread keeps the events' order, which the projection needs (a session before its steps).
The engine waits for the queue to empty only where it needs the graph to be current (before
reading a round's context, before reporting what a round added, before the session ends),
and always with a timeout: a graph that stops answering is given up, never waited on.

A daemon thread rather than a ``ThreadPoolExecutor``: the executor's workers are joined at
interpreter exit, so one stuck network write would keep the whole process from exiting.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future

from core.events import Event
from core.mindmap.base import GraphDelta, MindMapStore

log = logging.getLogger(__name__)

_STOP = object()


class GraphProjector:
    """``submit`` events from the engine's loop; the writer thread ``apply``\\ s them."""

    def __init__(self, store: MindMapStore) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._nodes = 0
        self._edges = 0
        self.error: Exception | None = None
        """The first failed write; after it nothing more is written (rebuild restores it)."""
        self._thread = threading.Thread(target=self._run, name="mindmap-writer", daemon=True)
        self._thread.start()

    # --- engine side ---------------------------------------------------------------------

    def submit(self, event: Event) -> None:
        if self.error is None:
            self._queue.put(event)

    def take_delta(self) -> GraphDelta:
        """Nodes and relations added since the last call (what ``MindMapUpdated`` reports)."""
        with self._lock:
            delta = GraphDelta(self._nodes, self._edges)
            self._nodes = self._edges = 0
        return delta

    async def settled(self, timeout_s: float) -> bool:
        """Wait (without blocking the loop) until every submitted event is written.

        False when the writer did not get there in ``timeout_s`` seconds.
        """
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
            # arrives as the marker completes, and an interrupt must always get through.
            async with asyncio.timeout(timeout_s):
                await asyncio.wrap_future(self._marker())
        except TimeoutError:
            return False
        return True

    def settle(self, timeout_s: float) -> bool:
        """``settled`` for code that cannot await (the session's last moments)."""
        try:
            self._marker().result(timeout_s)
        except TimeoutError:
            return False
        return True

    def close(self, timeout_s: float) -> bool:
        """Write what is queued (up to ``timeout_s``), then end the thread."""
        done = self.settle(timeout_s)
        self._queue.put(_STOP)
        if done:
            self._thread.join(timeout_s)
        return done

    def _marker(self) -> Future[None]:
        marker: Future[None] = Future()
        if not self._thread.is_alive():
            marker.set_result(None)
        else:
            self._queue.put(marker)
        return marker

    # --- writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if isinstance(item, Future):
                if item.set_running_or_notify_cancel():  # False: its waiter gave up
                    item.set_result(None)
                continue
            if self.error is not None:
                continue  # drain without writing: the graph is given up for this run
            try:
                delta = self._store.apply(item)  # type: ignore[arg-type]
            except Exception as exc:  # reported by the engine at its next wait
                log.warning("mind map write failed: %s", exc)
                self.error = exc
                continue
            with self._lock:
                self._nodes += delta.nodes
                self._edges += delta.edges
