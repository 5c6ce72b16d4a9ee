"""The engine builds the configured OpenAI-compatible model itself, announces each call and
its first token (the UI's "waiting for the model — N s"), keeps the model's thinking apart
from every answer, and words failures by the provider that failed, never "Gemini"."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from core.config import Config, load
from core.events import (
    Event,
    LLMCallFinished,
    LLMCallStarted,
    LLMChunk,
    LLMFirstToken,
    SessionStarted,
    ThinkingChunk,
)
from core.providers import with_overrides
from core.research import ResearchEngine, ResearchOptions
from core.state import SessionState
from tests.fakes.openai_server import DEFAULT_OPENAI_MODEL, FakeOpenAI
from tests.fakes.searxng_server import FakeSearxng


def local_config(openai_url: str, searxng: FakeSearxng) -> Config:
    config = load()
    config.openai.base_url, config.openai.model = openai_url, DEFAULT_OPENAI_MODEL
    config.searxng.base_url = searxng.base_url
    return with_overrides(config, llm="openai", search="searxng")


def research(config: Config, rounds: int = 1) -> tuple[object, list[Event]]:
    seen: list[Event] = []
    engine = ResearchEngine(config, on_event=seen.append)  # builds its own providers

    async def go() -> object:
        try:
            return await engine.run("Tea", ResearchOptions(rounds=rounds, breadth=2))
        finally:
            await engine.aclose()

    return asyncio.run(go()), seen


def test_each_call_is_announced_and_its_first_token_timed(
    fake_openai: FakeOpenAI, fake_searxng: FakeSearxng
) -> None:
    fake_openai.first_token_delay_s = 0.3
    fake_openai.think = True
    result, seen = research(local_config(f"{fake_openai.base_url}/v1", fake_searxng))
    assert result.status == "done", result.reason  # type: ignore[attr-defined]
    started = [e for e in seen if isinstance(e, LLMCallStarted)]
    finished = [e for e in seen if isinstance(e, LLMCallFinished)]
    assert [e.purpose for e in started] == [e.purpose for e in finished]
    assert all(e.model == DEFAULT_OPENAI_MODEL for e in started)
    firsts = [e for e in seen if isinstance(e, LLMFirstToken)]
    assert [e.purpose for e in firsts] == ["reasoning", "report"]  # the streamed calls
    assert all(e.ms >= 250 for e in firsts), [e.ms for e in firsts]
    # the first token comes after its call was sent and before any of its text
    order = [type(e).__name__ for e in seen if e.__class__ in (LLMCallStarted, LLMFirstToken)]
    assert order[:2] == ["LLMCallStarted", "LLMFirstToken"]
    session = next(e for e in seen if isinstance(e, SessionStarted))
    assert (session.model, session.search_provider) == (DEFAULT_OPENAI_MODEL, "searxng")


def test_thinking_is_its_own_event_and_never_answer_text(
    fake_openai: FakeOpenAI, fake_searxng: FakeSearxng
) -> None:
    fake_openai.think = True
    result, seen = research(local_config(f"{fake_openai.base_url}/v1", fake_searxng))
    assert result.status == "done"  # type: ignore[attr-defined]
    thinking = [e for e in seen if isinstance(e, ThinkingChunk)]
    assert {e.purpose for e in thinking} >= {"reasoning", "report"}
    assert all("SECRET-THOUGHT" not in e.text for e in seen if isinstance(e, LLMChunk))
    state = SessionState.replay(seen)
    round_one = state.rounds[1]
    assert "SECRET-THOUGHT" in round_one.thinking["reasoning"]
    assert all("SECRET-THOUGHT" not in text for text in round_one.text.values())
    assert "SECRET-THOUGHT" not in state.report


def test_reasoning_content_deltas_become_thinking_too(
    fake_openai: FakeOpenAI, fake_searxng: FakeSearxng
) -> None:
    fake_openai.reasoning_deltas = True
    result, seen = research(local_config(f"{fake_openai.base_url}/v1", fake_searxng))
    assert result.status == "done"  # type: ignore[attr-defined]
    text = "".join(e.text for e in seen if isinstance(e, ThinkingChunk) and e.round == 1)
    assert text.strip()
    assert not any(text.strip() in e.text for e in seen if isinstance(e, LLMChunk))


def test_the_wait_is_in_the_state_until_the_first_token() -> None:
    state = SessionState()
    state.apply(SessionStarted(topic="t", rounds=1, breadth=1, timestamp=100.0))
    state.apply(LLMCallStarted(round=1, purpose="reasoning", timestamp=101.0))
    assert (state.model_waiting_since, state.model_waiting_purpose) == (101.0, "reasoning")
    state.apply(ThinkingChunk(round=1, purpose="reasoning", text="hmm", timestamp=130.0))
    assert state.model_waiting_since is None  # thinking is the model talking
    state.apply(LLMCallStarted(round=1, purpose="synthesis", timestamp=131.0))
    state.apply(LLMCallFinished(round=1, purpose="synthesis", timestamp=140.0))
    assert state.model_waiting_since is None
    state.apply(LLMCallStarted(round=1, purpose="report", timestamp=141.0))
    state.apply(LLMFirstToken(round=1, purpose="report", ms=5000, timestamp=146.0))
    assert state.model_waiting_since is None
    assert state.rounds[1].thinking == {"reasoning": "hmm"}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_model_server_that_is_not_running_is_named_not_gemini(
    fake_searxng: FakeSearxng, tmp_path: Path
) -> None:
    config = local_config(f"http://127.0.0.1:{_closed_port()}/v1", fake_searxng)
    config.openai.max_retries = 0
    result, _seen = research(config)
    reason = result.reason  # type: ignore[attr-defined]
    assert result.status == "failed"  # type: ignore[attr-defined]
    assert "connection refused" in reason and "127.0.0.1" in reason
    assert "Gemini" not in reason
