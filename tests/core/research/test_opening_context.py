"""Round 1's context is read while the run sets up, before the session's first event:
the mind map then holds only earlier researches, which is all round 1 can find in it, so
round 1 does not wait for this session's first graph write (issue 15). Later rounds still
read the graph once the previous round is in it. Real SDKs against the loopback fakes."""

from __future__ import annotations

import asyncio
import threading

from core.config import Config, load
from core.events import ContextBuilt, Event
from core.mindmap.base import GraphDelta, MindMapContext
from core.research import ResearchEngine, ResearchOptions
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.tavily_server import FakeTavily


class _RecordingGraph:
    """A mind map that notes, in order, each event it is given and each context read."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.log: list[str] = []

    def apply(self, event: Event) -> GraphDelta:
        with self.lock:
            self.log.append(type(event).__name__)
        return GraphDelta(nodes=1, edges=0)

    def context(self, topic: str, *, budget_chars: int = 3000) -> MindMapContext:
        with self.lock:
            self.log.append("context")
            reads = self.log.count("context")
        return MindMapContext(facts=[f"known fact {reads}"])

    def prior_evidence(self, topic: str) -> int:
        return 0

    def close(self) -> None:
        pass


def _research(config: Config, store: _RecordingGraph, rounds: int) -> list[Event]:
    seen: list[Event] = []
    engine = ResearchEngine(config, store=store, on_event=seen.append)  # type: ignore[arg-type]

    async def go() -> object:
        try:
            return await engine.run("Opening context", ResearchOptions(rounds=rounds, breadth=1))
        finally:
            await engine.aclose()

    result = asyncio.run(go())
    assert getattr(result, "status", None) == "done"
    return seen


def test_round_one_reads_the_graph_before_the_session_is_written(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    config = load()
    config.gemini.rpm = 0
    store = _RecordingGraph()
    seen = _research(config, store, rounds=2)

    contexts = [e for e in seen if isinstance(e, ContextBuilt)]
    assert [c.round for c in contexts] == [1, 2]
    assert "known fact 1" in contexts[0].text, "round 1 used the read made at set-up"
    assert "known fact 2" in contexts[1].text, "round 2 read the graph again"

    first_read = store.log.index("context")
    assert "SessionStarted" not in store.log[:first_read], "round 1 waited for the session"
    second_read = store.log.index("context", first_read + 1)
    assert "SynthesisReady" in store.log[first_read:second_read], (
        "round 2's context was read before round 1's synthesis was in the graph"
    )
    assert store.log.count("context") == 2, "one read per round, none twice"


def test_no_context_budget_reads_nothing(fake_env: tuple[FakeGemini, FakeTavily]) -> None:
    config = load()
    config.gemini.rpm = 0
    config.research.context_chars = 0
    store = _RecordingGraph()
    seen = _research(config, store, rounds=1)
    assert "context" not in store.log
    assert [e.text for e in seen if isinstance(e, ContextBuilt)] == [""]
