"""Session folders: durable appends, crash tolerance, clear errors, listings that never crash."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core import events as ev
from core.record import SessionRecorder
from core.record.exports import export_session
from core.sessions import (
    ID_RE,
    CorruptSession,
    SessionHandle,
    SessionInfo,
    SessionNotFound,
    SessionStore,
    load_events,
)
from core.state import SessionState
from tests.samples import session_events


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


def test_create_makes_a_safe_time_sortable_id(store: SessionStore) -> None:
    handle = store.create("topic / with ../ slashes")
    assert ID_RE.match(handle.id)
    assert handle.folder.parent == store.root
    assert handle.meta_path.name == "session.json"
    assert handle.events_path.name == "events.jsonl"
    assert handle.log_path.name == "research_log.md"
    assert handle.report_path.name == "report.md"
    assert handle.read_info().topic == "topic / with ../ slashes"
    other = store.create("x")
    assert other.id != handle.id


def test_append_writes_one_line_and_fsyncs(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = store.create("t")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    events = session_events(handle.id)
    for event in events:
        handle.append(event)
    assert len(synced) >= len(events)
    lines = handle.events_path.read_text("utf-8").splitlines()
    assert len(lines) == len(events)
    assert json.loads(lines[0])["topic"] == "양자 컴퓨팅"  # readable, not \\u escapes
    assert "양자" in lines[0]
    assert handle.load_events() == events


def test_truncated_last_line_is_tolerated_and_next_append_is_valid(store: SessionStore) -> None:
    handle = store.create("t")
    events = session_events(handle.id)
    for event in events[:3]:
        handle.append(event)
    partial = ev.to_json(events[3])[:25]
    with handle.events_path.open("a", encoding="utf-8") as f:
        f.write(partial)  # crash mid-write
    assert load_events(handle.events_path) == events[:3]
    reopened = SessionHandle(handle.folder)  # a new process resumes
    reopened.append(events[3])
    reopened.append(events[4])
    assert reopened.load_events() == events[:5]
    lines = handle.events_path.read_text("utf-8").splitlines()
    assert len(lines) == 5 and partial + "\n" not in handle.events_path.read_text("utf-8")


def test_complete_last_line_without_newline_is_kept(store: SessionStore) -> None:
    handle = store.create("t")
    events = session_events(handle.id)
    handle.events_path.write_text(ev.to_json(events[0]), encoding="utf-8")
    reopened = SessionHandle(handle.folder)
    reopened.append(events[1])
    assert reopened.load_events() == events[:2]


def test_corrupt_middle_line_names_file_and_line(store: SessionStore) -> None:
    handle = store.create("t")
    events = session_events(handle.id)
    lines = [ev.to_json(e) for e in events[:4]]
    lines[1] = '{"type": "RoundStarted", "round": '  # broken, and not the last line
    handle.events_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = handle.events_path.read_bytes()
    with pytest.raises(CorruptSession) as info:
        handle.load_events()
    assert info.value.line == 2
    assert str(handle.events_path) in str(info.value)
    assert "line 2" in str(info.value)
    assert handle.events_path.read_bytes() == before  # kept as it was


def test_unknown_event_types_are_skipped(store: SessionStore) -> None:
    handle = store.create("t")
    events = session_events(handle.id)
    future = json.dumps({"type": "HologramRendered", "session_id": handle.id, "seq": 99})
    text = ev.to_json(events[0]) + "\n" + future + "\n" + ev.to_json(events[1]) + "\n"
    handle.events_path.write_text(text, encoding="utf-8")
    assert handle.load_events() == events[:2]


def test_open_unknown_and_unsafe_ids(store: SessionStore) -> None:
    handle = store.create("t")
    (store.root.parent / "x").mkdir()
    (store.root.parent / "x" / "session.json").write_text("{}")
    for bad in ["nope", "../x", "..", "a/b", "", handle.id + "/..", "/etc"]:
        with pytest.raises(SessionNotFound) as info:
            store.open(bad)
        assert str(store.root) in str(info.value)
    assert store.open(handle.id).folder == handle.folder
    assert store.open(handle.id[:-2]).folder == handle.folder  # unique prefix


def test_list_newest_first_and_tolerant(store: SessionStore) -> None:
    older = store.create("older")
    newer = store.create("newer")
    older.write_info(SessionInfo(id=older.id, topic="older", created=100.0, updated=100.0))
    recorder = SessionRecorder(newer)
    for event in session_events(newer.id, topic="newer"):
        recorder(event)
    broken = store.create("broken meta")
    for event in session_events(broken.id, topic="rebuilt from events"):
        broken.append(event)
    broken.meta_path.write_text("{not json", encoding="utf-8")
    no_meta = store.create("no meta")
    for event in session_events(no_meta.id, topic="no meta either"):
        no_meta.append(event)
    no_meta.meta_path.unlink()
    corrupt = store.create("corrupt")
    corrupt.meta_path.unlink()
    corrupt.events_path.write_text("garbage\n" + ev.to_json(session_events(corrupt.id)[0]) + "\n")
    (store.root / "not-a-session").mkdir()
    (store.root / "stray.txt").write_text("x")

    infos = store.list()
    by_id = {i.id: i for i in infos}
    assert set(by_id) == {older.id, newer.id, broken.id, no_meta.id, corrupt.id}
    assert infos[-1].id == older.id
    older.write_info(SessionInfo(id=older.id, topic="older", created=100.0, updated=9e9))
    assert store.list()[0].id == older.id, "most recently updated first"
    assert by_id[newer.id].rounds_done == 1
    assert by_id[newer.id].sources == 1
    assert by_id[newer.id].tokens_in == 7
    assert by_id[broken.id].topic == "rebuilt from events"
    assert by_id[no_meta.id].topic == "no meta either"
    assert by_id[corrupt.id].status == "corrupt"
    assert broken.meta_path.read_text() == "{not json"  # list() never rewrites


def test_recorder_keeps_session_json_current(store: SessionStore) -> None:
    handle = store.create("t")
    created = handle.read_info().created
    recorder = SessionRecorder(handle)
    events = session_events(handle.id)
    for event in events:
        recorder(event)
    info = json.loads(handle.meta_path.read_text("utf-8"))
    assert info["status"] == "running"
    assert info["rounds_done"] == 1
    assert info["created"] == created
    recorder(ev.SessionFinished(status="done").stamped(handle.id, 11))
    assert handle.read_info().status == "done"
    assert recorder.state == SessionState.replay(handle.load_events(), session_id=handle.id)
    # resume: a new recorder starts from the replayed state
    again = SessionRecorder(SessionHandle(handle.folder))
    assert again.state.completed_rounds() == 1


def test_write_info_is_atomic(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    handle = store.create("t")
    before = handle.meta_path.read_text("utf-8")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        handle.write_info(SessionInfo(id=handle.id, topic="changed"))
    assert handle.meta_path.read_text("utf-8") == before
    assert [p.name for p in handle.folder.iterdir()] == ["session.json"]


def test_delete(store: SessionStore) -> None:
    handle = store.create("t")
    with pytest.raises(SessionNotFound):
        store.delete(handle.id[:-2])  # a prefix opens, but never deletes
    with pytest.raises(SessionNotFound):
        store.delete("../sessions")
    assert handle.folder.exists()
    store.delete(handle.id)
    assert not handle.folder.exists()
    with pytest.raises(SessionNotFound):
        store.delete(handle.id)


def test_export_md_and_json_hold_no_keys(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "AIzaSyTESTKEY-1234567890abcdef"
    monkeypatch.setenv("GEMINI_API_KEY", key)
    monkeypatch.setenv("TAVILY_API_KEY", "tvly-SECRET-987654321")
    handle = store.create("t")
    recorder = SessionRecorder(handle)
    for event in session_events(handle.id):
        recorder(event)

    md = export_session(handle, "md")
    assert md.startswith("# 양자 컴퓨팅")  # built from evidence: no report.md yet
    assert "- c [1]" in md
    assert "1. [A](https://a.example/x)" in md
    handle.report_path.write_text("# Report\n\nText [1].\n", encoding="utf-8")
    md = export_session(handle, "md")
    assert md.startswith("# Report\n\nText [1].")
    assert "## Sources" in md

    data = json.loads(export_session(handle, "json"))
    sections = {"info", "state summary", "sources", "evidence", "events", "questions_asked"}
    assert set(data) == sections
    assert data["info"]["id"] == handle.id
    assert data["sources"][0]["url"] == "https://a.example/x"
    assert data["evidence"][0]["round"] == 1
    assert len(data["events"]) == 10
    for text in (md, export_session(handle, "json")):
        assert key not in text and "tvly-SECRET" not in text
    scrubbed = export_session(handle, "md", secret_values=["https://a.example/x"])
    assert "https://a.example/x" not in scrubbed
    with pytest.raises(ValueError):
        export_session(handle, "pdf")  # type: ignore[arg-type]


def test_a_running_session_is_claimed_once(tmp_path) -> None:
    """Two engines must never append to one events.jsonl: the second claim fails fast."""
    from core.sessions import SessionBusy, SessionStore

    store = SessionStore(tmp_path / "sessions")
    handle = store.create("topic")
    assert not handle.is_busy()
    lock = handle.claim()
    try:
        assert handle.is_busy()
        assert store.open(handle.id).is_busy()
        with pytest.raises(SessionBusy):
            store.open(handle.id).claim()
        with pytest.raises(SessionBusy):
            store.delete(handle.id)
    finally:
        lock.release()
    assert not handle.is_busy()
    store.delete(handle.id)
    assert not handle.folder.exists()


def test_looking_at_a_session_never_makes_it_busy(tmp_path) -> None:
    """Every listing looks at each "running" session's lock. The look used to take the
    lock exclusively for a moment, so a delete or an engine start at that moment in another
    thread failed as "running elsewhere" (a lost delete on Home while its list reloaded).
    Now a look is shared: looks never see each other, and a claim waits the look out."""
    import fcntl
    import threading

    from core.sessions import RUN_LOCK_FILE, SessionStore

    store = SessionStore(tmp_path / "sessions")
    handle = store.create("topic")
    handle.claim().release()  # the lock file exists, as after any run

    def look_under_way(seconds: float) -> threading.Timer:
        """Another thread's look at the lock, ending in ``seconds``."""
        fd = os.open(handle.folder / RUN_LOCK_FILE, os.O_RDONLY)
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        ends = threading.Timer(seconds, os.close, (fd,))
        ends.start()
        return ends

    look = look_under_way(0.05)
    assert not handle.is_busy()  # a second look at the same time
    lock = handle.claim()  # waits the look out instead of failing
    look.join()
    assert handle.is_busy()
    lock.release()
    look = look_under_way(0.05)
    store.delete(handle.id)  # a delete, too
    look.join()
    assert not handle.folder.exists()


def test_a_running_session_nobody_runs_is_listed_as_interrupted(store: SessionStore) -> None:
    """A killed app leaves "running" on disk; listings must not believe it."""
    handle = store.create("killed mid-run")
    recorder = SessionRecorder(handle)
    for event in session_events(handle.id):
        recorder(event)
    assert handle.read_info().status == "running"
    assert {i.id: i.status for i in store.list()}[handle.id] == "interrupted"
    lock = handle.claim()  # an engine in another window runs it: then it is running
    try:
        assert {i.id: i.status for i in store.list()}[handle.id] == "running"
    finally:
        lock.release()


def test_a_session_json_that_cannot_be_written_does_not_stop_recording(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = store.create("read-only folder")
    recorder = SessionRecorder(handle)

    def refuse(info: SessionInfo) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(handle, "write_info", refuse)
    for event in session_events(handle.id):
        recorder(event)
    assert len(handle.load_events()) == len(session_events(handle.id)), "every event is saved"
