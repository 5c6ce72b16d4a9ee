"""Saved sessions: one folder per research, ``events.jsonl`` as the source of truth.

Layout of ``<sessions dir>/<id>/``:

- ``events.jsonl``: append-only, one JSON event per line, flushed and fsynced per event, so a
  crash loses at most the event being written. A truncated last line is tolerated on load and
  cut off before the next append; a broken line in the middle is reported (file and line),
  never silently skipped, and the file is left as it is.
- ``session.json``: a summary for listings (``SessionInfo``), written atomically. It is a
  cache: when missing or broken it is rebuilt from the events.
- ``research_log.md`` (``core.record.research_log``) and ``report.md`` (the engine).

Reopening a session is replaying its events through ``core.state.SessionState``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.atomic import write_atomic
from core.events import (
    Event,
    UnknownEvent,
    from_dict,
    to_json,
)
from core.state import SessionState

log = logging.getLogger(__name__)

EVENTS_FILE = "events.jsonl"
META_FILE = "session.json"
LOG_FILE = "research_log.md"
REPORT_FILE = "report.md"

ID_RE = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{4}$")
"""What ``create`` makes, e.g. "20261123-154012-a1b2": sortable by time, safe as a folder."""
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
"""A write refused for want of space: the command failed (exit 1), it was no usage error."""
_SAFE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class SessionNotFound(KeyError):
    """No session with that id (or the id is not a safe folder name)."""

    def __init__(self, session_id: str, root: Path) -> None:
        super().__init__(session_id)
        self.session_id = session_id
        self.root = root

    def __str__(self) -> str:
        return f"No session {self.session_id!r} in {self.root}"


class SessionAmbiguous(SessionNotFound):
    """An id prefix that starts more than one session's id; the message lists them, so the
    user can pick one instead of guessing how much more of the id to type."""

    SHOWN = 10

    def __init__(self, session_id: str, root: Path, matches: list[str]) -> None:
        super().__init__(session_id, root)
        self.matches = sorted(matches)

    def __str__(self) -> str:
        shown = ", ".join(self.matches[: self.SHOWN])
        if len(self.matches) > self.SHOWN:
            shown += f" and {len(self.matches) - self.SHOWN} more"
        count = len(self.matches)
        return f"{self.session_id!r} matches {count} sessions: {shown}; give more of the id"


class CorruptSession(ValueError):
    """A session file that cannot be read. Names the file and line; the file is kept."""

    def __init__(self, path: Path, line: int, detail: str) -> None:
        super().__init__(f"{path}: line {line}: {detail} (the file has been left unchanged)")
        self.path = path
        self.line = line
        self.detail = detail


# --- events.jsonl --------------------------------------------------------------------------


class _TornLine(ValueError):
    """Not JSON at all: what a write cut short by a crash leaves as the last line."""


def _parse_line(raw: bytes) -> Event:
    """One line to an event; raises UnknownEvent for a newer version's type, ``_TornLine``
    for text that is not a JSON value, ValueError for a complete line that is not a valid
    event (wrong field types included: ``core.events.validate``)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _TornLine(f"not valid JSON ({exc})") from exc
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    try:
        return from_dict(data)
    except UnknownEvent:
        raise
    except TypeError as exc:  # a field the dataclass itself refuses
        raise ValueError(f"not a valid {data.get('type')} event ({exc})") from exc


