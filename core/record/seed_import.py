"""Importing a research log (the original tool's "Research Process" markdown, or ours) as a
saved session: parsed into the same events a live run emits, so it opens, lists and exports
like any other research. A core service: the CLI's ``import`` calls it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from core.events import Event, ReportChunk, ReportReady, SessionStarted


def import_log(sessions_dir: Path, text: str) -> str:
    """Parse ``text`` and save it as a new session; returns its id (``ValueError`` when the
    text is not a research log)."""
    from core.record.research_log import parse_seed_log

    return import_events(sessions_dir, parse_seed_log(text))


def import_events(sessions_dir: Path, events: list[Event]) -> str:
    """Record parsed events as a new session (report.md written first); returns its id.

    Written in a hidden staging folder and renamed into place at the end, so an import
    that is killed or fails midway leaves no half-written research in the listing.
    """
    from core.atomic import SHARED, write_atomic
    from core.record.journal import SessionRecorder
    from core.sessions import SessionStore

    topic = next((e.topic for e in events if isinstance(e, SessionStarted)), "")
    store = SessionStore(sessions_dir)
    with store.staged(topic) as (handle, final):
        recorder = SessionRecorder(handle)
        report_parts: list[str] = []
        for event in events:
            if isinstance(event, ReportChunk):
                report_parts.append(event.text)
            if isinstance(event, ReportReady):
                write_atomic(handle.report_path, "".join(report_parts), mode=SHARED)
                event = dataclasses.replace(event, path=str(final / handle.report_path.name))
            recorder(event.stamped(handle.id, event.seq))
    return handle.id
