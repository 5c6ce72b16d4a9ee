"""``deepresearch-tui doctor`` against the loopback fakes: what works, what not, the fix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.fakes.ddgs_http import FakeDdgsHttp
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.openai_server import DEFAULT_OPENAI_MODEL, FakeOpenAI
from tests.fakes.searxng_server import FakeSearxng
from tests.fakes.tavily_server import FakeTavily
from tui.cli import main


def doctor_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main(["doctor", "--json", *argv])
    return code, json.loads(capsys.readouterr().out)


def by_name(report: dict) -> dict[str, dict]:
    return {f"{c['area']}:{c['name']}": c for c in report["checks"]}


def test_the_default_stack_against_the_fakes_is_ready(
    fake_env: tuple[FakeGemini, FakeTavily],
    capsys: pytest.CaptureFixture[str],
    isolated_home: Path,
) -> None:
    gemini, tavily = fake_env
    code, report = doctor_json([], capsys)
    assert code == 0 and report["ok"] is True
    checks = by_name(report)
    assert checks["llm:gemini"]["ok"] and checks["search:tavily"]["ok"]
    assert checks["graph:ladybug"]["ok"]
    assert len(gemini.model_requests()) == 1 and len(tavily.search_requests()) == 1
    assert not (isolated_home / "data" / "graph").exists()  # a check leaves no files


def test_a_local_stack_with_a_missing_model_names_the_fix(
    fake_openai: FakeOpenAI,
    fake_searxng: FakeSearxng,
    fake_ddgs: FakeDdgsHttp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\ntext\n", encoding="utf-8")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_openai.base_url}/v1")
    monkeypatch.setenv("OPENAI_MODEL", "llama3.3:70b")
    monkeypatch.setenv("SEARXNG_URL", fake_searxng.base_url)
    fake_ddgs.mode = "ratelimited"
    config_file = Path(os.environ["DEEPRESEARCH_TUI_CONFIG"])
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text('[ddgs]\nbackend = "duckduckgo"\n', encoding="utf-8")
    argv = ["--llm", "openai", "--search", "ddgs,searxng,local", "--docs", str(docs)]
    code, report = doctor_json(argv, capsys)
    checks = by_name(report)
    assert code == 1 and report["ok"] is False
    assert not checks["llm:openai"]["ok"]
    assert DEFAULT_OPENAI_MODEL in checks["llm:openai"]["detail"]
    assert "OPENAI_MODEL" in checks["llm:openai"]["fix"]
    assert not checks["search:ddgs"]["ok"] and "rate limit" in checks["search:ddgs"]["detail"]
    assert checks["search:searxng"]["ok"]
    assert checks["search:local"]["ok"] and "1 documents" in checks["search:local"]["detail"]
    assert fake_openai.chat_requests() == []  # listing models cost no generation

    monkeypatch.setenv("OPENAI_MODEL", DEFAULT_OPENAI_MODEL)
    code, report = doctor_json(argv, capsys)
    assert code == 0 and by_name(report)["llm:openai"]["ok"]


def test_private_mode_refuses_what_would_leave(
    keys: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["doctor", "--private", "--search", "tavily"])
    out = capsys.readouterr().out
    assert code == 1
    assert "private mode" in out and "api.tavily.com" in out and "fix:" in out


def test_a_server_that_is_not_running_says_how_to_start_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("OPENAI_MODEL", "m")
    code, report = doctor_json(
        ["--llm", "openai", "--search", "local", "--docs", str(tmp_path)], capsys
    )
    assert code == 1
    assert "connection refused" in by_name(report)["llm:openai"]["detail"]
