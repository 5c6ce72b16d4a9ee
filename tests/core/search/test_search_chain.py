"""SearchChain: order, fallback with one warning, rests with backoff, provider on each hit."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import AuthError, ProviderError, RateLimitError, TransientError
from core.ratelimit import call_with_retries
from core.search.base import SearchHit, SearchProvider
from core.search.chain import SearchChain
from core.search.ddgs import DdgsSearch
from core.search.searxng import SearxngSearch
from tests.fakes.ddgs_http import FakeDdgsHttp
from tests.fakes.searxng_server import FakeSearxng


class Scripted:
    """A provider answering from a list: a list of hits, or an exception to raise."""

    def __init__(self, name: str, *answers: list[SearchHit] | ProviderError) -> None:
        self.name = name
        self.answers = list(answers)
        self.calls: list[str] = []
        self.closed = False

    async def search(self, query: str, *, max_results: int) -> list[SearchHit]:
        self.calls.append(query)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, ProviderError):
            raise answer
        return answer

    async def aclose(self) -> None:
        self.closed = True


def hits(tag: str) -> list[SearchHit]:
    return [
        SearchHit(title=f"{tag} {i}", url=f"https://{tag}.example/{i}", content="x")
        for i in range(2)
    ]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def chain(*providers: Scripted, clock: Clock | None = None) -> tuple[SearchChain, list[str]]:
    warnings: list[str] = []
    c = SearchChain(
        providers,
        on_warning=warnings.append,
        clock=clock or Clock(),
        base_rest_s=30,
        max_rest_s=600,
    )
    return c, warnings


async def test_the_first_provider_answers_and_names_itself() -> None:
    first, second = Scripted("tavily", hits("t")), Scripted("ddgs", hits("d"))
    c, warnings = chain(first, second)
    assert isinstance(c, SearchProvider)
    found = await c.search("q", max_results=5)
    assert [h.provider for h in found] == ["tavily", "tavily"]
    assert second.calls == [] and warnings == []


async def test_a_rate_limited_provider_falls_back_with_one_warning_and_rests() -> None:
    clock = Clock()
    ddgs = Scripted("ddgs", RateLimitError("429", retry_after_s=120), hits("d"))
    searx = Scripted("searxng", hits("s"))
    c, warnings = chain(ddgs, searx, clock=clock)
    for q in ("q1", "q2", "q3"):
        found = await c.search(q, max_results=5)
        assert {h.provider for h in found} == {"searxng"}
    assert ddgs.calls == ["q1"]  # rested, not hammered
    assert len(warnings) == 1 and "ddgs is rate-limited; resting it 120s" in warnings[0]
    assert "Trying searxng" in warnings[0]
    assert c.resting() == {"ddgs": pytest.approx(120)}
    clock.now += 121
    found = await c.search("q4", max_results=5)
    assert {h.provider for h in found} == {"ddgs"} and ddgs.calls == ["q1", "q4"]


async def test_failures_rest_with_growing_backoff() -> None:
    clock = Clock()
    flaky = Scripted("searxng", TransientError("502"))
    backup = Scripted("local", hits("l"))
    c, warnings = chain(flaky, backup, clock=clock)
    rests = []
    for _ in range(3):
        await c.search("q", max_results=5)
        rests.append(round(c.resting()["searxng"]))
        clock.now += rests[-1] + 1
    assert rests == [30, 60, 120]
    assert len(flaky.calls) == 3 and len(warnings) == 1  # one warning for the episode


async def test_an_empty_answer_falls_back_and_all_empty_is_no_results() -> None:
    local = Scripted("local", [])
    web = Scripted("ddgs", hits("d"))
    c, warnings = chain(local, web)
    assert {h.provider for h in await c.search("q", max_results=5)} == {"ddgs"}
    assert warnings == ["local found nothing for 'q'. Trying ddgs."]
    web.answers = [[]]
    assert await c.search("q2", max_results=5) == []


async def test_everything_resting_is_a_rate_limit_with_the_shortest_rest() -> None:
    a = Scripted("ddgs", RateLimitError("429", retry_after_s=50))
    b = Scripted("searxng", RateLimitError("429", retry_after_s=20))
    c, _ = chain(a, b)
    with pytest.raises(RateLimitError) as info:
        await c.search("q", max_results=5)
    assert info.value.retry_after_s == pytest.approx(20)
    with pytest.raises(RateLimitError) as info:
        await c.search("q", max_results=5)
    assert info.value.retry_after_s == pytest.approx(20)
    assert len(a.calls) == len(b.calls) == 1


async def test_a_single_provider_keeps_its_own_error() -> None:
    c, _ = chain(Scripted("tavily", AuthError("bad key")))
    with pytest.raises(AuthError):
        await c.search("q", max_results=5)
    c2, _ = chain(Scripted("searxng", ProviderError("403 json off")))
    with pytest.raises(ProviderError, match="403 json off"):
        await c2.search("q", max_results=5)


async def test_a_rejected_key_rests_for_the_longest_rest() -> None:
    tavily = Scripted("tavily", AuthError("Tavily rejected the API key"))
    c, warnings = chain(tavily, Scripted("ddgs", hits("d")))
    await c.search("q", max_results=5)
    assert c.resting()["tavily"] == pytest.approx(600)
    assert "Tavily rejected the API key" in warnings[0]


async def test_closing_closes_every_provider() -> None:
    a, b = Scripted("a", []), Scripted("b", [])
    c, _ = chain(a, b)
    await c.aclose()
    assert a.closed and b.closed


async def test_the_retry_layer_waits_out_the_rest_then_succeeds() -> None:
    clock = Clock()
    a = Scripted("ddgs", RateLimitError("429", retry_after_s=5), hits("d"))
    c, _ = chain(a, clock=clock)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.now += seconds

    found = await call_with_retries(lambda: c.search("q", max_results=5), sleep=sleep)
    assert {h.provider for h in found} == {"ddgs"} and 5 <= waits[0] <= 5.6


async def test_real_providers_ddgs_rate_limited_then_searxng(
    fake_ddgs: FakeDdgsHttp, fake_searxng: FakeSearxng
) -> None:
    fake_ddgs.mode = "ratelimited"
    warnings: list[str] = []
    c = SearchChain(
        [DdgsSearch(backend="duckduckgo"), SearxngSearch(fake_searxng.base_url)],
        on_warning=warnings.append,
    )
    try:
        found = await c.search("white tea", max_results=3)
    finally:
        await c.aclose()
    assert len(found) == 3 and {h.provider for h in found} == {"searxng"}
    assert fake_ddgs.ddg_queries == ["white tea"] and fake_searxng.queries == ["white tea"]
    assert warnings == ["ddgs found nothing for 'white tea'. Trying searxng."]


async def test_one_rejected_key_in_a_chain_is_not_fatal_while_others_rest() -> None:
    ddgs = Scripted("ddgs", RateLimitError("429", retry_after_s=40))
    tavily = Scripted("tavily", AuthError("bad key"))
    c, _ = chain(ddgs, tavily)
    with pytest.raises(RateLimitError) as info:
        await c.search("q", max_results=5)
    assert info.value.retry_after_s == pytest.approx(40)
    both_bad, _ = chain(Scripted("a", AuthError("bad a")), Scripted("b", AuthError("bad b")))
    with pytest.raises(AuthError, match="bad b"):
        await both_bad.search("q", max_results=5)
    with pytest.raises(AuthError):
        await both_bad.search("q", max_results=5)


async def test_a_lone_provider_is_never_skipped_so_retries_reach_it() -> None:
    only = Scripted("searxng", TransientError("502"), hits("s"))
    c, _ = chain(only)
    with pytest.raises(TransientError):
        await c.search("q", max_results=5)
    assert {h.provider for h in await c.search("q", max_results=5)} == {"searxng"}


class Counting:
    """A provider that holds each search until released, counting how many are under way."""

    def __init__(self, name: str, *, fail: bool = False) -> None:
        import asyncio

        self.name = name
        self.fail = fail
        self.active = 0
        self.most = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def search(self, query: str, *, max_results: int) -> list[SearchHit]:
        self.active += 1
        self.most = max(self.most, self.active)
        self.started.set()
        try:
            await self.release.wait()
        finally:
            self.active -= 1
        if self.fail:
            raise TransientError("502")
        return hits(f"{self.name}-{query}")

    async def aclose(self) -> None:
        pass


async def test_each_provider_has_its_own_bound_on_searches_at_once() -> None:
    import asyncio

    tavily, ddgs = Counting("tavily"), Counting("ddgs")
    c = SearchChain([tavily, ddgs], limits={"tavily": 3, "ddgs": 2})
    tasks = [asyncio.create_task(c.search(f"q{i}", max_results=2)) for i in range(8)]
    await tavily.started.wait()
    for _ in range(20):  # let every task reach its semaphore
        await asyncio.sleep(0)
    assert tavily.active == 3, "three at tavily, the other five queued for a slot"
    tavily.release.set()
    found = await asyncio.gather(*tasks)
    assert tavily.most == 3 and ddgs.most == 0
    assert all({h.provider for h in f} == {"tavily"} for f in found)


async def test_a_failing_provider_hands_over_within_the_next_ones_bound() -> None:
    import asyncio

    tavily, ddgs = Counting("tavily", fail=True), Counting("ddgs")
    tavily.release.set()  # every tavily search fails at once
    c = SearchChain([tavily, ddgs], limits={"tavily": 4, "ddgs": 2})
    tasks = [asyncio.create_task(c.search(f"q{i}", max_results=2)) for i in range(6)]
    await ddgs.started.wait()
    for _ in range(20):
        await asyncio.sleep(0)
    assert ddgs.active == 2
    ddgs.release.set()
    found = await asyncio.gather(*tasks)
    assert ddgs.most == 2 and all({h.provider for h in f} == {"ddgs"} for f in found)


def test_the_built_chain_takes_each_providers_configured_bound(tmp_path: Path) -> None:
    from core.config import load
    from core.providers import build_search, search_concurrency, with_overrides

    config = with_overrides(load(), search="tavily,ddgs,local", docs=[str(tmp_path)])
    config.ddgs.concurrency = 3
    built = build_search(config)
    assert isinstance(built, SearchChain)
    assert built.limits == {"tavily": 4, "ddgs": 3, "local": 1}
    assert search_concurrency(config, "searxng") == 3 and search_concurrency(config, "x") is None
