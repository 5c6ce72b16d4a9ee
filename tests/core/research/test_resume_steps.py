"""Resume goes on from the last finished step, and records no step twice (issues 10.4, 16.3).

Each test runs a real 2-round research against the loopback fakes, then cuts its event log
where a crash would have (SIGKILL: no SessionFinished, or an interrupt that wrote one), and
resumes it with a fresh engine, counting what the fakes are asked on the resume.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.config import Config, load
from core.events import SessionFinished, from_dict, to_json
from core.record.exports import export_session
from core.research import ResearchEngine, ResearchOptions
from core.research.providers import open_store
from core.sessions import SessionStore
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.tavily_server import FakeTavily

Line = dict[str, Any]


@pytest.fixture
def config(fake_env: tuple[FakeGemini, FakeTavily]) -> Config:
    config = load()
    config.gemini.rpm = 0
    return config


def _run(config: Config, topic: str) -> str:
    engine = ResearchEngine(config)

    async def go() -> str:
        try:
            result = await engine.run(topic, ResearchOptions(rounds=2, breadth=4))
        finally:
            await engine.aclose()
        assert result.status == "done"
        return result.session_id

    return asyncio.run(go())


def _resume(config: Config, session_id: str) -> ResearchEngine:
    engine = ResearchEngine(config)

    async def go() -> None:
        try:
            result = await engine.resume(session_id)
        finally:
            await engine.aclose()
        assert result.status == "done", result.reason

    asyncio.run(go())
    return engine


def _cut(path: Path, keep: Callable[[list[Line]], int], *, interrupted: bool = False) -> None:
    """Keep the first ``keep(lines)`` lines of the log (a crash right after them); with
    ``interrupted``, the cut run also said it ended (Ctrl-C rather than SIGKILL)."""
    lines = [json.loads(raw) for raw in path.read_text("utf-8").splitlines()]
    kept = lines[: keep(lines)]
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in kept)
    if interrupted:
        last = from_dict(kept[-1])
        ended = SessionFinished(status="interrupted", reason="interrupted; resume to continue")
        text += to_json(ended.stamped(last.session_id, last.seq + 1)) + "\n"
    path.write_text(text, "utf-8")


def _after(kind: str, round_no: int, nth: int = 1) -> Callable[[list[Line]], int]:
    """Up to and including the ``nth`` ``kind`` event of round ``round_no``."""

    def keep(lines: list[Line]) -> int:
        seen = 0
        for index, line in enumerate(lines):
            if line["type"] == kind and line.get("round") == round_no:
                seen += 1
                if seen == nth:
                    return index + 1
        raise AssertionError(f"no {kind} #{nth} in round {round_no}")

    return keep


def _graph_nodes(config: Config) -> dict[str, int]:
    store, _warnings = open_store(config)
    try:
        return dict(store.stats().nodes)
    finally:
        store.close()


def test_a_crash_after_the_synthesis_adds_no_evidence_twice(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, tavily = fake_env
    sid = _run(config, "Tidal energy")
    handle = SessionStore(config.sessions_dir).open(sid)
    clean = handle.state()
    clean_graph = _graph_nodes(config)
    assert clean.evidence and clean_graph.get("Evidence")

    _cut(handle.events_path, _after("SynthesisReady", 2))
    gemini.clear()
    tavily.clear()
    resumed = _resume(config, sid)

    # The synthesis was recorded: only the report is left to write.
    assert [r.task for r in gemini.model_requests()] == ["report"]
    assert tavily.search_requests() == []
    state = handle.state()
    assert len(state.evidence) == len(clean.evidence)
    assert [e.claim for e in state.evidence] == [e.claim for e in clean.evidence]
    assert resumed.state.evidence == state.evidence, "replay equals live"
    exported = json.loads(export_session(handle, "json"))
    assert len(exported["evidence"]) == len(clean.evidence)
    assert _graph_nodes(config) == clean_graph
    assert state.completed_rounds() == 2
    assert [e.type for e in handle.load_events()].count("SynthesisReady") == 2


def test_a_log_that_already_doubled_a_round_replays_it_once(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """Logs written before this fix hold a round's synthesis twice: the reducer keeps one."""
    sid = _run(config, "Kelp farming")
    handle = SessionStore(config.sessions_dir).open(sid)
    clean = handle.state()
    lines = handle.events_path.read_text("utf-8").splitlines()
    again = next(raw for raw in lines if json.loads(raw)["type"] == "SynthesisReady")
    with handle.events_path.open("a", encoding="utf-8") as log:
        log.write(again + "\n")
    assert len(handle.state().evidence) == len(clean.evidence)


@pytest.mark.parametrize(
    ("cut", "interrupted", "searches", "tasks"),
    [
        # The plan is recorded: the model is not asked again; the three searches run.
        (_after("PlanReady", 2), False, 3, ["synthesis", "report"]),
        # One search came back before the crash: the other two run.
        (_after("SearchFinished", 2, 1), False, 2, ["synthesis", "report"]),
        # Interrupted (Ctrl-C) after two searches: the one still out runs again.
        (_after("SearchFinished", 2, 2), True, 1, ["synthesis", "report"]),
        # Every search is recorded: straight to the synthesis with their results.
        (_after("SearchFinished", 2, 3), False, 0, ["synthesis", "report"]),
        # Nothing of round 2 that cost a call: it starts afresh.
        (_after("ContextBuilt", 2), False, 3, ["reasoning", "synthesis", "report"]),
    ],
    ids=["plan", "one-search", "interrupted-two-searches", "all-searches", "context"],
)
def test_resume_goes_on_from_the_last_finished_step(
    config: Config,
    fake_env: tuple[FakeGemini, FakeTavily],
    cut: Callable[[list[Line]], int],
    interrupted: bool,
    searches: int,
    tasks: list[str],
) -> None:
    gemini, tavily = fake_env
    sid = _run(config, "Coral reef restoration")
    handle = SessionStore(config.sessions_dir).open(sid)
    clean = handle.state()
    _cut(handle.events_path, cut, interrupted=interrupted)
    cut_state = handle.state()
    gemini.clear()
    tavily.clear()

    _resume(config, sid)

    assert [r.task for r in gemini.model_requests()] == tasks
    assert len(tavily.search_requests()) == searches
    state = handle.state()
    assert state.completed_rounds() == 2
    round_two = state.rounds[2]
    assert round_two.queries == clean.rounds[2].queries, "the recorded plan was kept"
    assert sorted(s.query for s in round_two.searches) == sorted(round_two.queries)
    assert all(s.status == "done" for s in round_two.searches)
    assert all(p.status == "done" for p in round_two.phases.values())
    # Round 2 synthesises every source its searches found, before and after the cut.
    found = {i for s in round_two.searches for i in s.source_ids}
    cited = {i for item in round_two.synthesis.evidence for i in item["source_ids"]}
    assert cited <= found and cited
    assert found >= {i for s in cut_state.rounds[2].finished_searches() for i in s.source_ids}
    assert len(state.evidence) == len(clean.evidence)
    assert len(state.sources) == len(clean.sources), "no page got a second number"
