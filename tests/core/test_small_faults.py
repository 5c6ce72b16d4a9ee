"""Issue 10's smaller faults, one test each: listings on a read-only disk, an emptied log,
odd topics and imports, signals, wait labels, and the config file under ``config set``."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core import events as ev
from core.config import load, read_file
from core.errors import ConfigError, RateLimitError, TransientError
from core.ratelimit import wait_cause, wait_label
from core.sessions import SessionRecorder, SessionStore
from tests.fakes.gemini_server import default_answer
from tests.samples import SEED_LOG
from tui.cli import main


def _sessions() -> SessionStore:
    return SessionStore(load().sessions_dir)


def _interrupted_session(topic: str = "Read-only disk") -> Any:
    handle = _sessions().create(topic)
    recorder = SessionRecorder(handle)
    for seq, event in enumerate(
        [ev.SessionStarted(topic=topic, rounds=2, breadth=2), ev.RoundStarted(round=1)], 1
    ):
        recorder(event.stamped(handle.id, seq))
    return handle


def test_a_read_only_data_dir_still_lists_interrupted_sessions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handle = _interrupted_session()
    (handle.folder / ".running.lock").unlink(missing_ok=True)  # copied without it
    import core.sessions as sessions

    real_open = os.open

    def read_only_open(path: Any, flags: int, *args: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(sessions.os, "open", read_only_open)
    listed = {info.id: info.status for info in _sessions().list()}
    assert listed == {handle.id: "interrupted"}


def test_an_emptied_event_log_is_not_resumed_from_round_1(
    fake_env: object, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = _interrupted_session("Emptied log")
    handle.events_path.write_bytes(b"")
    assert main(["run", "--resume", handle.id]) == 2
    err = capsys.readouterr().err
    assert "events.jsonl" in err and "empty" in err and "cannot be resumed" in err
    assert handle.events_path.read_bytes() == b""  # nothing was appended
    assert [i.status for i in _sessions().list()] == ["corrupt"]


def test_an_invalid_utf8_topic_is_refused_and_leaves_no_folder(
    fake_env: object, capsys: pytest.CaptureFixture[str]
) -> None:
    topic = b"caf\xe9 culture".decode("utf-8", "surrogateescape")  # how argv arrives
    assert main(["run", topic, "--rounds", "1"]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err
    root = load().sessions_dir
    assert not root.exists() or not any(root.iterdir())


def test_a_huge_integer_in_an_imported_log_is_not_an_overflow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SEED_LOG.replace("'score': 0.91", "'score': " + "9" * 400, 1)
    assert "9" * 400 in text
    log = tmp_path / "research_log.md"
    log.write_text(text, encoding="utf-8")
    assert main(["import", str(log)]) == 0
    session_id = capsys.readouterr().out.strip()
    state = _sessions().open(session_id).state()
    assert {s.score for s in state.sources.values()} >= {0.0}


def test_a_killed_import_leaves_no_half_written_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "research_log.md"
    log.write_text(SEED_LOG, encoding="utf-8")
    seen: list[list[str]] = []
    real_call = SessionRecorder.__call__

    def record(self: SessionRecorder, event: ev.Event) -> None:
        real_call(self, event)
        if event.seq == 5:  # halfway: what would a listing show if we died right now?
            seen.append([info.id for info in _sessions().list()])

    monkeypatch.setattr(SessionRecorder, "__call__", record)
    assert main(["import", str(log)]) == 0
    session_id = capsys.readouterr().out.strip()
    assert seen == [[]], "a half-imported session was visible"
    handle = _sessions().open(session_id)
    assert handle.folder.name == session_id
    state = handle.state()
    assert state.report_path == str(handle.report_path) and handle.report_path.is_file()
    assert not [p for p in handle.folder.parent.iterdir() if p.name.startswith(".staging")]


def test_a_failed_import_removes_its_staging_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.record.research_log import parse_seed_log
    from core.record.seed_import import import_events

    def boom(self: SessionRecorder, event: ev.Event) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SessionRecorder, "__call__", boom)
    root = load().sessions_dir
    with pytest.raises(OSError):
        import_events(root, parse_seed_log(SEED_LOG))
    assert list(root.iterdir()) == []


def _child_run(
    fake_gemini: Any, sig: int, tmp_path: Path, at_call: int = 1
) -> subprocess.CompletedProcess[str]:
    """``run --json`` in a child process, sent ``sig`` while model call ``at_call`` runs."""
    child: dict[str, subprocess.Popen[str]] = {}
    calls: list[int] = []

    def answer(req: Any) -> Any:
        calls.append(1)
        if len(calls) == at_call:
            child["p"].send_signal(sig)
        return default_answer(req.prompt)

    fake_gemini.responder = answer
    code = "import sys; from tui.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "run", "Signals", "--rounds", "2", "--json"]
    child["p"] = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    out, err = child["p"].communicate(timeout=120)
    return subprocess.CompletedProcess(argv, child["p"].returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_saves_the_run_and_json_still_prints(
    fake_env: tuple[Any, Any], sig: int, tmp_path: Path
) -> None:
    done = _child_run(fake_env[0], sig, tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["status"] == "interrupted"
    state = _sessions().open(summary["session_id"]).state()
    assert state.status == "interrupted"
    assert "resume with" in done.stderr


def test_an_interrupted_runs_json_lists_the_searches_that_failed_before_it(
    fake_env: tuple[Any, Any], tmp_path: Path
) -> None:
    """The summary a signal prints is the one the run's end prints: it listed no failed
    search, however many had failed before the signal."""
    fake_env[1].queue_error(400, times=1)  # the first search of round 1
    done = _child_run(fake_env[0], signal.SIGINT, tmp_path, at_call=3)  # round 2 reasoning
    assert done.returncode == 130, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["status"] == "interrupted"
    (failed,) = summary["failed_searches"]
    assert failed["round"] == 1 and failed["provider"] == "tavily"
    assert "rejected the query" in failed["reason"]


def test_a_signal_whose_cancellation_a_library_swallows_still_ends_the_run(
    fake_env: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under load a cancellation once vanished on its way up and the run carried on to
    "done". Simulate such a library: the gate must raise it again at the next checkpoint."""
    from core.research.engine import ResearchEngine

    real_round = ResearchEngine._fresh_round
    swallowed: list[int] = []

    async def swallowing_round(run: Any, n: int) -> bool:
        try:
            return await real_round(run, n)
        except asyncio.CancelledError:
            swallowed.append(n)
            return False

    monkeypatch.setattr(ResearchEngine, "_fresh_round", staticmethod(swallowing_round))
    calls: list[int] = []

    def answer(req: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)
        return default_answer(req.prompt)

    fake_env[0].responder = answer
    assert main(["run", "Swallowed", "--rounds", "2", "--json"]) == 130
    assert swallowed == [1], "the cancellation never reached round 1"
    summary = json.loads(capsys.readouterr().out)
    assert summary["status"] == "interrupted" and summary["rounds"] < 2
    assert _sessions().open(summary["session_id"]).state().status == "interrupted"


