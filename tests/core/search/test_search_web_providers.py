"""SearXNG (real httpx against the loopback fake) and ddgs (faked at its HTTP boundary)."""

from __future__ import annotations

import pytest

from core.errors import ProviderError, RateLimitError, TransientError
from core.search.base import SearchProvider
from core.search.ddgs import DdgsSearch
from core.search.searxng import SearxngSearch
from tests.fakes.ddgs_http import DDG_HTML_URL, FakeDdgsHttp
from tests.fakes.searxng_server import FakeSearxng


async def test_searxng_returns_hits_from_its_json_api(fake_searxng: FakeSearxng) -> None:
    search = SearxngSearch(fake_searxng.base_url + "/", language="en")
    assert isinstance(search, SearchProvider)
    try:
        hits = await search.search("green tea history", max_results=3)
    finally:
        await search.aclose()
    assert len(hits) == 3
    assert all(h.provider == "searxng" and h.url.startswith("https://") for h in hits)
    assert "green tea history" in hits[0].content
    req = fake_searxng.requests[0]
    assert req.query["format"] == ["json"] and req.query["language"] == ["en"]
    assert fake_searxng.queries == ["green tea history"]


async def test_searxng_without_json_format_explains_the_setting(
    fake_searxng: FakeSearxng,
) -> None:
    fake_searxng.json_enabled = False
    search = SearxngSearch(fake_searxng.base_url)
    try:
        with pytest.raises(ProviderError, match=r"search\.formats"):
            await search.search("tea", max_results=3)
    finally:
        await search.aclose()


async def test_searxng_429_is_a_rate_limit_with_its_delay(fake_searxng: FakeSearxng) -> None:
    fake_searxng.queue_error(429, retry_after="30")
    search = SearxngSearch(fake_searxng.base_url)
    try:
        with pytest.raises(RateLimitError) as info:
            await search.search("tea", max_results=3)
    finally:
        await search.aclose()
    assert info.value.retry_after_s == 30


async def test_searxng_5xx_is_transient(fake_searxng: FakeSearxng) -> None:
    fake_searxng.queue_error(502)
    search = SearxngSearch(fake_searxng.base_url)
    try:
        with pytest.raises(TransientError):
            await search.search("tea", max_results=3)
    finally:
        await search.aclose()


async def test_searxng_not_running_says_so() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    search = SearxngSearch(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(ProviderError, match=f"Cannot reach SearXNG at 127.0.0.1:{port}"):
            await search.search("tea", max_results=3)
    finally:
        await search.aclose()


async def test_ddgs_parses_duckduckgo_results(fake_ddgs: FakeDdgsHttp) -> None:
    search = DdgsSearch(backend="duckduckgo")
    assert isinstance(search, SearchProvider)
    hits = await search.search("oolong tea", max_results=4)
    assert len(hits) == 4
    assert {h.provider for h in hits} == {"ddgs"}
    assert all(h.url.startswith("https://ddg") for h in hits)
    assert "oolong tea" in hits[0].title and "A snippet about oolong tea" in hits[0].content
    assert fake_ddgs.ddg_queries == ["oolong tea"]
    assert {r.url for r in fake_ddgs.requests} == {DDG_HTML_URL}


async def test_ddgs_auto_backend_never_leaves_the_fake(fake_ddgs: FakeDdgsHttp) -> None:
    hits = await DdgsSearch().search("oolong tea", max_results=3)
    # Whatever engines ddgs picked, each request went to the fake, and DuckDuckGo answered.
    assert fake_ddgs.requests and hits
    assert all(h.provider == "ddgs" for h in hits)


async def test_ddgs_rate_limited_is_empty_not_an_error(fake_ddgs: FakeDdgsHttp) -> None:
    fake_ddgs.mode = "ratelimited"
    assert await DdgsSearch(backend="duckduckgo").search("tea", max_results=3) == []


async def test_ddgs_network_failure_is_transient(fake_ddgs: FakeDdgsHttp) -> None:
    fake_ddgs.mode = "down"
    with pytest.raises(TransientError, match="ddgs search failed"):
        await DdgsSearch(backend="duckduckgo").search("tea", max_results=3)
