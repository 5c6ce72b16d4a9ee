"""The OpenAI-compatible provider, driven through the real ``openai`` SDK against the fake."""

from __future__ import annotations

import json
import socket

import pytest

from core.errors import AuthError, ProviderError, RateLimitError, TransientError
from core.llm.base import LLMProvider
from core.llm.lenient_json import extract_json
from core.llm.openai_compat import OpenAICompatProvider, parse_retry_after, start_hint
from core.llm.thinking import ThinkFilter, split_thinking
from core.ratelimit import call_with_retries
from tests.fakes.gemini_server import reasoning_text, synthesis_data
from tests.fakes.openai_server import DEFAULT_OPENAI_MODEL, THINKING_TEXT, FakeOpenAI

SCHEMA = {"type": "object", "properties": {"summary": {"type": "string"}}}
REASONING_PROMPT = "TASK: reasoning\nTOPIC: tea\nROUND: 1"
SYNTHESIS_PROMPT = "TASK: synthesis\nTOPIC: tea\nROUND: 1\n[1] Tea history — https://a.example/t"


def provider(fake: FakeOpenAI, **kwargs: object) -> OpenAICompatProvider:
    return OpenAICompatProvider(
        base_url=f"{fake.base_url}/v1",
        model=DEFAULT_OPENAI_MODEL,
        **kwargs,  # type: ignore[arg-type]
    )


def formats(fake: FakeOpenAI) -> list[str | None]:
    return [(r.body.get("response_format") or {}).get("type") for r in fake.chat_requests()]


# --------------------------------------------------------------------------- streaming


