"""``--llm``, ``--search``, ``--docs`` and ``--private`` on ``run`` and the app: a research on a
local OpenAI-compatible model and SearXNG with no Gemini or Tavily key, end to end through
the real CLI, and private mode refusing before anything is sent anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.events import LLMCallStarted, LLMFirstToken, SessionStarted, ThinkingChunk
from core.sessions import SessionStore
from tests.fakes.openai_server import DEFAULT_OPENAI_MODEL, FakeOpenAI
from tests.fakes.searxng_server import FakeSearxng
from tui.cli import _app_parser, main
from tui.cli.parser import build_parser


@pytest.fixture
def local_env(
    fake_openai: FakeOpenAI, fake_searxng: FakeSearxng, monkeypatch: pytest.MonkeyPatch
) -> tuple[FakeOpenAI, FakeSearxng]:
    """The local stack's env only: no GEMINI_API_KEY, no TAVILY_API_KEY (conftest removed
    the developer's), and an empty config file."""
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_openai.base_url}/v1")
    monkeypatch.setenv("OPENAI_MODEL", DEFAULT_OPENAI_MODEL)
    monkeypatch.setenv("SEARXNG_URL", fake_searxng.base_url)
    return fake_openai, fake_searxng


def _docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "tea.md").write_text(
        "# Tea\n\nTea background and definitions, history and key milestones.\n",
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize("command", [["run", "Tea"], ["doctor"]])
def test_the_provider_flags_parse_on_run_and_doctor(command: list[str]) -> None:
    parser = build_parser(only=command[0])
    args = parser.parse_args(
        [*command, "--llm", "openai", "--search", "searxng,local", "--docs", "a", "--docs", "b"]
    )
    assert (args.llm, args.search, args.docs, args.private) == (
        "openai",
        "searxng,local",
        ["a", "b"],
        None,
    )
    assert parser.parse_args([*command, "--private"]).private is True
    with pytest.raises(SystemExit):
        parser.parse_args([*command, "--llm", "claude"])


def test_the_app_takes_the_provider_flags_too() -> None:
    args = _app_parser().parse_args(["--llm", "openai", "--search", "ddgs", "--private", "Tea"])
    assert (args.topic, args.llm, args.search, args.private) == ("Tea", "openai", "ddgs", True)
    assert _app_parser().parse_args([]).private is None


def test_app_help_lists_the_provider_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("--llm", "--search", "--docs", "--private"):
        assert flag in out


def test_a_research_on_a_local_model_and_searxng_needs_no_key(
    local_env: tuple[FakeOpenAI, FakeSearxng], capsys: pytest.CaptureFixture[str]
) -> None:
    fake_openai, fake_searxng = local_env
    fake_openai.think = True
    argv = ["run", "--llm", "openai", "--search", "searxng", "Tea fermentation"]
    assert main([*argv, "--rounds", "1", "--breadth", "2", "--json"]) == 0, capsys.readouterr()
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "done" and result["sources"] > 0
    assert fake_openai.chat_requests() and fake_searxng.queries  # both really asked
    report = Path(result["report_path"]).read_text(encoding="utf-8")
    assert "SECRET-THOUGHT" not in report and "<think>" not in report
    events = SessionStore(_sessions_dir()).open(result["session_id"]).load_events()
    started = next(e for e in events if isinstance(e, SessionStarted))
    assert (started.model, started.search_provider) == (DEFAULT_OPENAI_MODEL, "searxng")
    thoughts = [e for e in events if isinstance(e, ThinkingChunk)]
    assert thoughts and "SECRET-THOUGHT" in "".join(t.text for t in thoughts)
    calls = [e for e in events if isinstance(e, LLMCallStarted)]
    assert len(calls) == result["llm_calls"]
    assert {e.purpose for e in events if isinstance(e, LLMFirstToken)} == {"reasoning", "report"}


def test_flags_win_over_the_config_file_and_are_not_saved(
    local_env: tuple[FakeOpenAI, FakeSearxng], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "set", "providers.search", "tavily"]) == 0
    from core.config import config_path

    before = config_path().read_text(encoding="utf-8")
    argv = ["run", "--llm", "openai", "--search", "searxng", "Tea", "--rounds", "1", "--json"]
    assert main(argv) == 0, capsys.readouterr().err
    assert config_path().read_text(encoding="utf-8") == before


def test_without_flags_the_default_still_asks_for_both_keys(
    local_env: tuple[FakeOpenAI, FakeSearxng], capsys: pytest.CaptureFixture[str]
) -> None:
    fake_openai, _ = local_env
    assert main(["run", "Tea"]) == 2
    err = capsys.readouterr().err
    assert "GEMINI_API_KEY" in err and "TAVILY_API_KEY" in err
    assert not fake_openai.requests


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        ([], "Gemini"),  # the default LLM is a cloud service
        (["--llm", "openai", "--search", "searxng"], "searxng"),  # forwards to public engines
        (["--llm", "openai", "--search", "ddgs,local"], "ddgs"),
        (["--llm", "openai", "--search", "tavily,local"], "tavily"),
    ],
)
def test_private_mode_refuses_before_anything_is_sent(
    local_env: tuple[FakeOpenAI, FakeSearxng],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    named: str,
) -> None:
    fake_openai, fake_searxng = local_env
    argv = ["run", *flags, "--docs", str(_docs(tmp_path)), "--private", "Tea"]
    assert main(argv) == 2  # a configuration error, like a missing key
    err = " ".join(capsys.readouterr().err.split())
    assert "Private mode" in err and named in err
    assert not fake_openai.requests and not fake_searxng.requests
    assert not list(_sessions_dir().glob("*"))  # no session was even created


def test_private_mode_refuses_a_model_server_off_the_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    monkeypatch.setenv("OPENAI_MODEL", "gpt-4o-mini")
    argv = ["run", "--llm", "openai", "--search", "local", "--docs", str(_docs(tmp_path))]
    assert main([*argv, "--private", "Tea"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "api.openai.com" in err and "not on loopback" in err


def test_private_mode_runs_on_a_loopback_model_and_local_documents(
    local_env: tuple[FakeOpenAI, FakeSearxng],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import ipaddress
    import socket

    fake_openai, fake_searxng = local_env
    contacted: list[str] = []
    looked_up: list[str] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock: socket.socket, address: object) -> None:
        if isinstance(address, tuple):
            contacted.append(str(address[0]))
        return real_connect(sock, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        looked_up.append(str(host))
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    argv = ["run", "--llm", "openai", "--search", "local", "--docs", str(_docs(tmp_path))]
    assert main([*argv, "--private", "Tea", "--rounds", "1", "--json"]) == 0, capsys.readouterr()
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "done" and result["sources"] >= 1
    assert fake_openai.chat_requests()
    assert not fake_searxng.requests  # configured, but private mode's chain never used it
    # Every socket this research opened went to loopback, and no other name was looked up.
    assert contacted and all(ipaddress.ip_address(a).is_loopback for a in contacted), contacted
    assert set(looked_up) <= {"127.0.0.1", "localhost"}, looked_up


def test_the_app_refuses_private_mode_before_it_opens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tui.app

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the app must not open")

    monkeypatch.setattr(tui.app.DeepResearchApp, "run", never)
    assert main(["--private", "Tea research"]) == 2
    assert "Private mode" in capsys.readouterr().err


def _sessions_dir() -> Path:
    from core.config import load

    return load().sessions_dir
