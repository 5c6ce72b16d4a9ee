"""Searches start as their ``<SEARCH>`` tags close (issue 15): while the model still writes
its plan, each planned query is already being searched, never twice, also when the
reasoning stream is cut and retried. Real google-genai and tavily-python against the
loopback fakes."""

from __future__ import annotations

import asyncio
import re
import threading
from collections import Counter

import pytest

from core.config import Config, load
from core.events import (
    Event,
    LLMCallFinished,
    PlanReady,
    SearchFinished,
    SearchStarted,
    StreamRestarted,
    WarningRaised,
)
from core.mindmap.base import GraphDelta, MindMapContext
from core.research import ResearchEngine, ResearchOptions
from core.research.phases.search import VOIDED
from core.sessions import SessionStore
from core.state import SessionState
from tests.engine_support import run_engine
from tests.fakes.gemini_server import (
    FakeGemini,
    RecordedRequest,
    default_answer,
    planned_queries,
    split_chunks,
)
from tests.fakes.tavily_server import FakeTavily

PACE_S = 0.01
"""Between the fake model's chunks: the stream takes a while, as a real one does (no
assertion depends on it being any particular length)."""


@pytest.fixture
def config(fake_env: tuple[FakeGemini, FakeTavily]) -> Config:
    config = load()
    config.gemini.rpm = 0
    fake_env[0].chunk_delay_s = PACE_S
    return config


def _run(
    config: Config, topic: str, *, rounds: int = 1, breadth: int = 3, **kwargs: object
) -> tuple[ResearchEngine, list[Event], object]:
    return run_engine(config, topic, rounds=rounds, breadth=breadth, **kwargs)


def _reasoning_end(seen: list[Event], n: int) -> int:
    return next(
        i
        for i, e in enumerate(seen)
        if isinstance(e, LLMCallFinished) and e.purpose == "reasoning" and e.round == n
    )


def _second_reasoning_call(seen: list[Event]) -> int:
    calls = [
        i
        for i, e in enumerate(seen)
        if type(e).__name__ == "LLMCallStarted" and getattr(e, "purpose", "") == "reasoning"
    ]
    assert len(calls) >= 2, "the reasoning call was retried"
    return calls[1]


def _replays_live(engine: ResearchEngine, session_id: str) -> None:
    handle = SessionStore(engine.config.sessions_dir).open(session_id)
    assert SessionState.replay(handle.load_events()) == engine.state