def load_events(path: Path) -> list[Event]:
    """Every event in an ``events.jsonl``. Missing file: []. Unknown types are skipped.

    A *last* line that is not JSON is what a crash mid-write leaves: it is dropped. Any
    other bad line (broken JSON before the end, or a complete line whose fields are missing
    or of the wrong type, wherever it is) raises ``CorruptSession`` naming file and line.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")
    last = max((i for i, raw in enumerate(lines) if raw.strip()), default=-1)
    events: list[Event] = []
    for index, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            events.append(_parse_line(raw))
        except UnknownEvent:
            continue
        except _TornLine as exc:
            if index == last:
                break
            raise CorruptSession(path, index + 1, str(exc)) from None
        except ValueError as exc:
            raise CorruptSession(path, index + 1, str(exc)) from None
    return events


def _repair_tail(path: Path) -> None:
    """Make sure the next append starts on a line of its own after a valid line.

    A crash mid-write leaves a partial last line: it is cut off (it could never be read).
    A complete last event that only lacks its newline gets the newline.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size == 0:
        return
    with path.open("rb+") as handle:
        # Find the start of the last non-empty line, reading backwards in blocks.
        end = size
        handle.seek(size - 1)
        ends_with_newline = handle.read(1) == b"\n"
        if ends_with_newline:
            end = size - 1
        start = 0
        pos = end
        block = 65536
        while pos > 0:
            step = min(block, pos)
            pos -= step
            handle.seek(pos)
            chunk = handle.read(step)
            cut = chunk.rfind(b"\n", 0, end - pos)
            if cut != -1:
                start = pos + cut + 1
                break
        handle.seek(start)
        tail = handle.read(end - start)
        try:
            _parse_line(tail)
            valid = True
        except UnknownEvent:
            valid = True
        except _TornLine:
            valid = not tail.strip()
        except ValueError as exc:  # a whole line, but not an event: never append after it
            line = data_lines(handle, start)
            raise CorruptSession(path, line, str(exc)) from None
        if valid and not ends_with_newline:
            handle.seek(size)
            handle.write(b"\n")
        elif not valid:
            handle.truncate(start)
        handle.flush()
        os.fsync(handle.fileno())


def data_lines(handle: Any, end: int) -> int:
    """The 1-based number of the line starting at byte ``end`` of an open file."""
    handle.seek(0)
    return handle.read(end).count(b"\n") + 1


# --- session.json --------------------------------------------------------------------------


