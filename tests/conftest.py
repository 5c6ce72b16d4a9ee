"""Shared fixtures: every test runs with its own config file and data folder, no real keys.

The fake Gemini and Tavily servers live in ``tests/fakes``; their fixtures are loaded as a
plugin so every test module can ask for ``fake_gemini`` / ``fake_tavily``. The TUI tests
build their app with ``make_app`` (scripted engine, ``null_store`` mind map) and wait for a
reopened research with ``tests.pilot_helpers.replayed``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import charset_normalizer  # noqa: F401  (imported before any app runs: see below)
import pytest

# charset_normalizer (requests uses it, and Tavily's client uses requests) makes a logging
# StreamHandler when it is first imported, and the handler keeps the ``sys.stderr`` of that
# moment. Imported first inside a test, that is the running app's print capture, and the
# handler then keeps that dead app (and its ~100k objects) alive for the rest of the session.

pytest_plugins = ["tests.fakes.fixtures"]

NEO4J_TEST_ENV: dict[str, str] = {
    name: os.environ.get(name, "")
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE")
}
"""The Neo4j contract suite's server, read once before any test isolates the environment
(``isolated_home`` removes these, so only that suite, reading this copy, ever sees them)."""

NEO4J_REQUIRED = os.environ.get("NEO4J_REQUIRED", "") == "1"
"""Set by .ci/run, which starts a server: then a ``neo4j``-marked test that skips has failed
(a skip there means the server half silently did not run)."""


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The suite runs on every core (pytest-xdist, ``-n auto --dist loadgroup``); the Neo4j
    tests share one server and empty its database before each test, so they all go to one
    worker, one after another."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("neo4j"):
            item.add_marker(pytest.mark.xdist_group("neo4j"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = yield
    if NEO4J_REQUIRED and report.skipped and item.get_closest_marker("neo4j"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"NEO4J_REQUIRED=1, yet this Neo4j test was skipped: {reason}"
    return report


_REAL_ENV = (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GEMINI_BASE_URL",
    "GOOGLE_GEMINI_BASE_URL",
    "GEMINI_MODEL",
    "TAVILY_API_KEY",
    "TAVILY_BASE_URL",
    "NEO4J_URI",
    "NEO4J_USER",
    "NEO4J_USERNAME",
    "NEO4J_PASSWORD",
    "NEO4J_DATABASE",
    "OPENAI_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_MODEL",
    "SEARXNG_URL",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Config and data under tmp_path; the developer's own keys never leak into a test.

    NEO4J_* go too (a developer's NEO4J_URI must not send a test to their graph); the
    contract suite reads its server from ``NEO4J_TEST_ENV``, captured at import.
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


class NullStore:
    """A mind map with nothing in it: the app's store for tests that do not look at it."""

    backend = "null"
    location = "nowhere"
    read_only = True

    def roots(self) -> list[Any]:
        return []

    def close(self) -> None:
        """Nothing to close."""


AppBuilder = Callable[..., Any]
"""``make_app(**kwargs)`` -> a ``DeepResearchApp`` (kwargs as its constructor, plus ``store``)."""


@pytest.fixture
def null_store() -> NullStore:
    return NullStore()


@pytest.fixture
def make_app(null_store: NullStore) -> AppBuilder:
    """Build the real app on the test home's config with the scripted engine
    (``tests/snapshot_apps/scripted.py``) and ``null_store``, unless told otherwise:
    ``store=`` gives it another mind map, ``engine_factory=`` another engine."""
    from core.config import load
    from tests.snapshot_apps.scripted import scripted_factory
    from tui.app import DeepResearchApp

    def build(*, store: Any = None, **kwargs: Any) -> DeepResearchApp:
        kwargs.setdefault("engine_factory", scripted_factory())
        chosen = store if store is not None else null_store
        kwargs.setdefault("store_factory", lambda config: (chosen, []))
        return DeepResearchApp(kwargs.pop("config", None) or load(), **kwargs)

    return build
