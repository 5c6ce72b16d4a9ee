"""Each source records the search provider that found it: live, replayed and exported.

tavily answers round 1; from round 2 its key is rejected (as a revoked key is), so the chain
hands every query to ddgs and those sources must say "ddgs"."""

from __future__ import annotations

import asyncio
import json

import pytest

from core.config import load
from core.events import Event, InvalidEvent, RoundStarted, SourceAdded, from_dict, to_dict
from core.providers import with_overrides
from core.record.exports import export_session
from core.research import ResearchEngine, ResearchOptions
from core.sessions import SessionStore
from core.state import SessionState
from tests.fakes.ddgs_http import FakeDdgsHttp
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.tavily_server import FakeTavily


def test_a_chain_failing_over_from_tavily_to_ddgs_marks_each_source(
    fake_env: tuple[FakeGemini, FakeTavily], fake_ddgs: FakeDdgsHttp
) -> None:
    _, tavily = fake_env
    config = load()
    config.gemini.rpm = 0
    config.ddgs.backend = "duckduckgo"
    config = with_overrides(config, search="tavily,ddgs")
    seen: list[Event] = []

    def on_event(event: Event) -> None:
        seen.append(event)
        if isinstance(event, RoundStarted) and event.round == 2:
            tavily.api_key = "revoked"  # 401 from now on: the chain falls over to ddgs

    engine = ResearchEngine(config, on_event=on_event)

    async def go() -> object:
        try:
            return await engine.run("Green tea", ResearchOptions(rounds=2, breadth=2))
        finally:
            await engine.aclose()

    result = asyncio.run(go())
    assert result.status in ("done", "done with warnings"), result.reason
    sources = [e for e in seen if isinstance(e, SourceAdded)]
    by_round = {n: {s.provider for s in sources if s.round == n} for n in (1, 2)}
    assert by_round[1] == {"tavily"}
    assert by_round[2] == {"ddgs"}
    for s in sources:  # the provider is the one whose fake made that URL
        assert (s.provider == "ddgs") == (".example.org/" in s.url and "ddg" in s.url), s.url
    assert fake_ddgs.ddg_queries, "ddgs was asked"
    assert result.sources_by_provider == engine.state.sources_by_provider()
    assert not engine.state.usage_estimated, "Gemini reports its usage"
    assert set(result.as_dict()["sources_by_provider"]) == {"tavily", "ddgs"}
    handle = SessionStore(config.sessions_dir).open(result.session_id)
    replayed = SessionState.replay(handle.load_events())
    assert replayed == engine.state
    assert {n: s.provider for n, s in replayed.sources.items()} == {
        s.source_id: s.provider for s in sources
    }
    exported = json.loads(export_session(handle, "json"))
    assert {s["provider"] for s in exported["sources"]} == {"tavily", "ddgs"}
    markdown = export_session(handle, "md")
    assert " — via ddgs" in markdown and " — via tavily" in markdown


def test_a_source_saved_before_providers_were_recorded_still_loads() -> None:
    old = {"type": "SourceAdded", "round": 1, "source_id": 1, "url": "https://a.org/", "title": "A"}
    event = from_dict(old)
    assert isinstance(event, SourceAdded) and event.provider is None
    assert from_dict(to_dict(event)) == event
    assert from_dict({**old, "provider": "searxng"}).provider == "searxng"  # type: ignore[attr-defined]
    with pytest.raises(InvalidEvent, match="provider must be text"):
        from_dict({**old, "provider": 3})
    state = SessionState.replay([event])
    assert state.sources_by_provider() == {}
