"""Choosing providers: config settings and env, the factories, flags, private mode."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from core.config import effective_values, load, set_value
from core.errors import ConfigError
from core.llm.gemini import GeminiProvider
from core.llm.openai_compat import OpenAICompatProvider
from core.providers import (
    build_llm,
    build_search,
    host_is_private,
    llm_limits,
    private_mode_problems,
    with_overrides,
)
from core.search.chain import SearchChain
from core.search.ddgs import DdgsSearch
from core.search.local_docs import LocalDocsSearch
from core.search.searxng import SearxngSearch
from core.search.tavily import TavilySearch
from tests.fakes.openai_server import DEFAULT_OPENAI_MODEL, FakeOpenAI


def write_config(text: str) -> Path:
    path = Path(os.environ["DEEPRESEARCH_TUI_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- config


def test_env_chooses_the_openai_compatible_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-secret-4321")
    monkeypatch.setenv("OPENAI_MODEL", "qwen3:8b")
    monkeypatch.setenv("SEARXNG_URL", "http://localhost:8888")
    config = load()
    assert config.openai.base_url == "http://localhost:11434/v1"
    assert config.openai.model == "qwen3:8b"
    assert config.searxng.base_url == "http://localhost:8888"
    shown = effective_values(config)
    assert shown["openai"]["api_key"] == "…4321"
    assert {"openai.api_key", "openai.model", "searxng.base_url"} <= config.env_keys


def test_the_file_holds_providers_chain_and_folders(isolated_home: Path) -> None:
    write_config(
        '[providers]\nllm = "openai"\nsearch = "local, ddgs"\nprivate = true\n'
        '[local]\nfolders = ["~/notes", "/srv/papers"]\n'
        "[openai]\nfirst_token_timeout_s = 900\n"
    )
    config = load()
    assert config.providers.llm == "openai"
    assert config.providers.search_chain == ["local", "ddgs"]
    assert config.providers.private is True
    assert config.local.folders == ["~/notes", "/srv/papers"]
    assert config.openai.first_token_timeout_s == 900.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[providers]\nsearch = "tavily,bing"\n', "comma-separated chain"),
        ('[providers]\nsearch = "ddgs,ddgs"\n', "comma-separated chain"),
        ('[providers]\nllm = "claude"\n', "one of: gemini, openai"),
        ("[local]\nfolders = [1, 2]\n", "list of folder paths"),
    ],
)
def test_bad_provider_settings_are_named(isolated_home: Path, text: str, message: str) -> None:
    write_config(text)
    with pytest.raises(ConfigError, match=message):
        load()


def test_config_set_takes_folders_separated_like_path(isolated_home: Path) -> None:
    config = load()
    stored = set_value(config, "local.folders", f"/a/docs{os.pathsep}/b/more")
    assert stored == ["/a/docs", "/b/more"]
    assert load().local.folders == ["/a/docs", "/b/more"]


def test_missing_keys_follow_the_chosen_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load()
    assert len(config.missing_keys()) == 2  # Gemini and Tavily, as before
    config.providers.llm = "openai"
    config.providers.search = "ddgs,searxng,local"
    problems = " ".join(config.missing_keys())
    assert "OPENAI_BASE_URL" in problems and "OPENAI_MODEL" in problems
    assert "SEARXNG_URL" in problems and "--docs" in problems
    assert "Gemini" not in problems and "Tavily" not in problems
    config.openai.base_url, config.openai.model = "http://localhost:11434/v1", "m"
    config.searxng.base_url, config.local.folders = "http://localhost:8888", ["/x"]
    assert config.missing_keys() == []


# --------------------------------------------------------------------------- factories


async def test_build_llm_gives_the_configured_provider() -> None:
    config = load()
    config.gemini.api_key = "test-key-123456"
    gemini = build_llm(config)
    assert isinstance(gemini, GeminiProvider)
    await gemini.aclose()
    config.providers.llm = "openai"
    config.openai.base_url, config.openai.model, config.openai.rpm = "http://127.0.0.1:9/v1", "m", 7
    llm = build_llm(config)
    try:
        assert isinstance(llm, OpenAICompatProvider) and llm.model == "m"
    finally:
        await llm.aclose()
    assert llm_limits(config).rpm == 7


async def test_build_search_gives_one_provider_or_a_chain_in_order(tmp_path: Path) -> None:
    config = load()
    config.tavily.api_key = "tvly-x"
    assert isinstance(build_search(config), TavilySearch)
    config.providers.search = "local,searxng,ddgs,tavily"
    config.local.folders = [str(tmp_path)]
    config.searxng.base_url = "http://127.0.0.1:9"
    chain = build_search(config, on_warning=print)
    assert isinstance(chain, SearchChain)
    assert chain.names == ["local", "searxng", "ddgs", "tavily"]
    kinds = [type(p) for p in chain.providers]
    assert kinds == [LocalDocsSearch, SearxngSearch, DdgsSearch, TavilySearch]
    await chain.aclose()


def test_flags_override_without_saving(isolated_home: Path) -> None:
    config = load()
    flagged = with_overrides(config, llm="openai", docs=["/papers"], private=True)
    assert flagged.providers.llm == "openai" and flagged.providers.private
    assert flagged.providers.search_chain == ["local", "tavily"]  # --docs alone adds local
    assert flagged.local.folders == ["/papers"]
    assert config.providers.llm == "gemini" and not config.path.exists()
    chosen = with_overrides(config, search="local", docs=["/p"])
    assert chosen.providers.search_chain == ["local"]
    with pytest.raises(ConfigError, match=r"providers\.search"):
        with_overrides(config, search="google")


# --------------------------------------------------------------------------- private mode


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("localhost", True),
        ("127.0.0.1", True),
        ("[::1]", True),
        ("192.168.1.20", True),
        ("10.0.0.5", True),
        ("172.16.3.4", True),
        ("fd00::1", True),
        ("gpu-box.local", True),
        ("::ffff:127.0.0.1", True),
        ("8.8.8.8", False),
        ("openrouter.ai", False),
        ("localhost.evil.com", False),
        ("", False),
    ],
)
def test_host_is_private(host: str, private: bool) -> None:
    assert host_is_private(host) is private


def private_config(base_url: str, docs: Path) -> Any:
    config = load()
    config.providers.llm = "openai"
    config.openai.base_url, config.openai.model = base_url, DEFAULT_OPENAI_MODEL
    config.providers.search = "local"
    config.local.folders = [str(docs)]
    config.providers.private = True
    return config


def test_the_defaults_say_everything_that_would_leave(tmp_path: Path) -> None:
    problems = private_mode_problems(load())
    text = " ".join(problems)
    assert "generativelanguage.googleapis.com" in text and "api.tavily.com" in text
    assert "--docs" in text


def test_a_local_stack_passes_and_a_remote_one_is_named(tmp_path: Path) -> None:
    config = private_config("http://127.0.0.1:11434/v1", tmp_path)
    assert private_mode_problems(config) == []
    config.openai.base_url = "https://openrouter.ai/api/v1"
    config.providers.search = "local,ddgs,searxng"
    config.graph.backend, config.neo4j.uri = "neo4j", "neo4j+s://abc.databases.neo4j.io"
    problems = private_mode_problems(config)
    assert len(problems) == 4
    assert "openrouter.ai" in problems[0]
    assert "ddgs" in problems[1] and "searxng" in problems[2]
    assert "abc.databases.neo4j.io" in problems[3]


@pytest.fixture
def network_log(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host name resolved and address connected to, refusing any non-loopback one."""
    log: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        log.append(str(host))
        if not host_is_private(str(host)):
            raise OSError(f"test refused to resolve {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(address: Any) -> None:
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        log.append(host)
        if isinstance(address, tuple) and not host_is_private(host):
            raise OSError(f"test refused to connect to {host}")

    def connect(sock: socket.socket, address: Any) -> Any:
        check(address)
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> Any:
        check(address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return log


async def test_a_private_research_contacts_no_host_off_the_machine(
    fake_openai: FakeOpenAI, tmp_path: Path, network_log: list[str]
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tea.md").write_text("# Tea\n\nGreen tea is steamed.\n", encoding="utf-8")
    config = private_config(f"{fake_openai.base_url}/v1", docs)
    assert private_mode_problems(config) == []
    llm, search = build_llm(config), build_search(config)
    try:
        plan = await llm.stream_text("TASK: reasoning\nTOPIC: tea\nROUND: 1")
        found = await search.search("green tea", max_results=3)
        data = await llm.generate_json("TASK: synthesis\nTOPIC: tea", schema={"type": "object"})
    finally:
        await llm.aclose()
        await search.aclose()
    assert "**PLANNING**" in plan.text and data.data
    assert [h.provider for h in found] == ["local"]
    assert len(fake_openai.chat_requests()) == 2
    assert network_log and all(host_is_private(host) for host in network_log)
