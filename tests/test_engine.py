"""The research engine end to end: real google-genai and tavily-python against loopback fakes."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from core.config import Config, load
from core.engine import ResearchEngine, ResearchOptions
from core.events import (
    Event,
    LLMChunk,
    RateLimited,
    SessionFinished,
    SourceAdded,
    Warning,
)
from core.report import CITATION
from core.sessions import SessionStore
from core.state import SessionState
from core.urls import normalise_url
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


def run_engine(
    config: Config, topic: str, *, rounds: int = 2, breadth: int = 4, **kwargs
) -> tuple[ResearchEngine, list[Event], object]:
    seen: list[Event] = []
    engine = ResearchEngine(config, on_event=seen.append, **kwargs)

    async def go() -> object:
        try:
            return await engine.run(topic, ResearchOptions(rounds=rounds, breadth=breadth))
        finally:
            await engine.aclose()

    return engine, seen, asyncio.run(go())


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
    # 401 is final at once: 2 of the 3 searches fail. 429 is retried (3 attempts each):
    # 7 errors over at most 9 attempts make at least one search fail and one succeed.
    [(401, 2), (429, 7)],
)
def test_search_errors_become_warnings_and_the_run_completes(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily], status: int, errors: int
) -> None:
    _, tavily = fake_env
    tavily.queue_error(status, times=errors)
    _, seen, result = run_engine(config, "Coral reef restoration", rounds=1)
    assert result.status == "done"
    warnings = [e for e in seen if isinstance(e, Warning) and e.kind == "search"]
    assert len(warnings) >= 1
    assert result.sources > 0


@pytest.mark.parametrize(
    ("per_day", "limit_zero", "status"), [(True, False, "paused"), (False, True, "done")]
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
    assert any(isinstance(e, Warning) and e.kind == "report" for e in seen)


def test_prompts_stay_bounded_over_many_rounds(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    _, _, result = run_engine(config, "History of the printing press", rounds=20, breadth=3)
    assert result.status == "done"
    reasoning = [r.prompt for r in gemini.model_requests("reasoning")]
    assert len(reasoning) == 20
    assert len(reasoning[19]) < 1.5 * len(reasoning[2])


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
    assert not any(isinstance(e, Warning) and e.kind == "info" for e in first)
    gemini.clear()
    _, second, _ = run_engine(config, "tidal energy in europe", rounds=1)
    started = next(e for e in second if type(e).__name__ == "SessionStarted")
    assert started.prior_evidence > 0
    assert any(isinstance(e, Warning) and "Known topic" in e.message for e in second)
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
    errors = [e for e in seen if type(e).__name__ == "Error"]
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


def test_a_research_whose_every_search_failed_is_failed_not_done(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, tavily = fake_env
    tavily.queue_error(401, times=1000)
    _, seen, result = run_engine(config, "Kelp forests", rounds=2)
    assert result.status == "failed" and result.sources == 0
    assert any(type(e).__name__ == "Error" and e.kind == "search" for e in seen)
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
    assert any(isinstance(e, Warning) and "broken URL" in e.message for e in seen)


def test_an_unexpected_error_ends_the_session_as_failed(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    search = StubSearch(error=RuntimeError("boom"))
    _, seen, result = run_engine(config, "Unexpected", rounds=1, search=search)
    assert result.status == "failed" and "RuntimeError: boom" in result.reason
    assert any(type(e).__name__ == "Error" and e.kind == "internal" for e in seen)
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
    assert any(isinstance(e, Warning) and e.kind == "synthesis" for e in seen)
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

    async def slow_open_store() -> None:
        opening[0].set()
        await asyncio.sleep(30)  # a graph server that never answers

    monkeypatch.setattr(engine, "_open_store", slow_open_store)

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
