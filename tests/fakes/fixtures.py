"""Pytest fixtures for the fake Gemini and Tavily servers and the fake Neo4j driver (loaded
by tests/conftest.py).

``fake_env`` points the app's environment at both fakes with test keys, so code under test
builds its real providers from config exactly as it would in production.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.ddgs_http import FakeDdgsHttp
from tests.fakes.gemini_server import DEFAULT_GEMINI_KEY, FakeGemini
from tests.fakes.neo4j_driver import FakeNeo4j
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.searxng_server import FakeSearxng
from tests.fakes.tavily_server import DEFAULT_TAVILY_KEY, FakeTavily


@pytest.fixture
def fake_gemini() -> Iterator[FakeGemini]:
    server = FakeGemini().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_tavily() -> Iterator[FakeTavily]:
    server = FakeTavily().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    from core.llm.openai_compat import forget_server_capabilities

    forget_server_capabilities()  # what one test taught about "the server" must not leak
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
        forget_server_capabilities()


@pytest.fixture
def fake_searxng() -> Iterator[FakeSearxng]:
    server = FakeSearxng().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_ddgs(monkeypatch: pytest.MonkeyPatch) -> FakeDdgsHttp:
    """``ddgs``'s HTTP client replaced: no engine on the internet is ever asked."""
    return FakeDdgsHttp().install(monkeypatch)


@pytest.fixture
def fake_neo4j(monkeypatch: pytest.MonkeyPatch) -> FakeNeo4j:
    """``neo4j.GraphDatabase.driver`` replaced: every driver the code builds is recorded."""
    import neo4j

    fake = FakeNeo4j()
    monkeypatch.setattr(neo4j.GraphDatabase, "driver", fake.driver)
    return fake


@pytest.fixture
def fake_env(
    fake_gemini: FakeGemini, fake_tavily: FakeTavily, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FakeGemini, FakeTavily]]:
    monkeypatch.setenv("GEMINI_API_KEY", DEFAULT_GEMINI_KEY)
    monkeypatch.setenv("TAVILY_API_KEY", DEFAULT_TAVILY_KEY)
    monkeypatch.setenv("GEMINI_BASE_URL", fake_gemini.base_url)
    monkeypatch.setenv("TAVILY_BASE_URL", fake_tavily.base_url)
    yield fake_gemini, fake_tavily
