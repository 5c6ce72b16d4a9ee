"""A stand-in for ``neo4j.GraphDatabase.driver`` (no Neo4j server can run in the tests).

It records what the store asks of the driver (URI, config, session settings, every query)
and answers the few calls ``Neo4jStore`` makes. Behaviour is set on ``FakeNeo4j`` before the
store is opened: an error for ``verify_connectivity``, an error for schema statements, the
query type the planner reports for ``EXPLAIN``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any


def server_error(code: str, message: str) -> Exception:
    """The exception the driver raises for a server FAILURE with this Neo4j status code."""
    from neo4j.exceptions import Neo4jError

    return Neo4jError._hydrate_neo4j(code=code, message=message)


@dataclass
class FakeNeo4j:
    connect_error: Exception | None = None
    ddl_error: Exception | None = None
    query_type: str = "r"
    rows: list[list[Any]] = field(default_factory=lambda: [[1]])
    """What any query returns, unless ``answers`` has the exact query text."""
    answers: dict[str, list[list[Any]]] = field(default_factory=dict)
    query_error: Exception | None = None
    """Raised by any query run in a transaction (not by EXPLAIN), e.g. a server timeout."""
    drivers: list[FakeDriver] = field(default_factory=list)

    def driver(self, uri: str, **config: Any) -> FakeDriver:
        made = FakeDriver(self, uri, config)
        self.drivers.append(made)
        return made

    @property
    def last(self) -> FakeDriver:
        return self.drivers[-1]


class FakeDriver:
    def __init__(self, owner: FakeNeo4j, uri: str, config: dict[str, Any]) -> None:
        self.owner = owner
        self.uri = uri
        self.config = config
        self.execute_query_bookmark_manager = object()
        self.sessions: list[dict[str, Any]] = []
        self.queries: list[str] = []
        self.closed = False

    def verify_connectivity(self) -> None:
        if self.owner.connect_error is not None:
            raise self.owner.connect_error

    def session(self, **config: Any) -> FakeSession:
        self.sessions.append(config)
        return FakeSession(self)

    def close(self) -> None:
        self.closed = True


class FakeResult:
    def __init__(self, rows: list[list[Any]], query_type: str = "r") -> None:
        self._rows = rows
        self._query_type = query_type

    def keys(self) -> list[str]:
        return [f"c{i}" for i in range(len(self._rows[0]) if self._rows else 0)]

    def __iter__(self) -> Iterator[Any]:
        return iter(SimpleNamespace(values=lambda row=row: list(row)) for row in self._rows)

    def single(self) -> list[Any] | None:
        return self._rows[0] if self._rows else None

    def consume(self) -> SimpleNamespace:
        return SimpleNamespace(query_type=self._query_type)


class FakeTx:
    def __init__(self, driver: FakeDriver) -> None:
        self.driver = driver

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> FakeResult:
        self.driver.queries.append(cypher)
        if cypher.startswith("EXPLAIN "):
            return FakeResult([], self.driver.owner.query_type)
        if self.driver.owner.query_error is not None:
            raise self.driver.owner.query_error
        return FakeResult(self.driver.owner.answers.get(cypher, self.driver.owner.rows))


class FakeSession:
    def __init__(self, driver: FakeDriver) -> None:
        self.driver = driver

    def __enter__(self) -> FakeSession:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, cypher: str, params: dict[str, Any] | None = None) -> FakeResult:
        self.driver.queries.append(cypher)
        if cypher.startswith("CREATE ") and self.driver.owner.ddl_error is not None:
            raise self.driver.owner.ddl_error
        return FakeResult(self.driver.owner.answers.get(cypher, []))

    def execute_read(self, work: Any, *args: Any) -> Any:
        return work(FakeTx(self.driver), *args)

    def execute_write(self, work: Any, *args: Any) -> Any:
        return work(FakeTx(self.driver), *args)
