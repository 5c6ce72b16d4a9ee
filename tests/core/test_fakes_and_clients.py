"""The real google-genai and tavily-python SDKs against the loopback fakes, plus retries.

These prove the fakes speak the services' wire formats (the SDKs parse them) and that our
providers classify every failure the engine must handle differently.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from core.errors import (
    AuthError,
    BadOutputError,
    FatalProviderError,
    ProviderError,
    QuotaExhausted,
    RateLimitError,
    TransientError,
)
from core.llm.base import LLMProvider
from core.llm.gemini import GeminiProvider, classify_rate_limit, parse_duration, parse_json_text
from core.ratelimit import RateLimiter, call_with_retries
from core.search.base import SearchProvider
from core.search.tavily import TavilySearch
from tests.fakes.gemini_server import (
    DEFAULT_GEMINI_KEY,
    FakeGemini,
    google_error,
    planned_queries,
    rate_limit_body,
    split_chunks,
)
from tests.fakes.tavily_server import DEFAULT_TAVILY_KEY, INJECTION_TEXT, FakeTavily

MODEL = "gemini-2.5-flash"
SCHEMA = {"type": "object", "properties": {"summary": {"type": "string"}}}

REASONING_PROMPT = "TASK: reasoning\nTOPIC: {topic}\nROUND: {round}\n"
SYNTH_PROMPT = (
    "TASK: synthesis\nTOPIC: solar sails\nROUND: 1\n"
    '[3] Light sails explained — https://example.org/a\n<source id="3">text</source>\n'
    '[7] IKAROS mission — https://example.org/b\n<source id="7">text</source>\n'
)


def gemini(fake: FakeGemini, key: str = DEFAULT_GEMINI_KEY) -> GeminiProvider:
    return GeminiProvider(key, MODEL, base_url=fake.base_url, timeout_s=10)


def tavily(fake: FakeTavily, **kw: object) -> TavilySearch:
    return TavilySearch(DEFAULT_TAVILY_KEY, base_url=fake.base_url, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ Gemini


async def test_stream_returns_full_text_chunks_and_tokens(fake_gemini: FakeGemini) -> None:
    llm = gemini(fake_gemini)
    assert isinstance(llm, LLMProvider)
    seen: list[str] = []
    resp = await llm.stream_text(
        REASONING_PROMPT.format(topic="양자 컴퓨팅", round=2), on_text=seen.append
    )
    await llm.aclose()
    assert len(seen) > 10  # really streamed in many pieces
    assert "".join(seen) == resp.text
    assert "**PLANNING**" in resp.text and "**REFLECTION**" in resp.text
    for q in planned_queries("양자 컴퓨팅", 2):
        assert f"<SEARCH>{q}</SEARCH>" in resp.text
    assert any(c.endswith("<SE") for c in seen)  # the fake splits a tag across chunks
    assert resp.tokens_in > 0 and resp.tokens_out > 0 and resp.ms >= 0
    [req] = fake_gemini.model_requests("reasoning")
    assert req.path.endswith(f"/models/{MODEL}:streamGenerateContent")
    assert req.query.get("alt") == ["sse"]
    assert req.header("x-goog-api-key") == DEFAULT_GEMINI_KEY


async def test_async_on_text_callback_and_system_prompt(fake_gemini: FakeGemini) -> None:
    got: list[str] = []

    async def on_text(t: str) -> None:
        got.append(t)

    resp = await gemini(fake_gemini).stream_text("hello", system="be brief", on_text=on_text)
    assert resp.text == "Echo: hello" == "".join(got)
    body = fake_gemini.requests[-1].body
    assert body["systemInstruction"]["parts"][0]["text"] == "be brief"


async def test_rounds_plan_different_queries() -> None:
    assert set(planned_queries("x", 1)).isdisjoint(planned_queries("x", 2))
    assert set(planned_queries("x", 5)).isdisjoint(planned_queries("x", 1))


def test_split_chunks_cuts_markers_and_keeps_text() -> None:
    text = "**PLANNING**\na <SEARCH>q</SEARCH>\n**EXECUTION**\nb\n**REFLECTION**\nc"
    chunks = split_chunks(text)
    assert "".join(chunks) == text
    for marker in ("<SEARCH>", "**EXECUTION**", "**PLANNING**"):
        assert not any(marker in c for c in chunks)


async def test_generate_json_parses_synthesis(fake_gemini: FakeGemini) -> None:
    resp = await gemini(fake_gemini).generate_json(SYNTH_PROMPT, schema=SCHEMA)
    data = resp.data
    assert set(data) >= {"summary", "evidence", "concepts", "relations", "questions", "covered"}
    cited = {sid for e in data["evidence"] for sid in e["source_ids"]}
    assert cited == {3, 7}
    assert data["covered"] is False
    assert resp.tokens_in > 0 and resp.tokens_out > 0
    gen = fake_gemini.requests[-1].body["generationConfig"]
    assert gen["responseMimeType"] == "application/json"
    assert gen["responseJsonSchema"] == SCHEMA


async def test_generate_json_tolerates_fences(fake_gemini: FakeGemini) -> None:
    fake_gemini.responder = lambda req: '```json\n{"summary": "ok"}\n```'
    resp = await gemini(fake_gemini).generate_json("TASK: synthesis", schema=SCHEMA)
    assert resp.data == {"summary": "ok"}
    assert parse_json_text('Here: {"a": [1]} done') == {"a": [1]}


async def test_generate_json_rejects_garbage(fake_gemini: FakeGemini) -> None:
    fake_gemini.responder = lambda req: "not json at all"
    with pytest.raises(BadOutputError, match="not valid JSON"):
        await gemini(fake_gemini).generate_json("TASK: synthesis", schema=SCHEMA)


async def test_report_cites_only_prompt_sources(fake_gemini: FakeGemini) -> None:
    prompt = SYNTH_PROMPT.replace("TASK: synthesis", "TASK: report")
    resp = await gemini(fake_gemini).stream_text(prompt)
    import re

    cited = {int(n) for n in re.findall(r"\[(\d+)\]", resp.text)}
    assert cited == {3, 7}
    assert "## References" in resp.text


async def test_bad_key_is_auth_error_without_key_text(fake_gemini: FakeGemini) -> None:
    secret = "AIzaSyWRONG-key-0123456789abcdefghij"
    with pytest.raises(AuthError) as info:
        await gemini(fake_gemini, key=secret).stream_text("TASK: answer")
    assert secret not in str(info.value)
    assert "API_KEY_INVALID" in str(info.value) or "API key" in str(info.value)
    with pytest.raises(AuthError):
        await gemini(fake_gemini, key=secret).generate_json("x", schema=SCHEMA)


def test_missing_key_is_auth_error() -> None:
    with pytest.raises(AuthError, match="GEMINI_API_KEY"):
        GeminiProvider("", MODEL)


async def test_key_scrubbed_from_error_messages(fake_gemini: FakeGemini) -> None:
    llm = gemini(fake_gemini)
    fake_gemini.queue_error(418, google_error(418, f"echo {DEFAULT_GEMINI_KEY}"))
    with pytest.raises(ProviderError) as info:
        await llm.stream_text("x")
    assert DEFAULT_GEMINI_KEY not in str(info.value)
    assert "[redacted]" in str(info.value)
    assert not isinstance(info.value, AuthError | TransientError | RateLimitError)


async def test_429_is_rate_limit_with_retry_delay(fake_gemini: FakeGemini) -> None:
    fake_gemini.queue_rate_limit(retry_delay="0.3s")
    with pytest.raises(RateLimitError) as info:
        await gemini(fake_gemini).stream_text("x")
    err = info.value
    assert err.retry_after_s == pytest.approx(0.3)
    assert not err.daily and not err.unavailable


async def test_429_retry_with_server_delay_then_success(fake_gemini: FakeGemini) -> None:
    llm = gemini(fake_gemini)
    fake_gemini.queue_rate_limit(retry_delay="0.3s")
    waits: list[tuple[float, ProviderError, int]] = []

    def on_wait(delay: float, error: ProviderError, attempt: int) -> None:
        waits.append((delay, error, attempt))

    started = time.monotonic()
    resp = await call_with_retries(lambda: llm.stream_text("TASK: answer"), on_wait=on_wait)
    elapsed = time.monotonic() - started
    assert resp.text.startswith("The mind map")
    assert 0.25 <= elapsed < 2
    [(delay, error, attempt)] = waits
    assert 0.3 <= delay < 0.4 and isinstance(error, RateLimitError) and attempt == 1
    assert len(fake_gemini.model_requests()) == 2


async def test_per_day_429_becomes_quota_exhausted(fake_gemini: FakeGemini) -> None:
    fake_gemini.queue_rate_limit(retry_delay="0.2s", per_day=True)
    llm = gemini(fake_gemini)
    with pytest.raises(QuotaExhausted, match="paused"):
        await call_with_retries(lambda: llm.stream_text("x"), base_delay_s=0.01)
    assert len(fake_gemini.model_requests()) == 1  # no pointless retry


async def test_limit_zero_is_unavailable_and_not_retried(fake_gemini: FakeGemini) -> None:
    fake_gemini.queue_rate_limit(limit_zero=True, times=3)
    llm = gemini(fake_gemini)
    with pytest.raises(RateLimitError) as info:
        await call_with_retries(lambda: llm.generate_json("x", schema=SCHEMA))
    assert info.value.unavailable
    assert "limit: 0" in str(info.value)
    assert len(fake_gemini.model_requests()) == 1


async def test_503_then_ok_is_retried(fake_gemini: FakeGemini) -> None:
    fake_gemini.queue_server_error(503, times=2)
    llm = gemini(fake_gemini)
    kinds: list[type] = []
    resp = await call_with_retries(
        lambda: llm.stream_text("TASK: cypher"),
        base_delay_s=0.01,
        on_wait=lambda d, e, a: kinds.append(type(e)),
    )
    assert resp.text == "MATCH (t:Topic) RETURN t.name AS name LIMIT 10"
    assert kinds == [TransientError, TransientError]


async def test_connection_refused_is_transient() -> None:
    fake = FakeGemini().start()
    url = fake.base_url
    fake.stop()
    llm = GeminiProvider(DEFAULT_GEMINI_KEY, MODEL, base_url=url, timeout_s=5)
    with pytest.raises(TransientError):
        await llm.stream_text("x")


def test_classify_rate_limit_variants() -> None:
    body = rate_limit_body(retry_delay=None)["error"]
    err = classify_rate_limit(body["message"], body)
    assert err.retry_after_s is None and not err.daily
    msg = "Quota exceeded. Please retry in 20.04s."
    assert classify_rate_limit(msg, {}).retry_after_s == pytest.approx(20.04)
    both = rate_limit_body(per_day=True)["error"]
    both["details"][0]["violations"].append(
        {"quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}
    )
    assert not classify_rate_limit(both["message"], both).daily
    assert parse_duration("150ms") == pytest.approx(0.15)
    assert parse_duration({"seconds": 2, "nanos": 500_000_000}) == pytest.approx(2.5)


# ------------------------------------------------------------------------------ Tavily


async def test_tavily_search_snippets(fake_tavily: FakeTavily) -> None:
    search = tavily(fake_tavily)
    assert isinstance(search, SearchProvider)
    hits = await search.search("solar sails", max_results=4)
    await search.aclose()
    assert len(hits) == 4
    assert all(h.raw_content is None for h in hits)
    assert all(h.url.startswith("https://") and h.content for h in hits)
    [req] = fake_tavily.search_requests()
    assert req.header("authorization") == f"Bearer {DEFAULT_TAVILY_KEY}"
    assert req.body["max_results"] == 4 and req.body["include_raw_content"] is False


async def test_tavily_results_overlap_across_queries(fake_tavily: FakeTavily) -> None:
    search = tavily(fake_tavily)
    a = await search.search("solar sails history", max_results=5)
    b = await search.search("solar sails materials", max_results=5)
    again = await search.search("solar sails history", max_results=5)
    assert [h.url for h in a] == [h.url for h in again]  # deterministic

    def canon(url: str) -> str:
        return url.split("#")[0].split("?")[0].rstrip("/")

    shared = {canon(h.url) for h in a} & {canon(h.url) for h in b}
    assert "https://example.org/research/overview" in shared


async def test_tavily_raw_content_only_when_enabled(fake_tavily: FakeTavily) -> None:
    plain = await tavily(fake_tavily).search("ocean acidification", max_results=2)
    assert all(h.raw_content is None for h in plain)
    raw = await tavily(fake_tavily, include_raw_content=True, raw_content_chars=500).search(
        "ocean acidification", max_results=2
    )
    assert all(h.raw_content is not None and len(h.raw_content) == 500 for h in raw)
    assert fake_tavily.search_requests()[-1].body["include_raw_content"]


async def test_tavily_bad_key_is_auth_error(fake_tavily: FakeTavily) -> None:
    secret = "tvly-wrong-secret-999"
    with pytest.raises(AuthError) as info:
        await TavilySearch(secret, base_url=fake_tavily.base_url).search("x", max_results=1)
    assert secret not in str(info.value)


async def test_tavily_scripted_errors(fake_tavily: FakeTavily) -> None:
    search = tavily(fake_tavily)
    for status, kind in (
        (401, AuthError),
        (429, RateLimitError),
        (432, FatalProviderError),  # the plan's credits are spent: no retry can help
        (433, FatalProviderError),
        (500, TransientError),
    ):
        fake_tavily.queue_error(status)
        with pytest.raises(kind) as info:
            await search.search("x", max_results=1)
        assert type(info.value) is kind
    assert len(fake_tavily.search_requests()) == 5


async def test_tavily_without_key_never_sends(fake_tavily: FakeTavily) -> None:
    with pytest.raises(AuthError, match="TAVILY_API_KEY"):
        await TavilySearch("", base_url=fake_tavily.base_url).search("x", max_results=1)
    assert fake_tavily.requests == []


async def test_tavily_poison_and_timeout() -> None:
    with FakeTavily(poison=True) as fake:
        hits = await tavily(fake).search("q", max_results=3)
        assert sum(INJECTION_TEXT in h.content for h in hits) == 1
    with FakeTavily(delay_s=1.0) as slow, pytest.raises(TransientError):
        await tavily(slow, timeout_s=0.2).search("q", max_results=1)


async def test_fake_env_points_at_fakes(fake_env: tuple[FakeGemini, FakeTavily]) -> None:
    import os

    from core.config import load as load_config

    g, t = fake_env
    assert os.environ["GEMINI_BASE_URL"] == g.base_url
    assert os.environ["TAVILY_BASE_URL"] == t.base_url
    cfg = load_config()
    resp = await GeminiProvider(
        cfg.gemini.api_key, cfg.gemini.model, base_url=cfg.gemini.base_url
    ).stream_text("TASK: answer")
    assert resp.text
    assert json.dumps(g.requests[-1].body)  # recorded


# ------------------------------------------------------------------------------ retries


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_limiter_third_acquire_waits_a_minute() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock, sleep=clock.sleep)
    assert await limiter.acquire() == 0
    clock.now += 5
    assert await limiter.acquire() == 0
    assert limiter.wait_needed() == pytest.approx(55)
    waited = await limiter.acquire()
    assert clock.sleeps == [pytest.approx(55)] and waited == pytest.approx(55)
    # the window slid: one slot frees at t=1065
    await limiter.acquire()
    assert clock.sleeps[-1] == pytest.approx(5)


async def test_limiter_with_frozen_clock_does_not_spin() -> None:
    sleeps: list[float] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    limiter = RateLimiter(1, clock=lambda: 0.0, sleep=sleep)
    await limiter.acquire()
    await asyncio.wait_for(limiter.acquire(), 1)
    assert sleeps == [pytest.approx(60)]


async def test_limiter_disabled() -> None:
    limiter = RateLimiter(0, sleep=lambda s: pytest.fail("must not sleep"))  # type: ignore[arg-type,return-value]
    for _ in range(50):
        assert await limiter.acquire() == 0


def _failing(*errors: Exception, result: str = "ok"):
    calls: list[int] = []

    async def fn() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return fn, calls


async def test_retries_give_up_after_max_and_reraise_last() -> None:
    sleeps: list[float] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    fn, calls = _failing(*[TransientError(f"t{i}") for i in range(10)])
    with pytest.raises(TransientError, match="t3"):
        await call_with_retries(fn, max_retries=3, base_delay_s=1, max_delay_s=4, sleep=sleep)
    assert len(calls) == 4 and len(sleeps) == 3
    assert all(0 <= s <= 4 for s in sleeps)


async def test_retries_reraise_auth_and_plain_errors_at_once() -> None:
    for err in (AuthError("no"), ProviderError("bad")):
        fn, calls = _failing(err)
        with pytest.raises(type(err)):
            await call_with_retries(fn, sleep=lambda s: pytest.fail("slept"))  # type: ignore[arg-type,return-value]
        assert len(calls) == 1


async def test_retries_long_server_delay_pauses() -> None:
    fn, _ = _failing(RateLimitError("slow down", retry_after_s=3600))
    with pytest.raises(QuotaExhausted, match="3600"):
        await call_with_retries(fn, max_wait_s=300)


async def test_retries_honour_transient_retry_after_and_async_on_wait() -> None:
    sleeps: list[float] = []
    waits: list[int] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    async def on_wait(delay: float, error: ProviderError, attempt: int) -> None:
        waits.append(attempt)

    fn, _ = _failing(TransientError("busy", retry_after_s=7), RateLimitError("rl"))
    assert await call_with_retries(fn, sleep=sleep, on_wait=on_wait, base_delay_s=2) == "ok"
    assert 7 <= sleeps[0] <= 7.8 and 0 <= sleeps[1] <= 4
    assert waits == [1, 2]


async def test_retries_use_the_limiter_each_attempt() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock, sleep=clock.sleep)
    fn, calls = _failing(TransientError("x"))
    await call_with_retries(fn, limiter=limiter, sleep=clock.sleep, base_delay_s=0.001)
    assert len(calls) == 2
    assert any(s == pytest.approx(60, abs=0.01) for s in clock.sleeps)


@pytest.mark.parametrize("status", [400, 401, 403, 429])
async def test_tavily_errors_that_quote_the_key_never_pass_it_on(
    fake_tavily: FakeTavily, status: int
) -> None:
    fake_tavily.queue_error(status, times=3, message="Rejected the key {key}, sorry")
    with pytest.raises(ProviderError) as info:
        await tavily(fake_tavily).search("x", max_results=1)
    assert "Rejected the key" in str(info.value), "the server's words get through"
    assert DEFAULT_TAVILY_KEY not in str(info.value)
