"""The journal and the session summary: the two sinks that keep a session folder current.

``Journal`` appends each event to events.jsonl (flushed and fsynced before it returns; it
raises, because a research that cannot be saved must not go on). ``SessionSummary`` keeps
session.json in step with the live state after the events that change what a listing shows;
it is a cache rebuilt from the events, so failing to write it is only logged.
"""

from __future__ import annotations

import logging

from core.events import (
    Event,
    ReportReady,
    RoundFinished,
    SessionFinished,
    SessionStarted,
    SynthesisReady,
)
from core.sessions import SessionHandle, SessionInfo, file_size
from core.state import SessionState

log = logging.getLogger(__name__)

INFO_EVENTS = (SessionStarted, RoundFinished, SessionFinished, ReportReady, SynthesisReady)


class Journal:
    def __init__(self, handle: SessionHandle) -> None:
        self.handle = handle

    def __call__(self, event: Event) -> None:
        self.handle.append(event)


class SessionSummary:
    """Writes session.json from the live ``state`` (which the bus has already updated)."""

    def __init__(self, handle: SessionHandle, state: SessionState) -> None:
        self.handle = handle
        self.state = state
        self._created = handle.read_info().created or state.started

    def __call__(self, event: Event) -> None:
        if isinstance(event, INFO_EVENTS):
            try:
                self.write()
            except OSError as exc:  # derived from the events; read_info rebuilds it
                log.warning("could not update %s: %s", self.handle.meta_path, exc)

    def write(self) -> None:
        info = SessionInfo.from_state(self.state, self.handle.id)
        if self._created:
            info.created = self._created
        info.events_bytes = file_size(self.handle.events_path)
        self.handle.write_info(info)


class SessionRecorder:
    """Journal + summary + a state of its own, for writers without an event bus (the log
    importer, scripted test engines). Created on an existing session it starts from the
    replayed state (``CorruptSession`` for a damaged or emptied log: nothing is appended)."""

    def __init__(self, handle: SessionHandle) -> None:
        self.handle = handle
        self.state = handle.resume_state()
        self._journal = Journal(handle)
        self._summary = SessionSummary(handle, self.state)

    def __call__(self, event: Event) -> None:
        self._journal(event)  # the one write that must succeed: it raises
        self.state.apply(event)
        self._summary(event)

    def write_info(self) -> None:
        self._summary.write()