def test_searches_start_before_the_reasoning_call_ends_and_each_runs_once(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    _gemini, tavily = fake_env
    topic = "Heat pumps in old houses"
    engine, seen, result = _run(config, topic, rounds=2)
    assert result.status == "done"  # type: ignore[attr-defined]
    for n in (1, 2):
        started = [i for i, e in enumerate(seen) if isinstance(e, SearchStarted) and e.round == n]
        assert started and started[0] < _reasoning_end(seen, n), f"round {n} searched late"
    # The fake search engine was asked before the model had finished planning round 1.
    reasoning_done = seen[_reasoning_end(seen, 1)].timestamp
    assert min(r.timestamp for r in tavily.search_requests()) < reasoning_done
    planned = planned_queries(topic, 1) + planned_queries(topic, 2)
    assert Counter(tavily.queries) == Counter(planned), "every planned query once, no doubles"
    for n in (1, 2):
        rnd = engine.state.rounds[n]
        assert sorted(s.query for s in rnd.searches) == sorted(rnd.queries)
        assert all(s.status == "done" for s in rnd.searches)
        # the round's synthesis got what its searches found
        assert rnd.synthesis is not None
    # the phases still follow each other: the search phase starts once the plan is ready
    names = [type(e).__name__ for e in seen]
    phases = [(e.round, e.phase) for e in seen if type(e).__name__ == "PhaseStarted"]
    assert phases[:4] == [(1, "context"), (1, "reasoning"), (1, "search"), (1, "synthesis")]
    search_phase = next(i for i, e in enumerate(seen) if getattr(e, "phase", "") == "search")
    assert names.index("PlanReady") < search_phase
    _replays_live(engine, result.session_id)  # type: ignore[attr-defined]


def _first_tag_chunks(text: str) -> int:
    """How many of the fake's chunks it takes until the first ``</SEARCH>`` has streamed."""
    end = text.index("</SEARCH>") + len("</SEARCH>")
    sent = 0
    for count, chunk in enumerate(split_chunks(text), start=1):
        sent += len(chunk)
        if sent >= end:
            return count
    raise AssertionError("no tag")


def test_a_stream_cut_after_a_tag_closed_searches_each_query_once(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """The first attempt named a query (its search started), then the connection dropped:
    the retry names it again and takes over that search instead of running it twice."""
    gemini, tavily = fake_env
    topic = "Cut plans"
    sample = default_answer("TASK: reasoning\nTOPIC: Cut plans\nROUND: 1\n")
    assert isinstance(sample, str) and "<SEARCH>" in sample
    gemini.queue_stream_cut(after_chunks=_first_tag_chunks(sample) + 2, task="reasoning")
    engine, seen, result = _run(config, topic)
    assert result.status == "done"  # type: ignore[attr-defined]
    restart = next(i for i, e in enumerate(seen) if isinstance(e, StreamRestarted))
    assert len(gemini.model_requests("reasoning")) == 2
    planned = engine.state.rounds[1].queries
    assert planned == planned_queries(topic, 1)
    assert Counter(tavily.queries) == Counter(planned), "no query searched twice"
    starts = [e.query for e in seen if isinstance(e, SearchStarted)]
    assert Counter(starts) == Counter(planned)
    retried = _second_reasoning_call(seen)
    assert restart < retried
    assert any(isinstance(e, SearchStarted) for e in seen[:retried]), "attempt 1 searched"
    assert result.failed_searches == []  # type: ignore[attr-defined]
    _replays_live(engine, result.session_id)  # type: ignore[attr-defined]


def test_a_retry_that_plans_otherwise_voids_the_first_attempts_search(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """The retry plans other queries: the voided one is not searched again, is not a
    failed search, and the final plan's queries are each searched once."""
    gemini, tavily = fake_env
    topic = "Changing minds"
    calls: list[int] = []

    def responder(req: RecordedRequest) -> str | dict:
        answer = default_answer(req.prompt)
        if req.task == "reasoning" and not calls:
            calls.append(1)
            assert isinstance(answer, str)
            return answer.replace(planned_queries(topic, 1)[0], "abandoned angle")
        return answer

    gemini.responder = responder
    first = default_answer(f"TASK: reasoning\nTOPIC: {topic}\nROUND: 1\n")
    assert isinstance(first, str)
    first = first.replace(planned_queries(topic, 1)[0], "abandoned angle")
    gemini.queue_stream_cut(after_chunks=_first_tag_chunks(first) + 1, task="reasoning")
    engine, seen, result = _run(config, topic)
    assert result.status == "done", result  # type: ignore[attr-defined]
    rnd = engine.state.rounds[1]
    assert rnd.queries == planned_queries(topic, 1)
    assert "abandoned angle" not in rnd.queries
    assert Counter(tavily.queries) - Counter(["abandoned angle"]) == Counter(rnd.queries)
    assert tavily.queries.count("abandoned angle") <= 1
    retried = _second_reasoning_call(seen)
    assert any(
        isinstance(e, SearchStarted) and e.query == "abandoned angle" for e in seen[:retried]
    ), "the first attempt's search started before the retry"
    voided = [s for s in rnd.searches if s.query == "abandoned angle"]
    assert len(voided) == 1
    if voided:  # done before the plan was voided, or cancelled with a clear reason
        assert voided[0].status == "done" or voided[0].error == VOIDED
        ends = [e for e in seen if isinstance(e, SearchFinished) and e.query == "abandoned angle"]
        assert len(ends) == 1
    assert result.failed_searches == []  # type: ignore[attr-defined]
    # The voided search's own sources are not the round's: synthesis never saw them.
    synthesis_prompts = [r.prompt for r in gemini.model_requests("synthesis")]
    assert synthesis_prompts
    voided_ids = {i for s in voided for i in s.source_ids}
    kept_ids = {i for s in rnd.searches if s.query in rnd.queries for i in s.source_ids}
    for source_id in voided_ids - kept_ids:
        assert not re.search(rf'<source id="{source_id}">', synthesis_prompts[0])
    _replays_live(engine, result.session_id)  # type: ignore[attr-defined]


def test_with_query_review_searches_wait_for_the_reviewed_plan(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    _gemini, tavily = fake_env
    topic = "Reviewed plans"

    async def review(n: int, queries: list[str]) -> list[str]:
        return [queries[0], "an added query"]

    engine, seen, result = _run(config, topic, review_queries=review)
    assert result.status == "done"  # type: ignore[attr-defined]
    plan_at = next(i for i, e in enumerate(seen) if isinstance(e, PlanReady))
    first_search = next(i for i, e in enumerate(seen) if isinstance(e, SearchStarted))
    assert first_search > plan_at
    assert Counter(tavily.queries) == Counter([planned_queries(topic, 1)[0], "an added query"])
    _replays_live(engine, result.session_id)  # type: ignore[attr-defined]


def test_more_tags_than_breadth_start_only_breadth_searches_and_say_so(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    _gemini, tavily = fake_env
    topic = "Narrow breadth"
    engine, seen, result = _run(config, topic, breadth=2)
    assert result.status == "done"  # type: ignore[attr-defined]
    assert Counter(tavily.queries) == Counter(planned_queries(topic, 1)[:2])
    assert any(isinstance(e, WarningRaised) and "running the first 2" in e.message for e in seen)
    _replays_live(engine, result.session_id)  # type: ignore[attr-defined]


def test_a_plan_without_tags_searches_the_topic_once(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, tavily = fake_env
    topic = "Tagless plans"

    def responder(req: RecordedRequest) -> str | dict:
        answer = default_answer(req.prompt)
        if req.task == "reasoning" and isinstance(answer, str):
            return re.sub(r"</?SEARCH>", "", answer)
        return answer

    gemini.responder = responder
    engine, seen, result = _run(config, topic)
    assert result.status == "done"  # type: ignore[attr-defined]
    assert tavily.queries == [topic]
    assert any(isinstance(e, WarningRaised) and "no <SEARCH> tags" in e.message for e in seen)
    _replays_live(engine, result.session_id)  # type: ignore[attr-defined]


def test_the_search_client_is_built_and_warm_before_the_first_round(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """Its import and client set-up ran on the preparing thread, not in round 1's first
    search on the loop."""
    engine = ResearchEngine(config)
    at_round_one: list[object] = []

    def on_event(event: Event) -> None:
        if type(event).__name__ == "RoundStarted" and not at_round_one:
            at_round_one.append(getattr(engine.providers.search, "_client", None))

    engine.on_event = on_event

    async def go() -> object:
        try:
            return await engine.run("Warm search", ResearchOptions(rounds=1, breadth=1))
        finally:
            await engine.aclose()

    result = asyncio.run(go())
    assert getattr(result, "status", None) == "done"
    assert at_round_one and at_round_one[0] is not None


class _HeldSynthesisGraph:
    """An embedded-like mind map whose write of round 1's synthesis waits until round 2's
    reasoning call has started (or ``release`` is set): a slow graph server."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def apply(self, event: Event) -> GraphDelta:
        if type(event).__name__ == "SynthesisReady" and getattr(event, "round", 0) == 1:
            self.release.wait(30)
        return GraphDelta(nodes=1, edges=1)

    def context(self, topic: str, *, budget_chars: int = 3000) -> MindMapContext:
        return MindMapContext()

    def prior_evidence(self, topic: str) -> int:
        return 0

    def close(self) -> None:
        self.release.set()


def test_a_round_does_not_wait_for_its_graph_write_when_the_next_context_needs_none(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """Round 1's synthesis is still being written to the graph while round 2 reasons; its
    ``MindMapUpdated`` comes once the write is in, and replay still equals live."""
    config.research.context_chars = 0
    store = _HeldSynthesisGraph()
    seen: list[Event] = []

    def on_event(event: Event) -> None:
        seen.append(event)
        if type(event).__name__ == "LLMCallStarted" and event.round == 2:  # type: ignore[attr-defined]
            store.release.set()

    engine = ResearchEngine(config, store=store, on_event=on_event)  # type: ignore[arg-type]

    async def go() -> object:
        try:
            return await engine.run("Slow graph", ResearchOptions(rounds=2, breadth=2))
        finally:
            await engine.aclose()

    try:
        result = asyncio.run(go())
    finally:
        store.release.set()
    assert getattr(result, "status", None) == "done"
    names = [type(e).__name__ for e in seen]
    updates = [e for e in seen if type(e).__name__ == "MindMapUpdated"]
    assert [e.round for e in updates] == [1, 2]  # type: ignore[attr-defined]
    assert updates[0].nodes > 0  # type: ignore[attr-defined]
    round_two_reasons = next(
        i
        for i, e in enumerate(seen)
        if type(e).__name__ == "LLMCallStarted" and e.round == 2  # type: ignore[attr-defined]
    )
    assert round_two_reasons < seen.index(updates[0]), "round 2 did not wait for the graph"
    assert not any(isinstance(e, WarningRaised) and e.kind == "graph" for e in seen)
    assert names.index("SessionFinished") == len(names) - 1
    _replays_live(engine, result.session_id)  # type: ignore[attr-defined]
