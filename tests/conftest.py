"""Shared fixtures: every test runs with its own config file and data folder, no real keys.

The fake Gemini and Tavily servers live in ``tests/fakes``; their fixtures are loaded as a
plugin so every test module can ask for ``fake_gemini`` / ``fake_tavily``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.fakes.fixtures"]

_REAL_ENV = (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_BASE_URL",
    "GOOGLE_GEMINI_BASE_URL",
    "GEMINI_MODEL",
    "TAVILY_API_KEY",
    "TAVILY_BASE_URL",
    "NEO4J_USER",
    "NEO4J_PASSWORD",
    "NEO4J_DATABASE",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Config and data under tmp_path; the developer's own keys never leak into a test.

    NEO4J_URI is kept on purpose: it is how the Neo4j contract suite finds its server.
    """
    for name in _REAL_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("DEEPRESEARCH_TUI_CONFIG", str(home / "config" / "config.toml"))
    monkeypatch.setenv("DEEPRESEARCH_TUI_DATA", str(home / "data"))
    yield home


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both API keys set (to values no server accepts): the TUI starts researches."""
    monkeypatch.setenv("GEMINI_API_KEY", "test-gemini-key-123456")
    monkeypatch.setenv("TAVILY_API_KEY", "test-tavily-key-123456")
