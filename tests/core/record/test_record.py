"""The event bus and its sinks, and the record services the CLI calls (no CLI here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.events import Event, PhaseStarted, RoundStarted, WarningRaised
from core.record import Derived, EventBus
from core.record.seed_import import import_log
from core.sessions import SessionStore


def test_the_bus_stamps_scrubs_applies_then_fans_out() -> None:
    seen: list[tuple[Event, int]] = []
    bus = EventBus(["s3cret-token-123"])
    state = bus.state
    bus.journal = lambda event: seen.append((event, len(state.rounds)))
    bus.emit(RoundStarted(round=1))
    bus.emit(WarningRaised(message="gateway said s3cret-token-123 is bad", kind="llm"))
    assert [e.seq for e, _ in seen] == [1, 2]
    assert seen[0][1] == 0, "the journal saves before the state applies the event"
    assert 1 in state.rounds
    assert "s3cret" not in seen[1][0].message and "[redacted]" in seen[1][0].message


def test_a_failing_derived_sink_is_dropped_with_one_warning_and_the_journal_goes_on() -> None:
    saved: list[Event] = []
    bus = EventBus()
    bus.journal = saved.append

    def broken(event: Event) -> None:
        raise OSError("disk full")

    bus.derived = [Derived(broken, "research_log.md is no longer updated")]
    bus.emit(RoundStarted(round=1))
    bus.emit(PhaseStarted(round=1, phase="context"))
    warnings = [e for e in saved if isinstance(e, WarningRaised)]
    assert len(warnings) == 1 and "no longer updated: disk full" in warnings[0].message
    assert len(saved) == 3 and not bus.derived


def test_a_journal_that_cannot_write_stops_the_emit() -> None:
    bus = EventBus()

    def refuse(event: Event) -> None:
        raise OSError("read-only file system")

    bus.journal = refuse
    with pytest.raises(OSError):
        bus.emit(RoundStarted(round=1))
    assert not bus.state.rounds, "an event that was not saved is not applied either"


def test_import_log_is_a_core_service(tmp_path: Path) -> None:
    log = (
        "# Research Process: Peat bogs\nStarted at: 2026-11-20 10:00:00\n\n"
        "## Final Research Report - 2026-11-20 10:05:00\nPeat stores carbon.\n"
    )
    session_id = import_log(tmp_path, log)
    state = SessionStore(tmp_path).open(session_id).state()
    assert state.topic == "Peat bogs"
    with pytest.raises(ValueError):
        import_log(tmp_path, "just some text")


def test_events_saved_before_the_rename_still_read(tmp_path: Path) -> None:
    from core.events import ErrorRaised, WarningRaised
    from core.sessions import load_events

    path = tmp_path / "events.jsonl"
    path.write_text(
        '{"type":"Warning","seq":1,"message":"old warning","kind":"search"}\n'
        '{"type":"Error","seq":2,"kind":"auth","message":"old error"}\n',
        encoding="utf-8",
    )
    warning, error = load_events(path)
    assert isinstance(warning, WarningRaised) and warning.message == "old warning"
    assert isinstance(error, ErrorRaised) and error.kind == "auth"
    assert warning.type == "WarningRaised"
