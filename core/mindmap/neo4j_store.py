"""The mind map on a Neo4j server (``graph.backend = "neo4j"``), with the official driver.

The *sync* driver on purpose: the ``MindMapStore`` protocol is synchronous and is called
from worker threads (the engine uses ``asyncio.to_thread``, the TUI thread workers), and the
sync driver is thread-safe at the driver level (one session per call here). Writes are also
serialised with a lock, so one ``apply`` is one write transaction and two threads never
interleave a round. User Cypher runs through ``execute_read`` (READ access: the server
refuses writes) with a transaction timeout. Constraints and indexes are created with
``IF NOT EXISTS`` at start. The URI is shown without credentials; the password is never
put in ``location``, messages or logs.

Every session shares the driver's ``execute_query_bookmark_manager``: on a routed cluster
(``neo4j://``) a read may go to a follower that has not yet applied our last write, and the
bookmarks make it wait for that write, so the Tree shows what ``apply`` just wrote.

User Cypher gets a second guard here because READ access mode is *not* access control
(the driver's docs say so: it routes the transaction, and a single server may run a write
sent in a read session). The query is first ``EXPLAIN``-ed in the same read transaction
and refused unless the planner says it only reads (query type ``"r"``).
"""

from __future__ import annotations

import threading
from typing import Any

from core.mindmap import schema
from core.mindmap.cypher_store import CypherGraphStore
from core.mindmap.guard import CypherRefused, QueryTimeout
from core.mindmap.neo4j_connect import open_driver, safe_uri
from core.mindmap.projection import Batch

__all__ = ["Neo4jLoginRefused", "Neo4jStore", "safe_uri"]

READ_ONLY_QUERY_TYPE = "r"
"""``ResultSummary.query_type`` of a query that only reads; the others are these:"""
_QUERY_TYPES = {"rw": "reads and writes", "w": "writes", "s": "changes the schema"}


class Neo4jLoginRefused(Exception):
    """The server answered but will not let this user work; the text says what to do.

    Raised instead of the driver's error so the factory's fallback warning names the cause
    in words: a wrong password, a user locked for a few seconds after repeated wrong
    passwords (the server's ``dbms.security.auth_max_failed_attempts``), or a user whose
    password an administrator set with ``CHANGE REQUIRED`` (the login succeeds, every query
    is refused until the password is changed).
    """


_LOGIN_REFUSALS = {
    "Neo.ClientError.Security.Unauthorized": (
        "Neo4j refused the user name or password for user {user!r}"
    ),
    "Neo.ClientError.Security.AuthenticationRateLimit": (
        "Neo4j refuses user {user!r} for a few seconds after too many wrong passwords; "
        "check the password and try again"
    ),
    "Neo.ClientError.Security.CredentialsExpired": (
        "Neo4j user {user!r} must change its password before it can be used: run "
        "ALTER CURRENT USER SET PASSWORD FROM 'old' TO 'new' on the system database "
        "(Neo4j Browser or cypher-shell), then set the new password here"
    ),
}


def login_refusal(exc: BaseException, user: str) -> Neo4jLoginRefused | None:
    """``exc`` as a ``Neo4jLoginRefused`` when it is one of the login refusals, else None."""
    code = str(getattr(exc, "code", "") or "")
    text = _LOGIN_REFUSALS.get(code)
    return Neo4jLoginRefused(f"{text.format(user=user)} ({code})") if text else None


def schema_warning(skipped: int, total: int, code: str, database: str) -> str:
    """The one sentence shown when the server refuses our constraints and indexes."""
    return (
        f"Neo4j refused to create the mind map's constraints and indexes in database "
        f"{database} ({skipped} of {total} skipped: {code}; the user probably lacks schema "
        "rights). The mind map still works, but writes may be slower and node ids are not "
        "enforced unique; opening it once as a user with schema rights creates them."
    )


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
        self.warnings: list[str] = []
        """Things the user should know about this store (the factory shows them)."""
        self._database = database or None
        self._lock = threading.Lock()
        self._driver = open_driver(uri, user, password, timeout_s=connection_timeout_s)
        try:
            self._driver.verify_connectivity()
            if not read_only:
                self._create_schema()
        except BaseException as exc:
            self._driver.close()
            refusal = login_refusal(exc, user or "neo4j")
            if refusal is not None:
                raise refusal from exc
            raise

    def _create_schema(self) -> None:
        """Constraints and indexes, one statement at a time; a forbidden one is skipped.

        A user with write but no schema rights (common on shared servers) gets
        ``Forbidden``; failing the whole store for that would send the run to the embedded
        store, when only the speed-up and the uniqueness check are lost.
        """
        statements = schema.neo4j_ddl()  # our constant text
        refusals: list[str] = []
        for ddl in statements:
            try:
                with self._session(read=False) as session:
                    session.run(ddl).consume()
            except self._neo4j.exceptions.ClientError as exc:
                if not _is_forbidden(exc, self._neo4j.exceptions):
                    raise
                refusals.append(str(getattr(exc, "code", "") or type(exc).__name__))
        if refusals:
            self.warnings.append(
                schema_warning(
                    len(refusals), len(statements), refusals[0], self._database or "neo4j"
                )
            )

    def _label_of(self, var: str) -> str:
        return f"labels({var})[0]"

    def _type_of(self, var: str) -> str:
        return f"type({var})"

    def _session(self, *, read: bool) -> Any:
        mode = self._neo4j.READ_ACCESS if read else self._neo4j.WRITE_ACCESS
        return self._driver.session(
            database=self._database,
            default_access_mode=mode,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
        )

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
            # The guard's lexer refuses EXPLAIN in user text, so this prefix is the only one.
            plan = tx.run("EXPLAIN " + cypher, params).consume()
            if plan.query_type != READ_ONLY_QUERY_TYPE:
                raise CypherRefused(
                    "only read queries may run; the Neo4j planner says this query "
                    f"{_QUERY_TYPES.get(plan.query_type, f'is of type {plan.query_type!r}')}"
                )
            result = tx.run(cypher, params)
            keys = list(result.keys())
            rows = []
            for record in result:
                rows.append(list(record.values()))
                if len(rows) >= max_rows:
                    break
            result.consume()
            return keys, rows

        try:
            with self._session(read=True) as session:
                return session.execute_read(work)
        except self._neo4j.exceptions.Neo4jError as exc:
            # The server ends a transaction past its timeout (and its memory guard one
            # past dbms.memory.transaction.total.max): say which, not a driver trace.
            if "TransactionTimedOut" in str(getattr(exc, "code", "") or ""):
                raise QueryTimeout(timeout_s) from exc
            raise

    def close(self) -> None:
        self._driver.close()


def _is_forbidden(exc: Exception, exceptions: Any) -> bool:
    """A permission refusal: the user may log in and write but not change the schema.

    Only ``Security.Forbidden``. Other security codes arrive here too and mean the user
    cannot work at all: a real server answers every query of a user whose password must be
    changed with ``Security.CredentialsExpired`` (``verify_connectivity`` passes), and
    taking that for missing schema rights opened a store that then failed every write.
    """
    code = str(getattr(exc, "code", "") or "")
    return isinstance(exc, exceptions.Forbidden) or code == "Neo.ClientError.Security.Forbidden"
