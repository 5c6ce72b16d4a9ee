"""The read-only guard: every write refused (and the graph unchanged), reads pass with a LIMIT."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.mindmap.guard import CypherRefused, check_read_only
from core.mindmap.ladybug_store import LadybugStore
from tests.core.mindmap.mindmap_support import TOPIC, apply_all, round_events, totals

REFUSED = [
    "CREATE (n:Topic {id: 'x'})",
    "MATCH (n) CREATE (m:Topic {id: 'y'})",
    "MERGE (n:Topic {id: 'x'})",
    "MATCH (n) SET n.name = 'x'",
    "MATCH (n) DELETE n",
    "MATCH (n) DETACH DELETE n",
    "match (n) detach delete n",
    "MATCH (n) REMOVE n.name",
    "DROP TABLE Topic",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "LOAD FROM 'x.csv' RETURN *",
    "MATCH (n) FOREACH (x IN [1] | SET n.a = x)",
    "COPY Topic FROM 'x.csv'",
    "INSTALL json",
    "LOAD EXTENSION json",
    "ATTACH 'other.db' AS o",
    "ALTER TABLE Topic ADD x STRING",
    "USE other MATCH (n) RETURN n",
    "CALL db.createLabel('X')",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})",
    "CALL { MATCH (n) DETACH DELETE n } RETURN 1",
    "MATCH (n) CALL { WITH n DELETE n } RETURN count(*)",
    "MATCH (n) CALL (n) { DELETE n } RETURN count(*)",
    "CALL threads = 4",
    "MATCH (n) RETURN n; MATCH (n) DETACH DELETE n",
    "MATCH (n) RETURN n ; DROP TABLE Topic;",
    "MATCH (n) /* harmless */ DELETE n",
    "MATCH (n) //\nDELETE n",
    "MATCH (n) // a comment\n DETACH DELETE n RETURN 1",
    "MATCH (n) WHERE n.name = 'a' DELETE n",
    "MATCH (n) /* unterminated DELETE n",
    "MATCH (n) WHERE n.name = 'unterminated RETURN n",
    "BEGIN TRANSACTION",
    "CHECKPOINT",
    "EXPORT DATABASE '/tmp/x'",
    "SHOW USERS",
    "PROFILE MATCH (n) RETURN n",
    "",
    "   ",
    "// only a comment",
    "DETACH DELETE n",
]


@pytest.mark.parametrize("cypher", REFUSED)
def test_refused(cypher: str) -> None:
    with pytest.raises(CypherRefused) as info:
        check_read_only(cypher)
    assert info.value.reason


@pytest.mark.parametrize(
    ("cypher", "expected"),
    [
        ("MATCH (n:Topic) RETURN n.name", "MATCH (n:Topic) RETURN n.name\nLIMIT 200"),
        ("MATCH (n) RETURN n LIMIT 5", "MATCH (n) RETURN n LIMIT 5"),
        ("MATCH (n) RETURN n limit 5;", "MATCH (n) RETURN n limit 5"),
        ("MATCH (n) RETURN n // trailing note", "MATCH (n) RETURN n\nLIMIT 200"),
        # a keyword, a ';' and a comment marker inside strings are data, not code
        (
            "MATCH (e:Evidence) WHERE e.claim = 'DELETE; // x' RETURN e.claim",
            "MATCH (e:Evidence) WHERE e.claim = 'DELETE; // x' RETURN e.claim\nLIMIT 200",
        ),
        (
            "MATCH (t:Topic {key: $topic}) RETURN t.created",
            "MATCH (t:Topic {key: $topic}) RETURN t.created\nLIMIT 200",
        ),
        ("WITH 1 AS x RETURN x", "WITH 1 AS x RETURN x\nLIMIT 200"),
        ("CALL db.labels() YIELD label RETURN label", None),
        ("CALL show_tables() RETURN *", None),
    ],
)
def test_allowed(cypher: str, expected: str | None) -> None:
    checked = check_read_only(cypher)
    if expected is not None:
        assert checked == expected
    assert "LIMIT" in checked.upper()


def test_limit_added_with_the_given_number() -> None:
    assert check_read_only("MATCH (n) RETURN n", limit=7).endswith("LIMIT 7")


def test_refused_queries_leave_the_graph_unchanged(tmp_path: Path) -> None:
    store = LadybugStore(tmp_path / "g" / "m.lbug", buffer_pool_mb=256)
    try:
        apply_all(store, round_events("s1", TOPIC, 1))
        before = totals(store)
        assert before[0] > 0
        for cypher in REFUSED:
            with pytest.raises(CypherRefused):
                store.run_read_query(cypher)
        assert totals(store) == before
    finally:
        store.close()
