"""The mind map on a Neo4j server (``graph.backend = "neo4j"``), with the official driver.

The *sync* driver on purpose: the ``MindMapStore`` protocol is synchronous and is called
from worker threads (the engine uses ``asyncio.to_thread``, the TUI thread workers), and the
sync driver is thread-safe at the driver level (one session per call here). Writes are also
serialised with a lock, so one ``apply`` is one write transaction and two threads never
interleave a round. User Cypher runs through ``execute_read`` (READ access: the server
refuses writes) with a transaction timeout. Constraints and indexes are created with
``IF NOT EXISTS`` at start. The URI is shown without credentials; the password is never
put in ``location``, messages or logs.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.mindmap import schema
from core.mindmap.cypher_store import CypherGraphStore
from core.mindmap.projection import Batch


def safe_uri(uri: str) -> str:
    """The URI without any user:password@ part."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<invalid uri>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class Neo4jStore(CypherGraphStore):
    backend = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        database: str = "neo4j",
        *,
        read_only: bool = False,
        connection_timeout_s: float = 5.0,
    ) -> None:
        import neo4j

        self._neo4j = neo4j
        self.location = f"{safe_uri(uri)} (database {database or 'neo4j'})"
        self.read_only = read_only
        self._database = database or None
        self._lock = threading.Lock()
        self._driver = neo4j.GraphDatabase.driver(
            uri,
            auth=(user, password),
            connection_timeout=connection_timeout_s,
            max_transaction_retry_time=5.0,
        )
        try:
            self._driver.verify_connectivity()
            if not read_only:
                with self._driver.session(database=self._database) as session:
                    for ddl in schema.neo4j_ddl():  # our constant text
                        session.run(ddl).consume()
        except BaseException:
            self._driver.close()
            raise

    def _label_of(self, var: str) -> str:
        return f"labels({var})[0]"

    def _type_of(self, var: str) -> str:
        return f"type({var})"

    def _session(self, *, read: bool) -> Any:
        mode = self._neo4j.READ_ACCESS if read else self._neo4j.WRITE_ACCESS
        return self._driver.session(database=self._database, default_access_mode=mode)

    def _rows(self, cypher: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        def work(tx: Any) -> list[list[Any]]:
            return [list(record.values()) for record in tx.run(cypher, params or {})]

        with self._session(read=True) as session:
            return session.execute_read(work)

    def _write(self, batches: list[Batch]) -> list[tuple[int, int]]:
        def one(tx: Any, cypher: str, rows: list[dict[str, Any]]) -> int:
            record = tx.run(cypher, {"rows": rows}).single()
            return int(record[0]) if record else 0

        def work(tx: Any) -> list[tuple[int, int]]:
            return [
                (one(tx, b.count_cypher, b.rows), one(tx, b.merge_cypher, b.rows)) for b in batches
            ]

        with self._lock, self._session(read=False) as session:
            return session.execute_write(work)

    def _run_read_only(
        self, cypher: str, params: dict[str, Any], *, timeout_s: float, max_rows: int
    ) -> tuple[list[str], list[list[Any]]]:
        @self._neo4j.unit_of_work(timeout=timeout_s)
        def work(tx: Any) -> tuple[list[str], list[list[Any]]]:
            result = tx.run(cypher, params)
            keys = list(result.keys())
            rows = []
            for record in result:
                rows.append(list(record.values()))
                if len(rows) >= max_rows:
                    break
            result.consume()
            return keys, rows

        with self._session(read=True) as session:
            return session.execute_read(work)

    def close(self) -> None:
        self._driver.close()
