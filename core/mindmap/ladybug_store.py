"""The embedded mind map: LadybugDB (the maintained successor of Kùzu), on disk, Cypher.

Facts this is built on (ladybug 0.22, checked):
- one read-write process per database file; a second gets a lock error, but may open the
  file read-only meanwhile (``GraphLocked`` lets the factory do that and say so);
- one write transaction at a time: writes go through one connection under a lock, each
  ``apply`` in one transaction, so two threads' writes both land;
- an un-parameterised ``execute()`` runs every ``;``-separated statement, a parameterised
  one is prepared and a prepared statement is a single statement. Untrusted text therefore
  always runs with parameters (a dummy one if it has none), never through the
  multi-statement path;
- ``BEGIN TRANSACTION READ ONLY`` refuses writes; ``set_query_timeout`` is only checked
  between blocks of work, so Cypher we did not write runs in a child process with a
  deadline and a memory cap (``core.mindmap.ladybug_query``).
Reads use their own connection (readers do not wait for a writer's transaction).

A full disk is the one fault the native library does not survive (checked with a 3 MB
tmpfs): the write that meets ENOSPC raises "IO exception: Cannot write to file", and from
then on the database object is poisoned: the next write can hang, and closing it (or the
interpreter freeing it at exit) calls ``std::terminate`` (exit 134), leaving a WAL that no
later open accepts ("WAL file is corrupted"). So: every write first checks the free space
(``MIN_FREE_BYTES`` plus the WAL, which a checkpoint copies into the file) and refuses with
``GraphDiskFull`` before the library ever sees ENOSPC; if a write fails with an I/O error
anyway (another process filled the disk in between), the store is *abandoned*: never
touched again, and its native objects are deliberately kept alive until the process ends,
so no destructor runs the checkpoint that aborts. The graph is a projection of the event
logs, so what it misses is restored by ``graph rebuild`` (or on the next open, when the
file turns out damaged: see ``core.mindmap.factory``).
"""

from __future__ import annotations

import contextlib
import ctypes
import shutil
import threading
from pathlib import Path
from typing import Any

from core.mindmap import schema
from core.mindmap.cypher_store import CypherGraphStore
from core.mindmap.projection import Batch

DB_FILE = "mindmap.lbug"
"""File name inside the graph folder (``config.graph_path``)."""


MIN_FREE_BYTES = 64 * 1024 * 1024
"""Free space a write needs besides the WAL (one transaction, plus room to checkpoint)."""


class GraphLocked(RuntimeError):
    """Another process holds the database's write lock."""


class GraphDamaged(RuntimeError):
    """The database file cannot be opened (a corrupt WAL or file); it can be rebuilt."""


class GraphWriteFailed(RuntimeError):
    """A write did not happen (and, after an I/O error, none will on this store)."""


class GraphDiskFull(GraphWriteFailed):
    """Too little free space to write safely: refused before the library could fail."""


def free_bytes(folder: Path) -> int:
    """Free space for an unprivileged writer on the file system holding ``folder``."""
    return shutil.disk_usage(folder).free


def _is_io_failure(text: str) -> bool:
    lowered = text.lower()
    return any(
        word in lowered
        for word in ("io exception", "cannot write to file", "no space left", "disk quota")
    )


_ABANDONED: list[object] = []
"""Native objects of stores given up after an I/O error (see the module docstring)."""


def _keep_alive(obj: object) -> None:
    """Never free ``obj``: one extra reference the interpreter never drops, even at exit,
    so its native destructor (a checkpoint that aborts the process) never runs."""
    _ABANDONED.append(obj)
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


