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
- ``BEGIN TRANSACTION READ ONLY`` refuses writes, and ``set_query_timeout`` bounds a query.
Reads use their own connection (readers do not wait for a writer's transaction).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from core.mindmap import schema
from core.mindmap.cypher_store import CypherGraphStore
from core.mindmap.projection import Batch

DB_FILE = "mindmap.lbug"
"""File name inside the graph folder (``config.graph_path``)."""


class GraphLocked(RuntimeError):
    """Another process holds the database's write lock."""


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
        try:
            self._db = ladybug.Database(
                str(path), read_only=read_only, buffer_pool_size=buffer_pool_mb * 1024 * 1024
            )
        except RuntimeError as exc:
            if "lock" in str(exc).lower():
                raise GraphLocked(f"The mind map at {path} is in use by another process") from exc
            raise
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._read_conn = ladybug.Connection(self._db)
        self._write_conn = None if read_only else ladybug.Connection(self._db)
        if self._write_conn is not None:
            with self._write_lock:
                for ddl in schema.ladybug_ddl():  # our constant text, no user input
                    self._write_conn.execute(ddl)

    # --- primitives ---------------------------------------------------------------------

    def _label_of(self, var: str) -> str:
        return f"label({var})"

    def _type_of(self, var: str) -> str:
        return f"label({var})"

    def _rows(self, cypher: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
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
            conn.execute("BEGIN TRANSACTION")
            try:
                out = [(one(b.count_cypher, b.rows), one(b.merge_cypher, b.rows)) for b in batches]
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return out

    def _run_read_only(
        self, cypher: str, params: dict[str, Any], *, timeout_s: float, max_rows: int
    ) -> tuple[list[str], list[list[Any]]]:
        # A parameter forces the prepared (single-statement) path even if the query has none.
        params = params or {"_single_statement": 0}
        conn = self._read_conn
        with self._read_lock:
            conn.set_query_timeout(max(1, int(timeout_s * 1000)))
            conn.execute("BEGIN TRANSACTION READ ONLY")
            try:
                result = conn.execute(cypher, params)
                columns = list(result.get_column_names())  # type: ignore[union-attr]
                rows = [list(r) for r in result.get_n(max_rows)]  # type: ignore[union-attr]
            finally:
                try:
                    conn.execute("ROLLBACK")
                finally:
                    conn.set_query_timeout(0)
        return columns, rows

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            for conn in (self._write_conn, self._read_conn):
                if conn is not None:
                    conn.close()
            self._write_conn = None
            self._db.close()
