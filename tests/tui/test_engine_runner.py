"""The engine runner: its own thread and loop, thread-safe controls, the outcome."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from tui.engine_worker import EngineRunner, QueryReviewBridge


class WaitingEngine:
    """Runs until cancelled; records how it was built and controlled."""

    def __init__(self, config: Any, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.paused = False
        self.session_id: str | None = None
        self.started = threading.Event()
        self.stopped = False

    async def run(self, topic: str, options: Any = None) -> str:
        self.started.set()
        await asyncio.Event().wait()
        return "never"

    async def resume(self, session_id: str) -> str:
        return f"resumed {session_id}"

    def pause(self) -> None:
        self.paused = True

    def unpause(self) -> None:
        self.paused = False

    def stop(self) -> None:
        self.stopped = True


def runner(store: object = None) -> EngineRunner:
    review = QueryReviewBridge(lambda: None, lambda n, q: None, lambda: False)  # type: ignore[arg-type, return-value]
    return EngineRunner(
        WaitingEngine,
        object(),
        on_event=lambda e: None,
        review_queries=review,
        get_store=lambda: store,
    )


def test_resume_returns_the_engines_outcome_and_hands_it_the_store() -> None:
    r = runner(store="the store")
    assert r.run("resume", "s1") == "resumed s1"
    assert isinstance(r.engine, WaitingEngine) and r.engine.kwargs["store"] == "the store"


def test_interrupt_cancels_the_run_from_another_thread_and_controls_reach_the_engine() -> None:
    r = runner()
    outcome: list[BaseException] = []

    def work() -> None:
        try:
            r.run("run", "topic")
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.monotonic() + 5
    while r.engine is None and time.monotonic() < deadline:  # built first thing in the thread
        time.sleep(0.001)
    engine = r.engine
    assert isinstance(engine, WaitingEngine) and engine.started.wait(5)
    r.pause()
    assert r.paused and engine.paused
    r.unpause()
    r.stop()
    assert not r.paused and engine.stopped and "store" not in engine.kwargs
    r.interrupt()
    thread.join(5)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], asyncio.CancelledError)
    r.interrupt()  # after the run: nothing to cancel, no error


def test_a_store_that_cannot_open_is_left_to_the_engine() -> None:
    def broken() -> object:
        raise RuntimeError("graph down")

    review = QueryReviewBridge(lambda: None, lambda n, q: None, lambda: False)  # type: ignore[arg-type, return-value]
    r = EngineRunner(
        WaitingEngine, object(), on_event=lambda e: None, review_queries=review, get_store=broken
    )
    assert r.run("resume", "s2") == "resumed s2"
    assert r.engine is not None and "store" not in r.engine.kwargs  # type: ignore[attr-defined]
    assert not r.paused
