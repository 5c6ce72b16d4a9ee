"""A server that reports no token usage: each call says its tokens were counted from the
text, and the session (state, session.json) says its cost is an estimate."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.config import load
from core.events import Event, LLMCallFinished
from core.providers import with_overrides
from core.research import ResearchEngine, ResearchOptions
from core.sessions import SessionStore
from tests.fakes.openai_server import DEFAULT_OPENAI_MODEL, FakeOpenAI


def test_calls_without_reported_usage_mark_the_cost_estimated(
    fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.send_usage = False
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tea.md").write_text("# Tea\n\nNotes on tea history and methods.\n", "utf-8")
    config = load()
    config.openai.base_url, config.openai.model = f"{fake_openai.base_url}/v1", DEFAULT_OPENAI_MODEL
    config = with_overrides(config, llm="openai", search="local", docs=[str(docs)])
    seen: list[Event] = []
    engine = ResearchEngine(config, on_event=seen.append)

    async def go() -> object:
        try:
            return await engine.run("Tea", ResearchOptions(rounds=1, breadth=1))
        finally:
            await engine.aclose()

    result = asyncio.run(go())
    assert result.status in ("done", "done with warnings"), result.reason
    calls = [e for e in seen if isinstance(e, LLMCallFinished)]
    assert calls and all(c.usage_estimated for c in calls)
    assert all(c.tokens_in > 0 for c in calls), "counted from the text, not zero"
    assert engine.state.usage_estimated
    info = SessionStore(config.sessions_dir).open(result.session_id).read_info()
    assert info.cost_estimated is True
