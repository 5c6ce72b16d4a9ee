"""Research rounds as events and the contract suite's Neo4j server, shared by the mind-map
tests (the contract suite, the Cypher guard, "ask the mind map", the factory, deletion, the
graph CLI and the Neo4j store's own tests) so no test module imports another."""

from __future__ import annotations

import pytest

from core import events as ev
from core.mindmap.base import MindMapStore
from core.mindmap.cypher_store import CypherGraphStore
from tests.conftest import NEO4J_TEST_ENV

TOPIC = "Solid-state  batteries"


def round_events(
    sid: str, topic: str, round_no: int, *, start: bool = True, t0: float = 1000.0, claims: int = 2
) -> list[ev.Event]:
    """One realistic research round as the engine emits it (stamped)."""
    items: list[ev.Event] = []
    if start:
        items.append(ev.SessionStarted(topic=topic, rounds=3, breadth=2, model="m"))
    items += [
        ev.RoundStarted(round=round_no),
        ev.PlanReady(
            round=round_no,
            plan=f"plan {round_no}",
            execution=f"exec {round_no}",
            reflection=f"reflection {round_no}",
            queries=["q1", "q2"],
        ),
        ev.SearchFinished(round=round_no, query="q1", source_ids=[1, 2], results=2),
        ev.SourceAdded(
            round=round_no,
            source_id=round_no * 10 + 1,
            url="https://a.example/x",
            title="A",
            snippet="alpha",
        ),
        ev.SourceAdded(
            round=round_no,
            source_id=round_no * 10 + 2,
            url="https://b.example/y",
            title="B",
            snippet="beta",
        ),
        ev.SynthesisReady(
            round=round_no,
            summary=f"summary {round_no}",
            evidence=[
                {
                    "claim": f"claim {round_no}.{i}",
                    "source_ids": [round_no * 10 + 1],
                    "confidence": 0.5 + i / 10,
                }
                for i in range(claims)
            ],
            concepts=["Electrolyte", "Lithium"],
            relations=[{"source": "Electrolyte", "target": "Lithium", "relation": "carries"}],
            questions=[f"open question {round_no}?"],
        ),
        ev.RoundFinished(round=round_no),
    ]
    return [
        e.stamped(sid, i).__class__(
            **{**e.__dict__, "session_id": sid, "seq": i, "timestamp": t0 + round_no * 100 + i}
        )
        for i, e in enumerate(items)
    ]


NEO4J_MARKER = "DeepResearchTuiTestMarker"
"""Label of the node that says "this database belongs to the contract suite"."""
NEO4J_VERDICT: list[str] = []
"""Why the Neo4j database may not be used ("" when it may); checked once per run."""


def neo4j_settings() -> tuple[str, str, str, str]:
    env = NEO4J_TEST_ENV
    return (
        env["NEO4J_URI"],
        env["NEO4J_USER"] or env["NEO4J_USERNAME"] or "neo4j",
        env["NEO4J_PASSWORD"],
        env["NEO4J_DATABASE"] or "neo4j",
    )


def claim_neo4j_database() -> str:
    """ "" when the database is empty or already ours (then it is marked), else why not.

    Runs before ``Neo4jStore`` is opened, because opening creates constraints: a database
    that is not ours must not be changed at all.
    """
    from core.mindmap.neo4j_connect import open_driver, safe_uri

    uri, user, password, database = neo4j_settings()
    driver = open_driver(uri, user, password)
    try:
        with driver.session(database=database) as session:
            marked = session.run(f"MATCH (m:{NEO4J_MARKER}) RETURN count(m) > 0").single()[0]
            empty = session.run("MATCH (n) RETURN count(n) = 0").single()[0]
            if not (marked or empty):
                return (
                    f"NEO4J_URI points at {safe_uri(uri)} (database {database}), which holds "
                    "data this suite did not create; it empties the database before every "
                    "test, so point NEO4J_URI (and NEO4J_DATABASE) at a throw-away database"
                )
            session.run(f"MERGE (:{NEO4J_MARKER})").consume()
    finally:
        driver.close()
    return ""


def contract_neo4j_store() -> CypherGraphStore:
    from core.mindmap.neo4j_store import Neo4jStore

    if not NEO4J_VERDICT:
        NEO4J_VERDICT.append(claim_neo4j_database())
    if NEO4J_VERDICT[0]:
        pytest.skip(NEO4J_VERDICT[0])
    store = Neo4jStore(*neo4j_settings())
    with store._driver.session(database=store._database) as session:  # our marked database
        session.run(f"MATCH (n) WHERE NOT n:{NEO4J_MARKER} DETACH DELETE n").consume()
    return store


def totals(store: MindMapStore) -> tuple[int, int]:
    stats = store.stats()
    return sum(stats.nodes.values()), sum(stats.relations.values())


def apply_all(store: MindMapStore, items: list[ev.Event]) -> tuple[int, int]:
    nodes = edges = 0
    for item in items:
        delta = store.apply(item)
        nodes += delta.nodes
        edges += delta.edges
    return nodes, edges