@dataclass
class SessionInfo:
    """What a listing shows about a session (``session.json``)."""

    id: str
    topic: str = ""
    status: str = "new"
    rounds_done: int = 0
    rounds_planned: int = 0
    sources: int = 0
    created: float = 0.0
    updated: float = 0.0
    model: str = ""
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    events_bytes: int = 0
    """Size of events.jsonl when this was written: a listing re-reads (and so validates) a
    log only when it has changed since, so a damaged log is flagged without reading every
    healthy one on each listing."""
    cost_usd: float = -1.0
    """USD spent so far; -1 in a ``session.json`` written before costs were recorded (a
    listing shows "—" rather than a made-up $0)."""
    cost_estimated: bool = False
    """Part of ``cost_usd`` is an estimate: a server reported no token usage (counted from
    the text), or calls logged before costs were recorded (priced at today's prices)."""

    @classmethod
    def from_state(cls, state: SessionState, session_id: str = "") -> SessionInfo:
        return cls(
            id=session_id or state.session_id,
            topic=state.topic,
            status=state.status,
            rounds_done=state.completed_rounds(),
            rounds_planned=state.rounds_planned,
            sources=len(state.sources),
            created=state.started,
            updated=state.updated,
            model=state.model,
            llm_calls=state.llm_calls,
            tokens_in=state.tokens_in,
            tokens_out=state.tokens_out,
            cost_usd=state.cost_usd,
            cost_estimated=state.cost_estimated or state.usage_estimated,
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> SessionInfo:
        """Strict enough to notice a broken file: a wrong type raises ValueError."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ValueError("not a session.json object")
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            kind = type(f.default) if f.default is not dataclasses.MISSING else str
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
                raise ValueError(f"{f.name} must be a {kind.__name__}")
            values[f.name] = value
        return cls(**values)


# --- one run at a time ---------------------------------------------------------------------

RUN_LOCK_FILE = ".running.lock"


class SessionBusy(RuntimeError):
    """Another engine (this process or another) is running this research right now."""

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"Research {session_id} is running in another window or process; "
            "it can be viewed, but not resumed or deleted until that run ends."
        )
        self.session_id = session_id


CLAIM_GRACE_S = 0.25
"""How long a claim retries while the lock is taken. ``is_busy`` probes hold a shared lock
for microseconds (every listing probes each "running" session); an engine holds the
exclusive one for the whole run. Without the retry, a listing in one thread made a delete or
an engine start in another fail as "running elsewhere" (seen as a lost delete on Home
while its list reloaded, on a loaded box)."""


class RunLock:
    """An advisory lock (``flock``) on the session folder, held while an engine runs it.

    Two writers on one events.jsonl would interleave two histories; the lock makes a second
    ``resume`` fail fast instead. The OS drops the lock when the process dies, so a crash
    never leaves a session stuck. Where ``fcntl`` is missing (Windows) it is a no-op.

    An engine (or a delete) takes it exclusively (:meth:`acquire`); ``is_busy`` only looks,
    with a shared lock (:meth:`held_elsewhere`), so two looks never see each other.
    """

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    @classmethod
    def acquire(cls, folder: Path, session_id: str, *, grace_s: float = CLAIM_GRACE_S) -> RunLock:
        """The exclusive lock; ``SessionBusy`` if another holder keeps it past ``grace_s``
        (a probe's look is over in microseconds, an engine's run is not)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return cls(None)
        fd = os.open(folder / RUN_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + grace_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                if time.monotonic() < deadline:
                    time.sleep(0.005)
                    continue
                os.close(fd)
                raise SessionBusy(session_id) from None
            return cls(fd)

    @staticmethod
    def held_elsewhere(folder: Path) -> bool:
        """True while someone holds the exclusive lock. No lock file: no engine ever held
        this copy of the session (works on a read-only folder: ``flock`` needs no write
        access)."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return False
        try:
            fd = os.open(folder / RUN_LOCK_FILE, os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            os.close(fd)  # also drops the shared lock just taken
        return False

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


# --- one session ---------------------------------------------------------------------------


class SessionHandle:
    """One session folder. Appends are thread-safe (the engine may emit from several tasks)."""

    def __init__(self, folder: Path, *, session_id: str | None = None) -> None:
        self.folder = folder
        self.id = session_id or folder.name
        self.events_path = folder / EVENTS_FILE
        self.meta_path = folder / META_FILE
        self.log_path = folder / LOG_FILE
        self.report_path = folder / REPORT_FILE
        self._lock = threading.Lock()
        self._tail_checked = False

    def __repr__(self) -> str:
        return f"SessionHandle({str(self.folder)!r})"

    def append(self, event: Event) -> None:
        """One JSON line, flushed and fsynced before returning: the event is on disk."""
        line = (to_json(event) + "\n").encode("utf-8")
        with self._lock:
            if not self._tail_checked:
                _repair_tail(self.events_path)
                self._tail_checked = True
            try:
                fd = os.open(self.events_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    written = 0
                    while written < len(line):
                        written += os.write(fd, line[written:])
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:  # os.write names no file: the user must know which disk
                if exc.filename is None:
                    raise OSError(exc.errno, exc.strerror, str(self.events_path)) from exc
                raise

    def load_events(self) -> list[Event]:
        return load_events(self.events_path)

    def claim(self) -> RunLock:
        """Hold this session for one engine run (raises ``SessionBusy`` if already held)."""
        return RunLock.acquire(self.folder, self.id)

    def is_busy(self) -> bool:
        """True while some engine runs this session (so a "running" status is real)."""
        return RunLock.held_elsewhere(self.folder)

    def live_status(self, saved: str) -> str:
        """A saved status as it stands now: "running" (or "new") while no engine holds the
        session means the process that ran it is gone (killed, crashed, power cut)."""
        if saved in ("new", "running") and not self.is_busy():
            return "interrupted"
        return saved

    def state(self) -> SessionState:
        return SessionState.replay(self.load_events(), session_id=self.id)

    def resume_state(self) -> SessionState:
        """The state a writer continues from; ``CorruptSession`` (before anything is
        appended) when the log is damaged, or empty while session.json records progress."""
        events = self.load_events()
        info = self.read_info()
        if not events and records_progress(info):
            raise CorruptSession(self.events_path, 1, emptied_reason(info))
        return SessionState.replay(events, session_id=self.id)

    def read_info(self) -> SessionInfo:
        """``session.json``; when missing or broken, rebuilt from the events (not written)."""
        try:
            info = SessionInfo.from_dict(json.loads(self.meta_path.read_text("utf-8")))
            info.id = self.id
            return info
        except (OSError, ValueError):
            pass
        info = SessionInfo.from_state(self.state(), self.id)
        if not info.created:
            info.created = _folder_time(self.folder)
            info.updated = info.updated or info.created
        return info

    def verify(self, info: SessionInfo) -> None:
        """Raise ``CorruptSession`` when the event log is damaged: read (and so validated)
        again unless it is exactly as the app last left it (``info.events_bytes``)."""
        size = file_size(self.events_path)
        if size == 0:
            if records_progress(info) and self.events_path.exists():
                raise CorruptSession(self.events_path, 1, emptied_reason(info))
            return
        if size != info.events_bytes:
            self.load_events()

    def write_info(self, info: SessionInfo) -> None:
        """Atomically (temp file + rename): a reader never sees half a file."""
        text = json.dumps(info.to_dict(), ensure_ascii=False, indent=2) + "\n"
        write_atomic(self.meta_path, text)


def _folder_time(folder: Path) -> float:
    try:
        return folder.stat().st_mtime
    except OSError:
        return 0.0


class SessionStore:
    """All sessions under one folder (``Config.sessions_dir``). Creates it on first write."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def new_id(self) -> str:
        return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)

    def create(self, topic: str) -> SessionHandle:
        """A new session folder holding its ``session.json``; nothing is left on failure.

        A topic that is not valid Unicode text (bytes from a terminal in another encoding
        arrive as lone surrogates) is refused before any folder exists.
        """
        check_topic(topic)
        self.root.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            folder = self.root / self.new_id()
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            handle = SessionHandle(folder)
            now = time.time()
            try:
                handle.write_info(SessionInfo(id=handle.id, topic=topic, created=now, updated=now))
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)  # no empty folder in the listing
                raise
            return handle
        raise RuntimeError(f"could not create a new session folder in {self.root}")

    @contextlib.contextmanager
    def staged(self, topic: str) -> Iterator[tuple[SessionHandle, Path]]:
        """A new session built in a hidden folder (``.staging-<id>``, which no listing
        shows) and renamed to its final place when the block ends without an error; on an
        error the staging folder is removed. Yields (handle, final folder)."""
        check_topic(topic)
        self.root.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            session_id = self.new_id()
            final, hidden = self.root / session_id, self.root / f".staging-{session_id}"
            if final.exists():
                continue
            try:
                hidden.mkdir()
            except FileExistsError:
                continue
            break
        else:
            raise RuntimeError(f"could not create a new session folder in {self.root}")
        handle = SessionHandle(hidden, session_id=session_id)
        try:
            now = time.time()
            handle.write_info(SessionInfo(id=session_id, topic=topic, created=now, updated=now))
            yield handle, final
            os.rename(hidden, final)  # fails rather than merge if the id was taken meanwhile
        except BaseException:
            shutil.rmtree(hidden, ignore_errors=True)
            raise

    def _folder(self, session_id: str) -> Path | None:
        if (
            not isinstance(session_id, str)
            or not _SAFE_NAME_RE.match(session_id)
            or ".." in session_id
        ):
            return None
        folder = self.root / session_id
        if folder.is_dir() and _is_session(folder):
            return folder
        return None

    def open(self, session_id: str) -> SessionHandle:
        """The session with this id, or the only one whose id starts with it."""
        session_id = session_id.strip() if isinstance(session_id, str) else session_id
        folder = self._folder(session_id)
        if folder is None and isinstance(session_id, str) and _SAFE_NAME_RE.match(session_id):
            matches = [f for f in self._folders() if f.name.startswith(session_id)]
            if len(matches) == 1 and ".." not in session_id:
                folder = matches[0]
            elif len(matches) > 1 and ".." not in session_id:
                raise SessionAmbiguous(session_id, self.root, [f.name for f in matches])
        if folder is None:
            raise SessionNotFound(session_id, self.root)
        return SessionHandle(folder)

    def _folders(self) -> list[Path]:
        # scandir's entries know their type from the directory read: one stat less per
        # session, and a symlink is not a folder here (``follow_symlinks=False``).
        try:
            with os.scandir(self.root) as entries:
                folders = [
                    Path(entry.path)
                    for entry in entries
                    if _SAFE_NAME_RE.match(entry.name) and entry.is_dir(follow_symlinks=False)
                ]
        except OSError:
            return []
        return [folder for folder in folders if _is_session(folder)]

    def list(self) -> list[SessionInfo]:
        """Every session, most recently updated first. Never raises for one broken session."""
        infos = []
        for folder in self._folders():
            handle = SessionHandle(folder)
            try:
                info = handle.read_info()
                handle.verify(info)
                info.status = handle.live_status(info.status)
                infos.append(info)
            except CorruptSession as exc:
                infos.append(
                    SessionInfo(
                        id=handle.id,
                        topic=f"(unreadable: {exc.path.name} line {exc.line})",
                        status="corrupt",
                        created=_folder_time(folder),
                        updated=_folder_time(folder),
                    )
                )
            except OSError as exc:  # listed, not hidden: the user must see it is there
                infos.append(
                    SessionInfo(
                        id=handle.id,
                        topic=f"(unreadable: {exc.strerror or exc})",
                        status="corrupt",
                        created=_folder_time(folder),
                        updated=_folder_time(folder),
                    )
                )
        infos.sort(key=lambda i: (i.updated or i.created, i.id), reverse=True)
        return infos

    def delete(self, session_id: str) -> None:
        """Remove a session folder. Needs the exact id: no prefix matching for deletes."""
        folder = self._folder(session_id.strip() if isinstance(session_id, str) else session_id)
        if folder is None:
            raise SessionNotFound(session_id, self.root)
        # Held while the folder goes, so no engine can start on it half-way.
        lock = SessionHandle(folder).claim()
        try:
            shutil.rmtree(folder)
        finally:
            lock.release()


def check_topic(topic: str) -> None:
    try:
        topic.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "The topic is not valid UTF-8 text (check the terminal's encoding); "
            "nothing was created."
        ) from None


def _is_session(folder: Path) -> bool:
    return (folder / EVENTS_FILE).is_file() or (folder / META_FILE).is_file()


def __getattr__(name: str) -> object:
    """``SessionRecorder`` and ``export_session`` moved to ``core.record``; the old import
    path keeps working."""
    if name == "SessionRecorder":
        from core.record.journal import SessionRecorder

        return SessionRecorder
    if name == "export_session":
        from core.record.exports import export_session

        return export_session
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def file_size(path: Path) -> int:
    """Bytes in ``path``; 0 when it cannot be read (missing counts as empty)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def records_progress(info: SessionInfo) -> bool:
    """session.json says the research ran, so its event log cannot rightly be empty."""
    return info.status != "new" or info.rounds_done > 0 or info.sources > 0


def emptied_reason(info: SessionInfo) -> str:
    return (
        f"the event log is empty, but session.json records a {info.status} research with "
        f"{info.rounds_done} round(s) and {info.sources} source(s): the log was emptied or "
        "lost, so it cannot be resumed (starting again from round 1 would hide that)"
    )
