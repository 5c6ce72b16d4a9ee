"""Research the embedded mind map could not take yet: noted, then projected by the next writer.

LadybugDB has one writer per database file. A process that finds the graph held by another
(a second window, a ``run`` beside the app) can only open it read-only, and its research
used to be silently left out of the mind map. Now the read-only store is wrapped in
:class:`PendingProjectionStore`: its ``apply`` notes the session in ``<graph dir>/pending/``
instead of failing, and whoever opens the graph for writing next calls :func:`catch_up`,
which projects those sessions from their ``events.jsonl`` (the graph is a projection of the
event logs and ``apply`` is idempotent, so replaying a whole session is always right).

A note is removed only once its session is fully projected: while the session is still
running somewhere (its run lock is held), what it has so far is projected and the note
stays, so the rest is added by a later writer.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.events import Event
from core.mindmap.base import GraphDelta, MindMapStore

log = logging.getLogger(__name__)

PENDING_DIR = "pending"
"""Folder beside the database file; one empty file per session waiting to be projected."""

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def pending_folder(graph_dir: Path) -> Path:
    return Path(graph_dir) / PENDING_DIR


def mark_pending(graph_dir: Path, session_id: str) -> None:
    """Note that ``session_id`` has events the graph does not hold yet."""
    if not _SAFE_ID.match(session_id or "") or ".." in session_id:
        return
    folder = pending_folder(graph_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / session_id).touch()


def pending_sessions(graph_dir: Path) -> list[str]:
    """Sessions waiting for a writer, oldest note first."""
    folder = pending_folder(graph_dir)
    try:
        notes = [p for p in folder.iterdir() if p.is_file() and _SAFE_ID.match(p.name)]
    except OSError:
        return []
    notes.sort(key=lambda p: (p.stat().st_mtime, p.name))
    return [p.name for p in notes]


@dataclass
class CatchUp:
    """What :func:`catch_up` did: sessions projected in full, and ones still running."""

    projected: list[str] = field(default_factory=list)
    still_running: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def message(self) -> str:
        """One sentence for the UI or stderr; empty when there was nothing to do."""
        if not self.projected:
            return ""
        count = len(self.projected)
        what = "research" if count == 1 else "researches"
        return (
            f"The mind map caught up: added {count} {what} saved while it was in use by "
            "another deepresearch-tui process."
        )


def catch_up(store: MindMapStore, graph_dir: Path, sessions_dir: Path) -> CatchUp:
    """Project every pending session into ``store`` (opened for writing)."""
    from core.sessions import SessionNotFound, SessionStore

    done = CatchUp()
    sessions = SessionStore(sessions_dir)
    for session_id in pending_sessions(graph_dir):
        note = pending_folder(graph_dir) / session_id
        try:
            handle = sessions.open(session_id)
        except SessionNotFound:  # deleted meanwhile: nothing to add
            note.unlink(missing_ok=True)
            continue
        running = handle.is_busy()
        try:
            events = handle.load_events()
            apply_many = getattr(store, "apply_many", None)
            if apply_many is not None:
                apply_many(events)
            else:
                for event in events:
                    store.apply(event)
        except Exception as exc:  # one broken session must not keep the others out
            log.warning("catching up session %s failed: %s", session_id, exc)
            done.failed.append(session_id)
            continue
        if running:
            done.still_running.append(session_id)
        else:
            note.unlink(missing_ok=True)
            done.projected.append(session_id)
    return done


def catch_up_if_free(config: Any) -> CatchUp:
    """Open the embedded graph for writing if nobody holds it, catch up, close it.

    For the end of a research that ran read-only: the holder may have let go meanwhile.
    Returns an empty result when the graph is still held (the notes stay for later).
    """
    from core.mindmap.ladybug_store import DB_FILE, GraphLocked, LadybugStore

    graph_dir = config.graph_path
    if not pending_sessions(graph_dir):
        return CatchUp()
    try:
        store = LadybugStore(graph_dir / DB_FILE)
    except GraphLocked:
        return CatchUp()
    try:
        return catch_up(store, graph_dir, config.sessions_dir)
    finally:
        with contextlib.suppress(Exception):
            store.close()


class PendingProjectionStore:
    """A read-only store whose ``apply`` notes the session as pending instead of failing.

    Reads (context, tree, ask) go to the read-only store, which still shows everything the
    writer has committed; writes wait in ``<graph dir>/pending`` for the next writer.
    """

    read_only = True

    def __init__(self, store: MindMapStore, graph_dir: Path) -> None:
        self._store = store
        self._graph_dir = Path(graph_dir)
        self._noted: set[str] = set()
        self._lock = threading.Lock()
        self.pending = False
        """True once this store has held back an event (the research is queued)."""

    @property
    def inner(self) -> MindMapStore:
        return self._store

    def apply(self, event: Event) -> GraphDelta:
        session_id = getattr(event, "session_id", "") or ""
        if not session_id:
            return GraphDelta()
        with self._lock:
            if session_id not in self._noted:
                mark_pending(self._graph_dir, session_id)
                self._noted.add(session_id)
            self.pending = True
        return GraphDelta()

    def apply_many(self, events: list[Event]) -> GraphDelta:
        for event in events:
            self.apply(event)
        return GraphDelta()

    def __getattr__(self, name: str) -> Any:
        # Everything but writes is the read-only store's (backend, location, reads, close).
        return getattr(self._store, name)
