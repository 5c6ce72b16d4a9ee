"""User and LLM Cypher get a real time and memory bound on both stores.

LadybugDB's own timeout is checked only between blocks of work, so a heavy step overran it
(3.4 s for a 1 s limit here; 21 s and 4.3 GB for a 10 s one in the issue). The tests assert
the error raised, not a wall time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.mindmap.guard import QueryTimeout
from core.mindmap.ladybug_store import LadybugStore
from tests.fakes.neo4j_driver import FakeNeo4j, server_error


@pytest.fixture
def store(tmp_path: Path):
    made = LadybugStore(tmp_path / "g" / "m.lbug", buffer_pool_mb=128)
    assert made._write_conn is not None
    made._write_conn.execute(
        "UNWIND range(1, 300) AS i CREATE (:Concept {id: 'c' + string(i), name: 'n' + string(i)})"
    )
    yield made
    made.close()


def test_a_heavy_cartesian_query_raises_the_timeout_error(store: LadybugStore) -> None:
    heavy = (
        "MATCH (a:Concept), (b:Concept), (c:Concept), (d:Concept) "
        "WHERE a.name + b.name + c.name + d.name = 'none' RETURN count(*)"
    )
    with pytest.raises(QueryTimeout, match="1 s limit"):
        store.run_read_query(heavy, limit=5, timeout_s=1.0)
    light = store.run_read_query("MATCH (n:Concept) RETURN count(n)", timeout_s=5.0)
    assert light.rows == [[300]]  # the store is still fine afterwards


def test_a_step_the_native_timeout_cannot_interrupt_is_still_stopped(
    store: LadybugStore,
) -> None:
    # One UNWIND materialises the whole range before the native limit is looked at.
    with pytest.raises(QueryTimeout):
        store._run_read_only(
            "UNWIND range(1, 40000000) AS i RETURN count(i)", {}, timeout_s=0.2, max_rows=5
        )


def test_a_query_that_wants_gigabytes_is_stopped_by_the_memory_cap(store: LadybugStore) -> None:
    with pytest.raises(RuntimeError, match="needed more than 2 GB"):
        store._run_read_only("RETURN size(range(1, 500000000))", {}, timeout_s=30.0, max_rows=5)


def test_neo4j_transaction_timeout_is_the_same_error(fake_neo4j: FakeNeo4j) -> None:
    from core.mindmap.neo4j_store import Neo4jStore

    store = Neo4jStore("bolt://db.example:7687", "neo4j", "pw")
    fake_neo4j.query_error = server_error(
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "The transaction has been terminated. Retry your operation in a new transaction.",
    )
    with pytest.raises(QueryTimeout, match="2 s limit"):
        store.run_read_query("MATCH (n) RETURN n", timeout_s=2.0)
    store.close()
