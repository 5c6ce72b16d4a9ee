"""The research's link to the mind map: open it, feed it events, wait for it, read from it.

The graph is a projection of the event log (``graph rebuild`` restores it), so it must never
stall or end a research: writes go through a ``GraphProjector`` on its own thread, every wait
is bounded by ``wait_s``, and the first failure or silence is said once, after which the
research goes on without a graph.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from core.config import Config
from core.events import Event, MindMapUpdated, WarningRaised
from core.mindmap.base import GraphDelta, MindMapStore
from core.mindmap.projector import GraphProjector

GRAPH_WAIT_S = 15.0
"""Longest wait for the mind map to catch up; past it the research goes on without it."""


class GraphLink:
    def __init__(self, store: MindMapStore | None, emit: Callable[[Event], Event]) -> None:
        self.store = store
        self._owned = store is None
        """True when the link opens the store itself (and so must close it)."""
        self._emit = emit
        self.failed = False
        self.projector: GraphProjector | None = None
        self.wait_s = GRAPH_WAIT_S
        self._pending: list[int] = []
        """Rounds whose synthesis the graph is still writing (their ``MindMapUpdated`` is due)."""
        self._catching: asyncio.Task[None] | None = None

    @property
    def usable(self) -> bool:
        return self.projector is not None and not self.failed

    async def open(self, config: Config) -> None:
        """Open the configured store (off the loop) unless one was given; then start feeding it."""
        if self.store is None:
            from core.research.providers import open_store

            try:
                self.store, warnings = await asyncio.to_thread(open_store, config)
            except Exception as exc:  # the research goes on without a graph
                self.failed = True
                self._emit(WarningRaised(message=f"Mind map unavailable: {exc}", kind="graph"))
                return
            for message in warnings:
                self._emit(WarningRaised(message=message, kind="graph"))
        if not self.failed:
            self.projector = GraphProjector(self.store)

    def submit(self, event: Event) -> None:
        if self.usable:
            assert self.projector is not None
            self.projector.submit(event)

    async def current(self) -> bool:
        """Wait (bounded, off the loop) until the mind map holds every event so far.

        False when there is no usable graph; a graph that failed or fell silent is said once.
        """
        if not self.usable:
            return False
        assert self.projector is not None
        return self.check(settled=await self.projector.settled(self.wait_s))

    def settle(self) -> None:
        """Blocking, but bounded: for the end of a research, to say now if the graph fell behind."""
        if self.usable:
            assert self.projector is not None
            self.check(settled=self.projector.settle(self.wait_s))

    def check(self, *, settled: bool) -> bool:
        assert self.projector is not None
        if self.projector.error is not None:
            problem = f"Mind map write failed ({self.projector.error})"
        elif not settled:
            problem = f"The mind map did not answer within {self.wait_s:g} s"
        else:
            return True
        self.failed = True
        self._emit(
            WarningRaised(
                message=f"{problem}; going on without it. "
                "`deepresearch-tui graph rebuild` restores it from the saved events.",
                kind="graph",
            )
        )
        return False

    def later(self, n: int) -> None:
        """Round ``n``'s synthesis is submitted: say what it added (``MindMapUpdated``) once
        the graph holds it, without waiting here. The write overlaps what comes next (the
        next round's reasoning when its context does not read the graph, the report); the
        next step that reads the graph waits for it first (``caught_up``)."""
        self._pending.append(n)
        if self._catching is None or self._catching.done():
            self._catching = asyncio.get_running_loop().create_task(self._catch_up())

    async def _catch_up(self) -> None:
        while self._pending:
            await self.current()
            self._say_pending()

    def _say_pending(self) -> None:
        """The pending rounds' ``MindMapUpdated``: what the graph gained goes to the last."""
        if not self._pending:
            return
        rounds, self._pending = self._pending, []
        delta = self.delta()
        for n in rounds[:-1]:
            self._emit(MindMapUpdated(round=n, nodes=0, edges=0))
        self._emit(MindMapUpdated(round=rounds[-1], nodes=delta.nodes, edges=delta.edges))

    async def caught_up(self) -> None:
        """Wait (bounded) until every pending round's write is in and said."""
        task = self._catching
        if task is not None and not task.done():
            await asyncio.shield(task)
        self._say_pending()

    def cancel_catch_up(self) -> None:
        """The research ends now (``settle`` already waited, bounded): say what is pending
        at once, so no ``MindMapUpdated`` follows the session's end."""
        task, self._catching = self._catching, None
        if task is not None and not task.done():
            task.cancel()
        self._say_pending()

    def delta(self) -> GraphDelta:
        """What the mind map gained since the last call (none without a graph)."""
        return self.projector.take_delta() if self.projector is not None else GraphDelta()

    async def context(self, topic: str, budget_chars: int) -> tuple[str, int]:
        """What the mind map knows, rendered for the prompt, and how many items that is.

        Waits until the graph holds every earlier event (and the last round's update is
        said); the round's delta starts here.
        """
        await self.caught_up()
        if self.store is None or not await self.current():
            return "", 0
        self.delta()
        try:
            context = await asyncio.to_thread(self.store.context, topic, budget_chars=budget_chars)
        except Exception as exc:
            self._emit(WarningRaised(message=f"Mind map context unavailable: {exc}", kind="graph"))
            return "", 0
        return context.render(budget_chars), context.items

    async def prior_evidence(self, topic: str) -> int:
        """How much earlier researches found on this topic (0 without a graph)."""
        if self.store is None or self.failed:
            return 0
        try:
            return await asyncio.to_thread(self.store.prior_evidence, topic)
        except Exception:
            return 0

    def stop_feeding(self) -> None:
        """Stop the projector thread (bounded); the store stays open for the next run."""
        if self._catching is not None and not self._catching.done():
            self._catching.cancel()
        self._catching = None
        if self.projector is not None:
            self.projector.close(self.wait_s)
            self.projector = None

    def close(self) -> None:
        self.stop_feeding()
        if self.store is not None and self._owned:
            self.store.close()
            self.store = None
