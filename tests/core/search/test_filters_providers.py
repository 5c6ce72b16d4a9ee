"""Filters reach each provider through its real client, and our own check drops what a
provider lets through anyway (counted, saved, and kept on resume)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core.config import Config, load
from core.events import SearchFinished, SessionStarted, SourceAdded
from core.research import ResearchEngine, ResearchOptions
from core.search.chain import SearchChain
from core.search.ddgs import DdgsSearch
from core.search.filters import SearchFilters
from core.search.searxng import SearxngSearch
from core.search.tavily import TavilySearch
from core.sessions import SessionStore
from core.state import SessionState
from tests.fakes.ddgs_http import DDG_HTML_URL, FakeDdgsHttp
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.searxng_server import FakeSearxng
from tests.fakes.tavily_server import DEFAULT_TAVILY_KEY, FakeTavily

LEAK = {
    "title": "A page from an excluded domain",
    "url": "https://news.spam.example.biz/story",
    "content": "Should never become a source.",
    "score": 0.99,
}


async def test_tavily_sdk_sends_domain_lists_and_time_range(fake_tavily: FakeTavily) -> None:
    search = TavilySearch(DEFAULT_TAVILY_KEY, base_url=fake_tavily.base_url)
    filters = SearchFilters.parse("example.org, docs.example.com", "spam.example.biz", "week")
    try:
        hits = await search.search("tea", max_results=5, filters=filters)
        await search.search("tea", max_results=5)
    finally:
        await search.aclose()
    filtered, plain = fake_tavily.search_params
    assert filtered["include_domains"] == ["example.org", "docs.example.com"]
    assert filtered["exclude_domains"] == ["spam.example.biz"]
    assert filtered["time_range"] == "week"
    assert "start_date" not in filtered
    for name in ("include_domains", "exclude_domains", "time_range", "start_date"):
        assert name not in plain  # no filters: the request is as before
    # the fake applied the include list like Tavily does
    assert hits and all("example.org" in h.url or "docs.example.com" in h.url for h in hits)


async def test_tavily_sdk_sends_a_since_date_as_start_date(fake_tavily: FakeTavily) -> None:
    search = TavilySearch(DEFAULT_TAVILY_KEY, base_url=fake_tavily.base_url)
    try:
        await search.search("tea", max_results=3, filters=SearchFilters.parse(recency="2026-01-15"))
    finally:
        await search.aclose()
    (params,) = fake_tavily.search_params
    assert params["start_date"] == "2026-01-15" and "time_range" not in params


async def test_tavily_published_date_reaches_the_hit(fake_tavily: FakeTavily) -> None:
    fake_tavily.extra_results = [{**LEAK, "published_date": "2026-11-30T08:00:00Z"}]
    search = TavilySearch(DEFAULT_TAVILY_KEY, base_url=fake_tavily.base_url)
    try:
        hits = await search.search("tea", max_results=2)
    finally:
        await search.aclose()
    assert hits[-1].published == "2026-11-30T08:00:00Z"


async def test_searxng_gets_the_time_range(fake_searxng: FakeSearxng) -> None:
    fake_searxng.extra_results = [{**LEAK, "publishedDate": "2026-11-01T00:00:00"}]
    search = SearxngSearch(fake_searxng.base_url)
    try:
        hits = await search.search(
            "tea", max_results=20, filters=SearchFilters.parse(recency="year")
        )
        await search.search("tea", max_results=3)
    finally:
        await search.aclose()
    filtered, plain = fake_searxng.params
    assert filtered["time_range"] == "year"
    assert "time_range" not in plain
    assert hits[-1].published == "2026-11-01T00:00:00"


async def test_ddgs_gets_the_timelimit(fake_ddgs: FakeDdgsHttp) -> None:
    search = DdgsSearch(backend="duckduckgo")
    await search.search("oolong tea", max_results=3, filters=SearchFilters.parse(recency="month"))
    await search.search("oolong tea", max_results=3)
    filtered, plain = [r.data for r in fake_ddgs.requests if r.url == DDG_HTML_URL]
    assert filtered.get("df") == "m"
    assert "df" not in plain


async def test_the_chain_passes_filters_on_to_the_provider_that_answers(
    fake_ddgs: FakeDdgsHttp, fake_searxng: FakeSearxng
) -> None:
    fake_ddgs.mode = "ratelimited"
    chain = SearchChain([DdgsSearch(backend="duckduckgo"), SearxngSearch(fake_searxng.base_url)])
    try:
        await chain.search("tea", max_results=3, filters=SearchFilters.parse(recency="day"))
    finally:
        await chain.aclose()
    assert fake_searxng.params[-1]["time_range"] == "day"
    assert fake_ddgs.requests[0].data.get("df") == "d"


# --------------------------------------------------------------------------- end to end


def _config(fake_env: tuple[FakeGemini, FakeTavily]) -> Config:
    config = load()
    config.gemini.rpm = 0
    return config


def _run(config: Config, options: ResearchOptions) -> tuple[ResearchEngine, list, object]:
    seen: list = []
    engine = ResearchEngine(config, on_event=seen.append)

    async def go() -> object:
        try:
            return await engine.run("Green tea and sleep", options)
        finally:
            await engine.aclose()

    return engine, seen, asyncio.run(go())


def test_an_excluded_domain_a_provider_returns_anyway_is_dropped_and_counted(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    _, tavily = fake_env
    tavily.ignore_filters = True  # Tavily "forgets" the filter ...
    old = (datetime.now(UTC) - timedelta(days=400)).date().isoformat()
    tavily.extra_results = [  # ... and sends an excluded page and a stale one
        LEAK,
        {**LEAK, "url": "https://fresh.example.info/old", "published_date": old},
    ]
    config = _config(fake_env)
    filters = SearchFilters.parse(exclude="spam.example.biz", recency="year")
    engine, seen, result = _run(config, ResearchOptions(rounds=1, breadth=3, filters=filters))

    assert result.status == "done"
    # it was asked
    assert all(p["exclude_domains"] == ["spam.example.biz"] for p in tavily.search_params)
    assert all(p["time_range"] == "year" for p in tavily.search_params)
    # and none of it became a source
    urls = [e.url for e in seen if isinstance(e, SourceAdded)]
    assert urls and not any("spam.example.biz" in u or "fresh.example.info" in u for u in urls)
    finished = [e for e in seen if isinstance(e, SearchFinished) and not e.error]
    assert finished and all(e.dropped == 2 for e in finished)
    reasons = finished[0].dropped_reasons
    assert reasons[0] == "https://news.spam.example.biz/story: excluded domain spam.example.biz"
    assert reasons[1].startswith(f"https://fresh.example.info/old: published {old}")
    assert result.results_dropped == 2 * len(finished) == engine.state.results_dropped
    assert result.as_dict()["results_dropped"] == result.results_dropped
    # saved: the replayed session knows the filters and the count
    handle = SessionStore(config.sessions_dir).open(result.session_id)
    replayed = SessionState.replay(handle.load_events())
    assert replayed.filters == filters.to_dict()
    assert replayed.results_dropped == result.results_dropped
    started = next(e for e in seen if isinstance(e, SessionStarted))
    assert started.filters == filters.to_dict()


def test_a_research_without_filters_drops_nothing_and_saves_no_filters(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    _, tavily = fake_env
    tavily.extra_results = [LEAK]
    _, seen, result = _run(_config(fake_env), ResearchOptions(rounds=1, breadth=2))
    assert any(isinstance(e, SourceAdded) and "spam.example.biz" in e.url for e in seen)
    assert result.results_dropped == 0
    assert next(e for e in seen if isinstance(e, SessionStarted)).filters == {}
    assert all("exclude_domains" not in p for p in tavily.search_params)


def test_resume_filters_as_the_research_began_not_as_the_config_says_today(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    gemini, tavily = fake_env
    config = _config(fake_env)
    gemini.queue_rate_limit(retry_delay="", per_day=True)  # round 1 pauses on quota
    filters = SearchFilters.parse(include="example.org", recency="month")
    _, _, paused = _run(config, ResearchOptions(rounds=2, breadth=2, filters=filters))
    assert paused.status == "paused"
    config.filters.exclude_domains = "example.org"  # today's defaults differ
    config.filters.include_domains = ""
    config.filters.recency = "day"
    before = len(tavily.search_params)
    resumed = ResearchEngine(config)

    async def go() -> object:
        try:
            return await resumed.resume(paused.session_id)
        finally:
            await resumed.aclose()

    final = asyncio.run(go())
    assert final.status == "done"
    later = tavily.search_params[before:]
    assert later, "the resumed research searched nothing"
    assert all(p.get("include_domains") == ["example.org"] for p in later)
    assert all(p.get("time_range") == "month" and "exclude_domains" not in p for p in later)
    assert resumed.state.filters == filters.to_dict()