@pytest.mark.parametrize(
    ("error", "label"),
    [
        (
            TransientError("Gemini is temporarily unavailable (503 UNAVAILABLE): busy"),
            "server error",
        ),
        (TransientError("Tavily timed out: read timeout"), "timed out"),
        (
            TransientError("Gemini request connection failed (ConnectError: refused)"),
            "connection failed",
        ),
        (RateLimitError("Gemini rate limit: slow down"), "rate limited"),
    ],
)
def test_retries_are_labelled_for_what_they_wait_out(error: Exception, label: str) -> None:
    from core.state import SessionState
    from tui.cli.run_cmd import PlainProgress

    assert wait_cause(error) == label
    event = ev.RateLimited(retry_in_s=4, scope="llm", message=str(error), cause=wait_cause(error))
    written: list[str] = []
    PlainProgress(written.append).on_event(event, SessionState())
    assert written == [f"[0:00] {label} (llm): retrying in 4s"]
    old_log = ev.RateLimited(retry_in_s=4, scope="search", message=str(error))  # no cause
    assert wait_label(old_log) == label


def test_a_server_error_retry_in_a_run_is_not_called_rate_limited(
    fake_env: tuple[Any, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    fake_env[0].queue_server_error(503)
    assert main(["run", "Server hiccup", "--rounds", "1", "--json"]) == 0
    err = capsys.readouterr().err
    assert "server error (llm): retrying" in err and "rate limited" not in err


def test_a_config_type_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "# mine\n[gemini]\nmodel = 'x'\n\n[research]\n# how deep\nrounds = 'many'\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"config\.toml, line 7: research\.rounds must be"):
        read_file(path)


def test_config_set_keeps_the_users_comments(capsys: pytest.CaptureFixture[str]) -> None:
    path = load().path
    path.parent.mkdir(parents=True, exist_ok=True)
    original = (
        "# my settings, written by hand\n"
        "[research]\n"
        "rounds = 4  # four is enough\n"
        "\n"
        "# the model I pay for\n"
        "[gemini]\n"
        "model = 'gemini-2.5-pro'\n"
    )
    path.write_text(original, encoding="utf-8")
    assert main(["config", "set", "research.breadth", "6"]) == 0
    text = path.read_text(encoding="utf-8")
    for kept in ("# my settings, written by hand", "# four is enough", "# the model I pay for"):
        assert kept in text
    assert read_file(path) == {
        "research": {"rounds": 4, "breadth": 6},
        "gemini": {"model": "gemini-2.5-pro"},
    }
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_parallel_config_sets_all_land(tmp_path: Path) -> None:
    code = "import sys; from tui.cli import main; sys.exit(main(sys.argv[1:]))"
    settings = [
        ("research.rounds", "5"),
        ("research.breadth", "3"),
        ("gemini.rpm", "7"),
        ("tavily.search_depth", "advanced"),
        ("research.concurrency", "2"),
        ("gemini.max_retries", "4"),
    ]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, "config", "set", key, value],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(os.environ),
        )
        for key, value in settings
    ]
    for child in children:
        _out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    values = read_file(load().path)
    for key, value in settings:
        section, name = key.split(".")
        assert str(values[section][name]) == value
    leftovers = [p.name for p in load().path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize("at_call", [1, 2, 3, 4])
def test_sigkill_at_any_model_call_leaves_a_session_that_resumes_to_done(
    fake_env: tuple[Any, Any], at_call: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = _child_run(fake_env[0], signal.SIGKILL, tmp_path, at_call=at_call)
    assert done.returncode == -signal.SIGKILL
    (info,) = _sessions().list()
    assert info.status == "interrupted"
    fake_env[0].responder = None
    assert main(["run", "--resume", info.id, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "done"
