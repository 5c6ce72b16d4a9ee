"""The research engine end to end: real google-genai and tavily-python against loopback fakes."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path

import pytest

from core.config import Config, load
from core.events import (
    Event,
    LLMChunk,
    RateLimited,
    SessionFinished,
    SourceAdded,
    WarningRaised,
)
from core.mindmap.base import GraphDelta, MindMapContext
from core.report import CITATION
from core.research import ResearchEngine, ResearchOptions
from core.sessions import CorruptSession, SessionStore
from core.state import SessionState
from core.urls import normalise_url
from tests.engine_support import run_engine
from tests.fakes.gemini_server import FakeGemini, planned_queries
from tests.fakes.tavily_server import FakeTavily

SEED_HEADERS = [
    "# Research Process: ",
    "Started at: ",
    "## Mind Map Initialization - ",
    "## Reasoning Step - ",
    "Research Topic: ",
    "Current Summary:",
    "Search Query:",
    "## Web Research Step - ",
    "Search API: tavily",
    "## Search Results - ",
    "Raw Results:",
    "Formatted Sources:",
    "## Final Report Generation - ",
    "## Final Research Report - ",
]


@pytest.fixture
def config(fake_env: tuple[FakeGemini, FakeTavily]) -> Config:
    config = load()
    config.gemini.rpm = 0  # the fakes have no quota; the limiter has its own tests
    return config


def test_two_round_run_searches_every_tag_and_cites_real_sources(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, tavily = fake_env
    topic = "Solid-state batteries for cars"
    engine, seen, result = run_engine(config, topic, rounds=2)

    assert result.status == "done"
    assert result.rounds == 2
    # every <SEARCH> tag of every round was searched
    searched = set(tavily.queries)
    planned = set(planned_queries(topic, 1)) | set(planned_queries(topic, 2))
    assert planned, "the fake planned nothing"
    assert planned <= searched
    # no URL twice, even though the fake returns overlapping URLs across queries
    urls = [e.url for e in seen if isinstance(e, SourceAdded)]
    assert len(urls) == len({normalise_url(u) for u in urls}) > 3
    # at most two LLM calls per round plus one for the report
    model_calls = gemini.model_requests()
    assert len(model_calls) <= 2 * 2 + 1
    assert result.llm_calls == len(model_calls)
    assert result.tokens_in > 0 and result.tokens_out > 0
    # chunks were routed to all three panes while streaming
    assert {e.section for e in seen if isinstance(e, LLMChunk)} == {
        "plan",
        "execution",
        "reflection",
    }
    # every [n] in the report resolves to a retrieved source, and the references list it
    report = Path(result.report_path).read_text(encoding="utf-8")
    cited = {int(m) for m in CITATION.findall(report)}
    assert cited, "the report cites nothing"
    source_ids = {e.source_id for e in seen if isinstance(e, SourceAdded)}
    assert cited <= source_ids
    for n in cited:
        source = next(e for e in seen if isinstance(e, SourceAdded) and e.source_id == n)
        assert source.url in report
    # the research log keeps the seed's shape
    handle = SessionStore(config.sessions_dir).open(result.session_id)
    log = handle.log_path.read_text(encoding="utf-8")
    for header in SEED_HEADERS:
        assert header in log, header
    assert f"# Research Process: {topic}" in log
    # replaying events.jsonl reproduces the live state
    replayed = SessionState.replay(handle.load_events())
    assert replayed == engine.state
    assert replayed.status == "done"
    assert handle.read_info().status == "done"


def test_no_api_key_ever_reaches_the_saved_files(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    _, _, result = run_engine(config, "Tidal energy", rounds=1)
    handle = SessionStore(config.sessions_dir).open(result.session_id)
    for path in handle.folder.iterdir():
        text = path.read_text(encoding="utf-8")
        assert config.gemini.api_key not in text, path.name
        assert config.tavily.api_key not in text, path.name


def test_rate_limit_waits_the_servers_delay_then_succeeds(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    gemini.queue_rate_limit(retry_delay="0.4s")
    started = time.monotonic()
    _, seen, result = run_engine(config, "Perovskite solar cells", rounds=1)
    elapsed = time.monotonic() - started
    waits = [e for e in seen if isinstance(e, RateLimited)]
    assert result.status == "done"
    assert len(waits) == 1
    assert 0.4 <= waits[0].retry_in_s < 1.0
    assert elapsed >= 0.4


def test_daily_quota_pauses_and_resume_finishes(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    gemini.queue_rate_limit(retry_delay="", per_day=True)
    _, seen, result = run_engine(config, "Quantum error correction", rounds=2)
    assert result.status == "paused"
    assert "quota" in result.reason.lower()
    assert isinstance(seen[-1], SessionFinished) and seen[-1].status == "paused"
    assert not any(isinstance(e, RateLimited) and e.retry_in_s > 60 for e in seen)

    resumed = ResearchEngine(config)

    async def go() -> object:
        try:
            return await resumed.resume(result.session_id)
        finally:
            await resumed.aclose()

    final = asyncio.run(go())
    assert final.status == "done"
    assert final.rounds == 2
    assert final.session_id == result.session_id
    assert Path(final.report_path).read_text(encoding="utf-8").startswith("# ")


@pytest.mark.parametrize(
    ("status", "errors"),
    # 400 (a query Tavily rejects) is final at once: 2 of the 3 searches fail. 429 is
    # retried (3 attempts each): 7 errors over at most 9 attempts make at least one search
    # fail and one succeed. (401 is not per query: see the next test.)
    [(400, 2), (429, 7)],
)
def test_search_errors_become_warnings_and_the_run_completes(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily], status: int, errors: int
) -> None:
    _, tavily = fake_env
    tavily.queue_error(status, times=errors)
    _, seen, result = run_engine(config, "Coral reef restoration", rounds=1)
    # It finished, but the reader must know what is missing (issue 10 item 8).
    assert result.status == "done with warnings"
    assert "failed" in result.reason
    warnings = [e for e in seen if isinstance(e, WarningRaised) and e.kind == "search"]
    assert len(warnings) >= 1
    assert result.sources > 0
    failed = result.failed_searches
    assert failed and all(f["provider"] == "tavily" and f["reason"] for f in failed)
    assert len(failed) == (2 if status == 400 else len(failed))
    report = Path(result.report_path).read_text(encoding="utf-8")
    assert "## Failed searches" in report
    assert all(f["query"] in report for f in failed)


@pytest.mark.parametrize(
    ("per_day", "limit_zero", "status"),
    # a report assembled without the model is a research with warnings (issue 10 item 8)
    [(True, False, "paused"), (False, True, "done with warnings")],
)
def test_report_falls_back_without_the_llm_and_says_why(
    config: Config,
    fake_env: tuple[FakeGemini, FakeTavily],
    per_day: bool,
    limit_zero: bool,
    status: str,
) -> None:
    gemini, _ = fake_env
    seen: list[Event] = []

    def on_event(event: Event) -> None:
        seen.append(event)
        # the quota runs out exactly when the report call is due
        if type(event).__name__ == "SynthesisReady":
            gemini.queue_rate_limit(retry_delay="", per_day=per_day, limit_zero=limit_zero)

    engine2 = ResearchEngine(config, on_event=on_event)

    async def go() -> object:
        try:
            return await engine2.run("Heat pumps in cold climates", ResearchOptions(rounds=1))
        finally:
            await engine2.aclose()

    result = asyncio.run(go())
    assert result.status == status
    report = Path(result.report_path).read_text(encoding="utf-8")
    assert "without the LLM" in report.split("\n\n")[1]
    assert re.search(r"\[\d+\]", report), "the fallback cites the gathered evidence"
    assert any(isinstance(e, WarningRaised) and e.kind == "report" for e in seen)


def test_prompts_stay_bounded_over_many_rounds(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    _, _, result = run_engine(config, "History of the printing press", rounds=20, breadth=3)
    assert result.status == "done"
    reasoning = [r.prompt for r in gemini.model_requests("reasoning")]
    assert len(reasoning) == 20
    assert len(reasoning[19]) < 1.5 * len(reasoning[2])
    synthesis = [r.prompt for r in gemini.model_requests("synthesis")]
    assert len(synthesis) == 20  # what `python -m bench` counts: both prompts of a round
    assert len(reasoning[19]) + len(synthesis[19]) <= 1.5 * (len(reasoning[2]) + len(synthesis[2]))


def test_stop_writes_a_partial_report(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    engine_holder: list[ResearchEngine] = []

    def on_event(event: Event) -> None:
        if type(event).__name__ == "SynthesisReady":
            engine_holder[0].stop()

    engine = ResearchEngine(config, on_event=on_event)
    engine_holder.append(engine)

    async def go() -> object:
        try:
            return await engine.run("Deep sea mining", ResearchOptions(rounds=3))
        finally:
            await engine.aclose()

    result = asyncio.run(go())
    assert result.status == "stopped"
    assert result.rounds == 1
    report = Path(result.report_path).read_text(encoding="utf-8")
    assert "Partial report" in report
    assert re.search(r"\[\d+\]", report)


def test_interrupted_run_is_saved_and_resumable(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    engine = ResearchEngine(config)

    async def go() -> None:
        first_round_done = asyncio.Event()

        def on_event(event: Event) -> None:
            if type(event).__name__ == "RoundFinished":
                first_round_done.set()

        engine.on_event = on_event
        task = asyncio.create_task(engine.run("Urban beekeeping", ResearchOptions(rounds=2)))
        await first_round_done.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await engine.aclose()

    asyncio.run(go())
    handle = SessionStore(config.sessions_dir).open(engine.session_id or "")
    state = handle.state()
    assert state.status == "interrupted"
    assert state.completed_rounds() >= 1

    resumed = ResearchEngine(config)

    async def again() -> object:
        try:
            return await resumed.resume(handle.id)
        finally:
            await resumed.aclose()

    final = asyncio.run(again())
    assert final.status == "done"
    assert final.rounds == 2


def test_a_known_topic_starts_from_what_earlier_researches_found(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    _, first, _ = run_engine(config, "Tidal  Energy in Europe", rounds=1)
    assert not any(isinstance(e, WarningRaised) and e.kind == "info" for e in first)
    gemini.clear()
    _, second, _ = run_engine(config, "tidal energy in europe", rounds=1)
    started = next(e for e in second if type(e).__name__ == "SessionStarted")
    assert started.prior_evidence > 0
    assert any(isinstance(e, WarningRaised) and "Known topic" in e.message for e in second)
    first_prompt = gemini.model_requests("reasoning")[0].prompt
    assert "Facts found" in first_prompt, "round 1 of the second research has earlier facts"


def test_a_page_that_gives_orders_is_only_quoted_data(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """Web content that tells the model to wipe the graph reaches prompts only inside
    <source> delimiters, and the mind map keeps growing instead of being emptied."""
    from core.mindmap.factory import open_store
    from tests.fakes.tavily_server import INJECTION_TEXT

    gemini, tavily = fake_env
    tavily.poison = True
    _, _, result = run_engine(config, "Ocean acidification", rounds=2)
    assert result.status == "done"
    prompts = [r.prompt for r in gemini.model_requests("synthesis")]
    assert any(INJECTION_TEXT in p for p in prompts)
    for prompt in prompts:
        for block in prompt.split(INJECTION_TEXT)[:-1]:
            assert block.rfind("<source") > block.rfind("</source>"), "outside <source>"
    store, _ = open_store(config, read_only=True)
    try:
        stats = store.stats()
    finally:
        store.close()
    assert stats.nodes.get("Evidence", 0) > 0 and stats.nodes.get("Source", 0) > 0
    assert stats.nodes.get("Topic", 0) == 1


def test_a_rejected_gemini_key_fails_clearly_with_a_fallback_page(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    config.gemini.api_key = "AIzaWRONGWRONGWRONGWRONG0000"
    _, seen, result = run_engine(config, "Vertical farming", rounds=2)
    assert result.status == "failed"
    assert "API key" in result.reason
    assert "AIzaWRONG" not in result.reason
    errors = [e for e in seen if type(e).__name__ == "ErrorRaised"]
    assert errors and errors[0].kind == "auth"
    report = Path(result.report_path).read_text(encoding="utf-8")
    assert "without the LLM" in report and "No evidence was gathered" in report


def test_resuming_a_session_another_engine_runs_is_refused(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    from core.sessions import SessionBusy

    gemini, _ = fake_env
    gemini.queue_rate_limit(retry_delay="", per_day=True)
    _, _, paused = run_engine(config, "Peatland carbon", rounds=1)
    handle = SessionStore(config.sessions_dir).open(paused.session_id)
    before = handle.events_path.read_bytes()
    lock = handle.claim()  # as if another window were running it
    try:
        engine = ResearchEngine(config)
        with pytest.raises(SessionBusy):
            asyncio.run(engine.resume(paused.session_id))
    finally:
        lock.release()
    assert handle.events_path.read_bytes() == before
    assert not handle.is_busy(), "a finished engine leaves no claim behind"


def test_a_rejected_search_key_stops_the_research_at_once(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """Every search would fail the same way: no more rounds spend Gemini calls on it."""
    gemini, tavily = fake_env
    tavily.queue_error(401, times=1000)
    _, seen, result = run_engine(config, "Sea otters", rounds=3)
    assert result.status == "failed"
    assert "Tavily rejected the API key" in result.reason
    assert any(type(e).__name__ == "ErrorRaised" and e.kind == "auth" for e in seen)
    assert len(gemini.model_requests("reasoning")) == 1, "round 1 only"
    assert len(gemini.model_requests("report")) == 0


def test_a_research_whose_every_search_failed_is_failed_not_done(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, tavily = fake_env
    tavily.queue_error(400, times=1000)
    _, seen, result = run_engine(config, "Kelp forests", rounds=2)
    assert result.status == "failed" and result.sources == 0
    assert any(type(e).__name__ == "ErrorRaised" and e.kind == "search" for e in seen)
    assert "every search failed" in result.reason
    assert len(gemini.model_requests("report")) == 0, "no report call without sources"
    assert "without the LLM" in Path(result.report_path).read_text(encoding="utf-8")


class StubSearch:
    """A SearchProvider whose hits (or failure) a test chooses."""

    name = "stub"

    def __init__(self, hits=None, error: Exception | None = None) -> None:
        self.hits = hits or []
        self.error = error

    async def search(self, query: str, *, max_results: int):
        if self.error is not None:
            raise self.error
        return list(self.hits)

    async def aclose(self) -> None:
        return None


def test_a_result_with_a_broken_url_is_skipped_not_fatal(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    from core.search.base import SearchHit

    hits = [
        SearchHit(title="bad", url="https://x.example:99999/", content="c"),
        SearchHit(title="good", url="https://ok.example/a", content="fine"),
    ]
    _, seen, result = run_engine(config, "Broken links", rounds=1, search=StubSearch(hits))
    assert result.status == "done" and result.sources == 1
    assert any(isinstance(e, WarningRaised) and "broken URL" in e.message for e in seen)


def test_an_unexpected_error_ends_the_session_as_failed(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    search = StubSearch(error=RuntimeError("boom"))
    _, seen, result = run_engine(config, "Unexpected", rounds=1, search=search)
    assert result.status == "failed" and "RuntimeError: boom" in result.reason
    assert any(type(e).__name__ == "ErrorRaised" and e.kind == "internal" for e in seen)
    handle = SessionStore(config.sessions_dir).open(result.session_id)
    assert handle.state().status == "failed", "saved as failed, not left running"
    assert Path(result.report_path).is_file()


def test_a_garbled_synthesis_is_retried_then_skipped_without_failing(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    from tests.fakes.gemini_server import default_answer

    gemini, _ = fake_env
    config.gemini.max_retries = 1
    garbled = {"count": 0}

    def responder(request):
        if request.task == "synthesis":
            garbled["count"] += 1
            return '{"summary": "cut off'
        return default_answer(request.prompt)

    gemini.responder = responder
    _, seen, result = run_engine(config, "Garbled answers", rounds=1)
    assert garbled["count"] == 2, "one retry of the bad answer"
    assert result.status == "done"
    assert any(isinstance(e, WarningRaised) and e.kind == "synthesis" for e in seen)
    assert "without the LLM" not in Path(result.report_path).read_text(encoding="utf-8")


def test_a_resumed_round_still_synthesises_the_sources_it_had_found(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env

    def on_event(event: Event) -> None:
        phase = getattr(event, "phase", None)
        if type(event).__name__ == "PhaseStarted" and phase == "synthesis" and event.round == 2:
            gemini.queue_rate_limit(retry_delay="", per_day=True)

    engine = ResearchEngine(config, on_event=on_event)

    async def go() -> object:
        try:
            return await engine.run("Seagrass meadows", ResearchOptions(rounds=2))
        finally:
            await engine.aclose()

    paused = asyncio.run(go())
    assert paused.status == "paused"
    round_two = {n for n, s in engine.state.sources.items() if s.round == 2}
    assert round_two

    resumed = ResearchEngine(config)

    async def again() -> object:
        try:
            return await resumed.resume(paused.session_id)
        finally:
            await resumed.aclose()

    final = asyncio.run(again())
    assert final.status == "done"
    synthesis = resumed.state.rounds[2].synthesis
    assert synthesis is not None, "round 2 was synthesised after the resume"
    cited = {i for item in synthesis.evidence for i in item["source_ids"]}
    assert cited & round_two


def test_a_retried_stream_voids_the_text_it_had_shown(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    gemini.queue_rate_limit(retry_delay="0.2s")
    engine, seen, result = run_engine(config, "Retried streams", rounds=1)
    assert result.status == "done"
    restarts = [e for e in seen if type(e).__name__ == "StreamRestarted"]
    assert [e.purpose for e in restarts] == ["reasoning"]
    plan = engine.state.rounds[1].text["plan"]
    assert plan.count("Research round 1") <= 1


def test_an_interrupt_while_starting_still_leaves_a_resumable_session(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = ResearchEngine(config)
    opening: list[asyncio.Event] = []

    async def slow_open_store(config: Config) -> None:
        opening[0].set()
        await asyncio.sleep(30)  # a graph server that never answers

    monkeypatch.setattr(engine.graph, "open", slow_open_store)

    async def go() -> None:
        opening.append(asyncio.Event())
        task = asyncio.create_task(engine.run("Cut short", ResearchOptions(rounds=1)))
        await opening[0].wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    state = SessionStore(config.sessions_dir).open(engine.session_id or "").state()
    assert state.topic == "Cut short" and state.status == "interrupted"


def test_a_stream_cut_midway_is_retried_and_its_text_shown_once(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """The connection drops after some of the plan has streamed: the retry starts over and
    the round's text is the second attempt's alone (not the first's beginning twice)."""
    gemini, _ = fake_env
    gemini.queue_stream_cut(after_chunks=6, task="reasoning")
    _engine, seen, result = run_engine(config, "Flaky streams", rounds=1)
    assert result.status == "done"
    names = [type(e).__name__ for e in seen]
    restart = names.index("StreamRestarted")
    assert "LLMChunk" in names[:restart], "text had streamed before the cut"
    ready_at = names.index("PlanReady")
    # What the panes showed as the stream ended (PlanReady then replaces it anyway).
    streamed = SessionState.replay(seen[:ready_at]).rounds[1].text["plan"]
    assert streamed.strip() == seen[ready_at].plan.strip()


def test_a_report_stream_cut_midway_keeps_only_the_retry(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    gemini.queue_stream_cut(after_chunks=4, task="report")
    engine, seen, result = run_engine(config, "Flaky report", rounds=1)
    assert result.status == "done"
    restarts = [e for e in seen if type(e).__name__ == "StreamRestarted"]
    assert [e.purpose for e in restarts] == ["report"]
    saved = Path(engine.state.report_path).read_text(encoding="utf-8")
    streamed = engine.state.report
    assert streamed.strip() and saved.startswith(streamed.strip()[:200])
    heading = streamed.splitlines()[0]
    assert streamed.count(heading) == 1, "the failed attempt's opening is gone"
    log = (Path(engine.state.report_path).parent / "research_log.md").read_text("utf-8")
    assert log.count(heading) <= 2  # the report section, and at most its title once more


def test_an_answer_cut_at_the_output_limit_is_flagged(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    gemini.finish_reason = "MAX_TOKENS"
    _engine, seen, result = run_engine(config, "Long answers", rounds=1)
    assert result.status == "done"
    cut = [e for e in seen if isinstance(e, WarningRaised) and "output limit" in e.message]
    assert {w.message.split("'s ")[1].split(" ")[0] for w in cut} >= {"reasoning", "report"}


class _SlowGraph:
    """A mind map whose writes wait for ``release``: a slow or silent graph server."""

    def __init__(self, *, fail_on: str = "") -> None:
        self.release = threading.Event()
        self.applied: list[str] = []
        self.fail_on = fail_on

    def apply(self, event: Event) -> GraphDelta:
        if type(event).__name__ == self.fail_on:
            raise RuntimeError("graph server said no")
        if not self.fail_on:
            self.release.wait()
        self.applied.append(type(event).__name__)
        return GraphDelta(nodes=1)

    def context(self, topic: str, *, budget_chars: int = 3000) -> MindMapContext:
        return MindMapContext(facts=["an earlier fact"])

    def prior_evidence(self, topic: str) -> int:
        return 0

    def close(self) -> None:
        self.release.set()


def _run_in_thread(engine: ResearchEngine, topic: str, seconds: float) -> object:
    """Run a research on a thread of its own: a blocked event loop cannot time itself out."""
    outcome: list[object] = []

    async def go() -> None:
        try:
            outcome.append(await engine.run(topic, ResearchOptions(rounds=2, breadth=2)))
        finally:
            await engine.aclose()

    runner = threading.Thread(target=asyncio.run, args=(go(),), daemon=True)
    runner.start()
    runner.join(seconds)
    assert outcome, f"the research did not finish within {seconds:g} s"
    return outcome[0]


def test_a_silent_graph_never_stalls_the_research(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    store = _SlowGraph()
    seen: list[Event] = []
    engine = ResearchEngine(config, store=store, on_event=seen.append)
    engine.graph_wait_s = 0.3
    try:
        result = _run_in_thread(engine, "Silent graph", seconds=30)
    finally:
        store.release.set()
    assert getattr(result, "status", None) == "done"
    silent = [e for e in seen if isinstance(e, WarningRaised) and e.kind == "graph"]
    assert len(silent) == 1 and "did not answer within 0.3 s" in silent[0].message
    assert any(isinstance(e, LLMChunk) for e in seen), "streaming went on meanwhile"


def test_a_failed_graph_write_is_said_once_and_the_research_goes_on(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    store = _SlowGraph(fail_on="PlanReady")
    engine, seen, result = run_engine(config, "Failing graph", rounds=2, store=store)
    assert result.status == "done"
    failed = [e for e in seen if isinstance(e, WarningRaised) and e.kind == "graph"]
    assert len(failed) == 1 and "graph server said no" in failed[0].message
    assert "SynthesisReady" not in store.applied, "nothing is written after the failure"
    assert engine.state.rounds[2].synthesis is not None


def test_a_resume_that_fails_to_open_leaves_the_session_deletable(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    _engine, _seen, result = run_engine(config, "Soon corrupt", rounds=1)
    store = SessionStore(config.sessions_dir)
    handle = store.open(result.session_id)
    lines = handle.events_path.read_text("utf-8").splitlines()
    lines[2] = "{broken"
    handle.events_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    engine = ResearchEngine(config)
    with pytest.raises(CorruptSession):
        asyncio.run(engine.resume(result.session_id))
    assert not handle.is_busy()
    store.delete(result.session_id)


def test_a_session_killed_before_its_first_event_resumes_its_saved_topic(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    store = SessionStore(config.sessions_dir)
    handle = store.create("Killed while the graph opened")  # session.json, no events
    engine = ResearchEngine(config)

    async def go() -> object:
        try:
            return await engine.resume(handle.id)
        finally:
            await engine.aclose()

    result = asyncio.run(go())
    assert result.status == "done"
    assert engine.state.topic == "Killed while the graph opened"
    assert engine.state.rounds_planned == config.research.rounds
    assert handle.read_info().topic == "Killed while the graph opened"


def test_no_configured_secret_reaches_an_event_a_log_or_an_export(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Errors from outside may quote secrets the provider that raised them does not know
    (here the graph driver quotes the Neo4j password, Tavily the key): none gets saved."""
    from core.record.exports import export_session

    _, tavily = fake_env
    password = "graph-pass-8271"
    config.neo4j.password = password
    tavily.queue_error(400, message="Rejected the key {key}")

    def refuse(config: Config) -> object:
        raise RuntimeError(f"could not log in as neo4j/{password} at bolt://db:7687")

    monkeypatch.setattr("core.mindmap.factory.open_store", refuse)
    _engine, seen, result = run_engine(config, "Quoted secrets", rounds=1, breadth=2)
    assert result.status == "done with warnings", result.reason  # a search failed
    graph = [e for e in seen if isinstance(e, WarningRaised) and e.kind == "graph"]
    assert graph and "could not log in as neo4j/[redacted]" in graph[0].message
    assert any(isinstance(e, WarningRaised) and "Rejected the key" in e.message for e in seen)
    handle = SessionStore(config.sessions_dir).open(result.session_id)
    saved = [
        handle.events_path.read_text("utf-8"),
        handle.log_path.read_text("utf-8"),
        export_session(handle, "json"),
        export_session(handle, "md"),
    ]
    for secret in (password, config.tavily.api_key, config.gemini.api_key):
        assert not any(secret in text for text in saved), secret


def test_pause_from_another_thread_holds_the_real_engine_until_unpaused(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """The UI thread pauses and unpauses; the engine's own loop must honour both."""
    seen: list[Event] = []
    paused = threading.Event()
    engine = ResearchEngine(config)

    def on_event(event: Event) -> None:
        seen.append(event)
        if type(event).__name__ == "RoundFinished" and not paused.is_set():
            paused.set()
            threading.Thread(target=engine.pause).start()  # as the UI thread would

    engine.on_event = on_event
    outcome: list[object] = []

    async def go() -> None:
        try:
            outcome.append(await engine.run("Paused midway", ResearchOptions(rounds=2)))
        finally:
            await engine.aclose()

    runner = threading.Thread(target=asyncio.run, args=(go(),), daemon=True)
    runner.start()
    assert paused.wait(20)
    assert engine.held.wait(20), "the engine never reached its gate"
    held = len(seen)  # held at the gate: no step can run, so no event can follow
    assert not outcome
    assert type(seen[-1]).__name__ != "SessionFinished"
    engine.unpause()
    runner.join(30)
    assert not engine.held.is_set()
    assert len(seen) > held
    assert outcome and getattr(outcome[0], "status", None) == "done"
    assert getattr(outcome[0], "rounds", None) == 2


def test_clients_are_built_before_the_first_round(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    """Set-up (the SDK import, the clients) happens while the mind map opens, not inside
    round 1's reasoning call."""
    ready_at_round_one: list[bool] = []
    engine = ResearchEngine(config)

    def on_event(event: Event) -> None:
        if type(event).__name__ == "RoundStarted" and not ready_at_round_one:
            ready_at_round_one.append(engine.providers.ready)

    engine.on_event = on_event

    async def go() -> object:
        try:
            return await engine.run("Warm clients", ResearchOptions(rounds=1, breadth=1))
        finally:
            await engine.aclose()

    result = asyncio.run(go())
    assert getattr(result, "status", None) == "done"
    assert ready_at_round_one == [True]
