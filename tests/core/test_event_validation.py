"""Every event is validated on load: field types, not only names, reported by file and line.

A log with a wrong type must fail where it is read (naming the file and line), be flagged in
listings, and never be appended to; only a torn last line (a crash mid-write) is dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import events as ev
from core.sessions import (
    CorruptSession,
    SessionHandle,
    SessionRecorder,
    SessionStore,
    load_events,
)
from tests.samples import session_events as run_events
from tui.cli import main


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


def _recorded(store: SessionStore) -> tuple[object, list[str]]:
    handle = store.create("Typed events")
    recorder = SessionRecorder(handle)
    for event in run_events(handle.id, topic="Typed events"):
        recorder(event)
    return handle, handle.events_path.read_text("utf-8").splitlines(keepends=True)


def _with(line: str, **changes: object) -> str:
    data = json.loads(line)
    data.update(changes)
    return json.dumps(data) + "\n"


@pytest.mark.parametrize(
    ("index", "changes", "words"),
    [
        (1, {"round": "one"}, "round must be a whole number"),
        (3, {"queries": "q1"}, "queries must be a list"),
        (6, {"source_id": 1.5}, "source_id must be a whole number"),
        (7, {"source_ids": [1, "2"]}, "source_ids[1] must be a whole number"),
        (2, {"phase": "dancing"}, "phase must be one of"),
        (4, {"tokens_in": 10**30}, "tokens_in is out of range"),
        (0, {"timestamp": 1e300}, "timestamp is out of range"),
        (8, {"evidence": [{"claim": "c", "confidence": 10**400}]}, "out of range"),
    ],
)
def test_a_wrong_field_type_names_file_line_and_field(
    store: SessionStore, index: int, changes: dict[str, object], words: str
) -> None:
    handle, lines = _recorded(store)
    lines[index] = _with(lines[index], **changes)
    handle.events_path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(CorruptSession) as caught:
        load_events(handle.events_path)
    assert caught.value.line == index + 1
    assert words in str(caught.value)
    assert "events.jsonl" in str(caught.value)


def test_a_wrong_type_on_the_last_line_is_not_dropped_as_a_torn_write(
    store: SessionStore,
) -> None:
    handle, lines = _recorded(store)
    lines[-1] = _with(lines[-1], round=[1])
    handle.events_path.write_text("".join(lines), encoding="utf-8")
    before = handle.events_path.read_bytes()
    with pytest.raises(CorruptSession) as caught:
        load_events(handle.events_path)
    assert caught.value.line == len(lines)
    with pytest.raises(CorruptSession):  # and appending does not cut it off either
        SessionHandle(handle.folder).append(ev.WarningRaised(message="x").stamped(handle.id, 99))
    assert handle.events_path.read_bytes() == before


def test_a_log_that_did_not_load_is_never_appended_to(store: SessionStore) -> None:
    handle, lines = _recorded(store)
    lines[3] = _with(lines[3], plan=42)
    handle.events_path.write_text("".join(lines), encoding="utf-8")
    before = handle.events_path.read_bytes()
    with pytest.raises(CorruptSession):
        SessionRecorder(handle)
    assert handle.events_path.read_bytes() == before


def test_sessions_list_flags_a_log_damaged_after_it_was_written(store: SessionStore) -> None:
    handle, lines = _recorded(store)
    assert [i.status for i in store.list()] == ["interrupted"]
    lines[5] = _with(lines[5], query=["not", "text"])
    handle.events_path.write_text("".join(lines), encoding="utf-8")
    (info,) = store.list()
    assert info.status == "corrupt"
    assert "line 6" in info.topic


def test_resume_of_a_badly_typed_log_refuses_naming_file_and_line(
    fake_env: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "Typed resume", "--rounds", "1", "--json"]) == 0
    session_id = json.loads(capsys.readouterr().out)["session_id"]
    from core.config import load

    handle = SessionStore(load().sessions_dir).open(session_id)
    lines = handle.events_path.read_text("utf-8").splitlines(keepends=True)
    lines = [line for line in lines if '"SessionFinished"' not in line]  # resumable
    lines[1] = _with(lines[1], round="1")
    handle.events_path.write_text("".join(lines), encoding="utf-8")
    before = handle.events_path.read_bytes()
    assert main(["run", "--resume", session_id]) == 2
    err = capsys.readouterr().err
    assert "events.jsonl" in err and "line 2" in err and "round must be" in err
    assert "TypeError" not in err and "Traceback" not in err
    assert handle.events_path.read_bytes() == before