async def test_streams_text_and_reads_usage_from_the_usage_chunk(fake_openai: FakeOpenAI) -> None:
    llm = provider(fake_openai)
    assert isinstance(llm, LLMProvider)
    chunks: list[str] = []
    try:
        resp = await llm.stream_text(REASONING_PROMPT, system="be brief", on_text=chunks.append)
    finally:
        await llm.aclose()
    expected = reasoning_text(REASONING_PROMPT)
    assert len(chunks) > 3
    assert "".join(chunks).strip() == resp.text == expected.strip()
    assert resp.usage_estimated is False
    assert resp.tokens_in > 0 and resp.tokens_out == max(1, len(expected) // 4)
    body = fake_openai.chat_requests()[0].body
    assert body["stream_options"] == {"include_usage": True}
    assert body["messages"][0] == {"role": "system", "content": "be brief"}


async def test_usage_is_an_estimate_when_the_server_sends_none(fake_openai: FakeOpenAI) -> None:
    fake_openai.send_usage = False
    llm = provider(fake_openai)
    try:
        resp = await llm.stream_text(REASONING_PROMPT)
    finally:
        await llm.aclose()
    assert resp.usage_estimated is True
    assert resp.tokens_in > 0 and resp.tokens_out > 0


async def test_think_blocks_never_reach_the_answer(fake_openai: FakeOpenAI) -> None:
    fake_openai.think = True
    llm = provider(fake_openai)
    shown: list[str] = []
    thought: list[str] = []
    try:
        resp = await llm.stream_text(
            REASONING_PROMPT, on_text=shown.append, on_thinking=thought.append
        )
    finally:
        await llm.aclose()
    visible = "".join(shown)
    assert "SECRET-THOUGHT" not in visible and "think>" not in visible
    assert "SECRET-THOUGHT" not in resp.text
    assert "**PLANNING**" in resp.text
    assert "SECRET-THOUGHT" in "".join(thought)
    assert resp.thinking.strip() == THINKING_TEXT


async def test_reasoning_content_deltas_go_to_thinking(fake_openai: FakeOpenAI) -> None:
    fake_openai.reasoning_deltas = True
    llm = provider(fake_openai)
    shown: list[str] = []
    thought: list[str] = []
    try:
        resp = await llm.stream_text(
            REASONING_PROMPT, on_text=shown.append, on_thinking=thought.append
        )
    finally:
        await llm.aclose()
    assert "SECRET-THOUGHT" not in "".join(shown)
    assert "".join(thought) == THINKING_TEXT == resp.thinking


async def test_a_slow_first_token_within_the_timeout_is_fine(fake_openai: FakeOpenAI) -> None:
    fake_openai.first_token_delay_s = 0.6
    llm = provider(fake_openai, first_token_timeout_s=10)
    try:
        resp = await llm.stream_text(REASONING_PROMPT)
    finally:
        await llm.aclose()
    assert "**PLANNING**" in resp.text


async def test_no_first_token_within_the_timeout_is_a_clear_transient_error(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.first_token_delay_s = 3
    llm = provider(fake_openai, first_token_timeout_s=0.3)
    try:
        with pytest.raises(TransientError, match=r"no first token within 0\.3s") as info:
            await llm.stream_text(REASONING_PROMPT)
    finally:
        await llm.aclose()
    assert "first_token_timeout_s" in info.value.message


# --------------------------------------------------------------------------- JSON


async def test_generate_json_uses_json_schema(fake_openai: FakeOpenAI) -> None:
    llm = provider(fake_openai)
    try:
        resp = await llm.generate_json(SYNTHESIS_PROMPT, schema=SCHEMA)
    finally:
        await llm.aclose()
    assert resp.data == synthesis_data(SYNTHESIS_PROMPT)
    assert formats(fake_openai) == ["json_schema"]
    sent = fake_openai.chat_requests()[0].body["response_format"]["json_schema"]["schema"]
    assert sent == SCHEMA


async def test_a_refused_json_schema_falls_back_once_per_server(fake_openai: FakeOpenAI) -> None:
    fake_openai.refuse_json_schema = True
    for _ in range(2):
        llm = provider(fake_openai)  # a new client each time: the memory is per server
        try:
            resp = await llm.generate_json(SYNTHESIS_PROMPT, schema=SCHEMA)
        finally:
            await llm.aclose()
        assert resp.data == synthesis_data(SYNTHESIS_PROMPT)
    assert formats(fake_openai) == ["json_schema", "json_object", "json_object"]
    fallback_messages = json.dumps(fake_openai.chat_requests()[1].body["messages"])
    assert "JSON" in fallback_messages and "summary" in fallback_messages


async def test_no_json_mode_at_all_uses_lenient_extraction(fake_openai: FakeOpenAI) -> None:
    fake_openai.refuse_json_schema = fake_openai.refuse_json_object = True
    fake_openai.think = True
    fake_openai.responder = lambda req: (
        'Sure! Here is the JSON:\n```json\n{"summary": "tea {is} old"}\n```\nHope it helps.'
    )
    llm = provider(fake_openai)
    try:
        first = await llm.generate_json(SYNTHESIS_PROMPT, schema=SCHEMA)
        second = await llm.generate_json(SYNTHESIS_PROMPT, schema=SCHEMA)
    finally:
        await llm.aclose()
    assert first.data == second.data == {"summary": "tea {is} old"}
    assert "SECRET-THOUGHT" in first.thinking and "SECRET-THOUGHT" not in first.text
    assert formats(fake_openai) == ["json_schema", "json_object", None, None]


async def test_a_400_to_every_mode_is_the_requests_fault_not_the_formats(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.queue_error(400, "context length exceeded", times=3)
    llm = provider(fake_openai)
    try:
        with pytest.raises(ProviderError, match="context length exceeded"):
            await llm.generate_json(SYNTHESIS_PROMPT, schema=SCHEMA)
        resp = await llm.generate_json(SYNTHESIS_PROMPT, schema=SCHEMA)
    finally:
        await llm.aclose()
    assert resp.data is not None
    assert formats(fake_openai)[-1] == "json_schema"  # nothing was remembered


# --------------------------------------------------------------------------- errors


async def test_429_with_retry_after_is_a_rate_limit_with_the_delay(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.queue_rate_limit("7")
    llm = provider(fake_openai)
    try:
        with pytest.raises(RateLimitError) as info:
            await llm.stream_text(REASONING_PROMPT)
    finally:
        await llm.aclose()
    assert info.value.retry_after_s == 7
    assert info.value.daily is False
    assert len(fake_openai.chat_requests()) == 1  # the SDK itself did not retry


async def test_429_is_waited_by_our_retry_layer(fake_openai: FakeOpenAI) -> None:
    fake_openai.queue_rate_limit("2", times=2)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    llm = provider(fake_openai)
    try:
        resp = await call_with_retries(lambda: llm.stream_text(REASONING_PROMPT), sleep=sleep)
    finally:
        await llm.aclose()
    assert "**PLANNING**" in resp.text
    assert len(waits) == 2 and all(2 <= w <= 2.3 for w in waits)


async def test_wrong_key_is_an_auth_error_without_the_key(fake_openai: FakeOpenAI) -> None:
    fake_openai.api_key = "the-right-key"
    llm = provider(fake_openai, api_key="sk-wrong-secret-9999")
    try:
        with pytest.raises(AuthError) as info:
            await llm.stream_text(REASONING_PROMPT)
    finally:
        await llm.aclose()
    assert "sk-wrong-secret-9999" not in str(info.value)
    assert "OPENAI_API_KEY" in str(info.value)


async def test_unknown_model_says_so(fake_openai: FakeOpenAI) -> None:
    llm = OpenAICompatProvider(base_url=f"{fake_openai.base_url}/v1", model="nope:1b")
    try:
        with pytest.raises(ProviderError, match="no model 'nope:1b'"):
            await llm.stream_text(REASONING_PROMPT)
    finally:
        await llm.aclose()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused_names_the_server_and_how_to_start_it() -> None:
    port = _closed_port()
    llm = OpenAICompatProvider(base_url=f"http://127.0.0.1:{port}/v1", model="m")
    try:
        with pytest.raises(ProviderError) as info:
            await llm.stream_text("hi")
    finally:
        await llm.aclose()
    assert not isinstance(info.value, TransientError)  # not retried: nothing is listening
    assert f"127.0.0.1:{port}" in info.value.message
    assert "connection refused" in info.value.message
    assert "is the server running" in info.value.message


def test_start_hints_name_the_usual_local_servers() -> None:
    assert start_hint("http://localhost:11434/v1") == "is `ollama serve` running?"
    assert "LM Studio" in start_hint("http://127.0.0.1:1234/v1")
    assert "llama-server" in start_hint("http://127.0.0.1:8080/v1")
    assert "base URL" in start_hint("https://gateway.example.com/v1")


async def test_list_models_is_one_cheap_call(fake_openai: FakeOpenAI) -> None:
    llm = provider(fake_openai)
    try:
        assert await llm.list_models() == [DEFAULT_OPENAI_MODEL]
    finally:
        await llm.aclose()


def test_parse_retry_after_reads_seconds_ms_and_dates() -> None:
    assert parse_retry_after({"retry-after": "12"}) == 12
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0
    assert parse_retry_after({}) is None


# --------------------------------------------------------------------------- pure helpers


def test_think_filter_handles_a_tag_cut_at_any_point() -> None:
    text = "Plan A.<think>secret step</think>Answer B.<thinking>more</thinking>!"
    for i in range(len(text) + 1):
        for j in range(i, len(text) + 1):
            splitter = ThinkFilter()
            shown: list[str] = []
            thought: list[str] = []
            for part in (text[:i], text[i:j], text[j:]):
                visible, thinking = splitter.feed(part)
                shown.append(visible)
                thought.append(thinking)
            visible, thinking = splitter.flush()
            assert "".join([*shown, visible]) == "Plan A.Answer B.!", (i, j)
            assert "".join([*thought, thinking]) == "secret stepmore", (i, j)


def test_think_filter_passes_a_lone_angle_bracket_through() -> None:
    splitter = ThinkFilter()
    visible, _ = splitter.feed("a < b and <thin")
    rest, _ = splitter.flush()
    assert visible + rest == "a < b and <thin"


def test_split_thinking_takes_an_orphan_closing_tag_as_thinking() -> None:
    assert split_thinking("I pondered.</think>\nThe answer.") == ("The answer.", "I pondered.")
    assert split_thinking("<think>x</think> y") == ("y", "x")


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '```json\n{"a": 1}\n```',
        'Here you go: {"a": 1} -- done {not json}',
        '<think>{"a": 2}</think>{"a": 1}',
        'Note {this} first.\n```\n{"a": 1}\n```',
    ],
)
def test_extract_json_finds_the_object(text: str) -> None:
    assert extract_json(text) == {"a": 1}


def test_extract_json_refuses_prose() -> None:
    with pytest.raises(json.JSONDecodeError):
        extract_json("I cannot answer that.")


async def test_a_server_refusing_stream_options_is_asked_without_them_once(
    fake_openai: FakeOpenAI,
) -> None:
    fake_openai.refuse_stream_options = True
    llm = provider(fake_openai)
    try:
        first = await llm.stream_text(REASONING_PROMPT)
        second = await llm.stream_text(REASONING_PROMPT)
    finally:
        await llm.aclose()
    assert "**PLANNING**" in first.text and "**PLANNING**" in second.text
    assert second.usage_estimated is True
    sent = ["stream_options" in r.body for r in fake_openai.chat_requests()]
    assert sent == [True, False, False]