class LadybugStore(CypherGraphStore):
    backend = "ladybug"

    def __init__(
        self, path: Path | str, *, read_only: bool = False, buffer_pool_mb: int = 1024
    ) -> None:
        import ladybug

        path = Path(path).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.location = str(path)
        self.read_only = read_only
        self.path = path
        self._broken = ""
        """Why this store was abandoned (empty while it works)."""
        try:
            self._db = ladybug.Database(
                str(path),
                read_only=read_only,
                buffer_pool_size=buffer_pool_mb * 1024 * 1024,
                # One thread per query: our queries are small (a page, a context), and
                # LadybugDB's worker pool costs more than it gives on them. Measured with
                # `python -m bench mindmap` on 2 cores: live apply 103-124 -> 45-58 ms per
                # event, context 18-22 -> 10-11 ms, the rebuild 7.9 -> 4.4-5.2 s.
                max_num_threads=1,
            )
        except (RuntimeError, ValueError) as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise GraphLocked(f"The mind map at {path} is in use by another process") from exc
            if _is_io_failure(text):
                raise GraphDiskFull(
                    f"The mind map at {path} cannot be opened: the disk is full ({text})"
                ) from exc
            raise GraphDamaged(f"The mind map at {path} is damaged ({text})") from exc
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._read_conn = ladybug.Connection(self._db)
        self._write_conn = None if read_only else ladybug.Connection(self._db)
        if self._write_conn is not None:
            with self._write_lock:
                try:
                    for ddl in schema.ladybug_ddl():  # our constant text, no user input
                        self._write_conn.execute(ddl)
                    # An ALTER that added a column (an older graph) stays in the WAL, and
                    # the read-only query process then cannot open the file: fold it in.
                    self._write_conn.execute("CHECKPOINT")
                except (RuntimeError, ValueError) as exc:
                    self._abandon(str(exc))
                    raise GraphDamaged(f"The mind map at {path} is damaged ({exc})") from exc

    # --- a full disk ---------------------------------------------------------------------

    def _check_space(self) -> None:
        """Refuse a write that could meet ENOSPC inside the library (see the docstring)."""
        try:
            wal = Path(f"{self.path}.wal").stat().st_size
        except OSError:
            wal = 0
        needed = MIN_FREE_BYTES + wal
        free = free_bytes(self.path.parent)
        if free < needed:
            raise GraphDiskFull(
                f"Not enough free space for the mind map at {self.path} "
                f"({free // 2**20} MB free, {needed // 2**20 + 1} MB needed): nothing was "
                "written. Free some space, then run `deepresearch-tui graph rebuild`."
            )

    def _usable(self) -> None:
        if self._broken:
            raise GraphWriteFailed(
                f"The mind map at {self.path} stopped after a failed write ({self._broken}); "
                "it is no longer used in this process. Free some space, then run "
                "`deepresearch-tui graph rebuild`."
            )

    def _abandon(self, reason: str) -> None:
        """Give the native database up for good, without ever closing or freeing it."""
        self._broken = reason[:300] or "I/O error"
        for obj in (self._db, self._read_conn, self._write_conn):
            if obj is not None:
                _keep_alive(obj)

    # --- primitives ---------------------------------------------------------------------

    def _label_of(self, var: str) -> str:
        return f"label({var})"

    def _type_of(self, var: str) -> str:
        return f"label({var})"

    def _rows(self, cypher: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        self._usable()
        with self._read_lock:
            result = self._read_conn.execute(cypher, params or {})
            return [list(row) for row in result.get_all()]  # type: ignore[union-attr]

    def _write(self, batches: list[Batch]) -> list[tuple[int, int]]:
        if self._write_conn is None:
            raise RuntimeError(f"The mind map at {self.location} is open read-only")
        conn = self._write_conn

        def one(cypher: str, rows: list[dict[str, Any]]) -> int:
            result = conn.execute(cypher, {"rows": rows}).get_all()  # type: ignore[union-attr]
            return int(result[0][0]) if result else 0

        with self._write_lock:
            self._usable()
            self._check_space()
            try:
                conn.execute("BEGIN TRANSACTION")
                try:
                    out = [
                        (one(b.count_cypher, b.rows), one(b.merge_cypher, b.rows)) for b in batches
                    ]
                except BaseException as exc:
                    if isinstance(exc, RuntimeError) and _is_io_failure(str(exc)):
                        raise  # the database is poisoned: not even a ROLLBACK now
                    # A failed statement may have ended the transaction already; the original
                    # error is the one to report, never "no active transaction for ROLLBACK".
                    with contextlib.suppress(RuntimeError):
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except RuntimeError as exc:
                if not _is_io_failure(str(exc)):
                    raise
                self._abandon(str(exc))
                raise GraphWriteFailed(
                    f"Writing the mind map at {self.path} failed ({exc}); it is no longer "
                    "used in this process. Free some space, then run "
                    "`deepresearch-tui graph rebuild`."
                ) from exc
            return out

    def _run_read_only(
        self, cypher: str, params: dict[str, Any], *, timeout_s: float, max_rows: int
    ) -> tuple[list[str], list[list[Any]]]:
        """In a child process that can be killed at the deadline (``ladybug_query``)."""
        from core.mindmap.ladybug_query import run_bounded

        self._usable()
        return run_bounded(self.path, cypher, params, timeout_s=timeout_s, max_rows=max_rows)

    def close(self) -> None:
        if self._broken:
            return  # never closed: closing a poisoned database aborts the process
        with self._write_lock, self._read_lock:
            for conn in (self._write_conn, self._read_conn):
                if conn is not None:
                    conn.close()
            self._write_conn = None
            self._db.close()
