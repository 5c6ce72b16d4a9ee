"""The MindMapStore contract: one suite, run on LadybugDB always and on Neo4j when NEO4J_URI
is set. The Neo4j database is emptied before each test, so the suite only runs on one that
is empty or that it marked as its own on an earlier run (a ``DeepResearchTuiTestMarker``
node); any other database is left alone and the Neo4j half is skipped, saying why."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import events as ev
from core.mindmap.base import MindMapStore
from core.mindmap.cypher_store import CypherGraphStore
from core.mindmap.ladybug_store import LadybugStore
from tests.conftest import NEO4J_TEST_ENV
from tests.core.mindmap.mindmap_support import (
    TOPIC,
    apply_all,
    contract_neo4j_store,
    round_events,
    totals,
)


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CypherGraphStore]:
    if request.param == "neo4j":
        if not NEO4J_TEST_ENV["NEO4J_URI"]:
            pytest.skip("NEO4J_URI not set: Neo4j contract suite needs a server")
        made = contract_neo4j_store()
    else:
        made = LadybugStore(tmp_path / "graph" / "mindmap.lbug", buffer_pool_mb=256)
    yield made
    made.close()


def test_protocol_and_parent_folder_created(store: CypherGraphStore, tmp_path: Path) -> None:
    assert isinstance(store, MindMapStore)
    if store.backend == "ladybug":
        assert (tmp_path / "graph").is_dir()
    assert totals(store) == (0, 0)


def test_round_written_then_read_as_context(store: CypherGraphStore) -> None:
    apply_all(store, round_events("s1", TOPIC, 1) + round_events("s1", TOPIC, 2, start=False))
    ctx = store.context(TOPIC)
    assert ctx.facts[0].startswith("claim 2.0")  # newest round first
    assert any(f.startswith("claim 1.1") for f in ctx.facts)
    assert ctx.reflections == ["reflection 2", "reflection 1"]
    assert ctx.plans == ["plan 2", "plan 1"]
    assert ctx.questions == ["open question 2?", "open question 1?"]
    assert ctx.concepts and ctx.concepts[0].split(" (")[0] in {"Electrolyte", "Lithium"}
    assert "### Facts found" in ctx.render()
    assert store.prior_evidence(TOPIC) == 4
    assert store.prior_evidence("another topic") == 0
    assert store.context("another topic").items == 0


def test_context_respects_budget(store: CypherGraphStore) -> None:
    items = round_events("s1", TOPIC, 1, claims=40)
    apply_all(store, items)
    small = store.context(TOPIC, budget_chars=400)
    assert len(small.render(400)) <= 400
    assert small.facts and small.questions  # every section gets a turn
    assert store.context(TOPIC, budget_chars=6000).items > small.items


def test_delta_counts_new_only_and_rebuild_is_idempotent(store: CypherGraphStore) -> None:
    items = round_events("s1", TOPIC, 1) + round_events("s1", TOPIC, 2, start=False)
    first = apply_all(store, items)
    after_first = totals(store)
    assert first == after_first  # every node and edge was reported once as new
    assert apply_all(store, items) == (0, 0)
    assert totals(store) == after_first
    # round 1's synthesis leads to round 2's plan
    detail = store.node("s1/r1/synthesis")
    assert detail is not None
    assert any(n.relation == "LEADS_TO" and n.node.id == "s1/r2/plan" for n in detail.neighbours)


def test_tree_paging_with_counts(store: CypherGraphStore) -> None:
    apply_all(store, round_events("s1", TOPIC, 1, claims=30))
    apply_all(store, round_events("s1", TOPIC, 2, start=False, claims=3))
    roots = store.roots()
    assert [r.label for r in roots] == ["Topic"]
    assert roots[0].title == "Solid-state batteries" and roots[0].child_count == 1
    sessions = store.children(roots[0].id)
    assert sessions.total == 1 and sessions.items[0].id == "s1"
    assert sessions.items[0].child_count == 2
    rounds = store.children("s1")
    assert [r.id for r in rounds.items] == ["round:s1:1", "round:s1:2"]
    # 4 steps + 30 evidence + 2 concepts + 1 question
    assert rounds.items[0].child_count == 37
    seen = []
    offset = 0
    while True:
        page = store.children("round:s1:1", offset=offset, limit=8)
        assert page.total == 37
        seen += page.items
        offset += len(page.items)
        if not page.items:
            break
    assert len(seen) == 37 and len({r.id for r in seen}) == 37
    assert [r.title.split(":")[0] for r in seen[:4]] == [
        "Plan",
        "Execution",
        "Reflection",
        "Synthesis",
    ]
    evidence = [r for r in seen if r.label == "Evidence"]
    assert [r.title for r in evidence[:3]] == ["claim 1.0", "claim 1.1", "claim 1.2"]
    assert evidence[0].child_count == 1
    sources = store.children(evidence[0].id)
    assert sources.total == 1 and sources.items[0].title == "[11] A"
    concept = next(r for r in seen if r.label == "Concept")
    related = store.children(concept.id)
    assert related.total == 1 and "carries" in related.items[0].title
    middle = store.children("round:s1:1", offset=30, limit=5)
    assert [r.id for r in middle.items] == [r.id for r in seen[30:35]]
    assert store.children("nothing-here").total == 0
    assert store.node("nothing-here") is None
    detail = store.node("round:s1:1")
    assert detail is not None and detail.ref.child_count == 37


def test_awkward_topic_round_trips(store: CypherGraphStore) -> None:
    topic = "O'Brien's \"quoted\" \\ back\\slash\nnew line; MATCH (n) DETACH DELETE n — 배터리"
    apply_all(store, round_events("s-weird", topic, 1))
    roots = store.roots()
    assert roots[0].title == " ".join(topic.split())  # one line in the Tree
    topic_node = store.node(roots[0].id)
    assert topic_node is not None and topic_node.properties["name"] == topic
    assert store.prior_evidence(topic) == 2
    detail = store.node("s-weird")
    assert detail is not None and detail.properties["topic"] == topic
    assert store.context("  " + topic.upper() + " ").facts  # same normalised key


def test_very_long_topic_and_concept_round_trip(store: CypherGraphStore) -> None:
    """Names from users and LLMs can be any length; ids and indexed keys stay bounded."""
    from core.mindmap import schema

    topic = "battery chemistry " * 600  # 10,800 characters
    concept = "electrolyte interface " * 500
    items = round_events("s-long", topic, 1)
    synthesis = next(i for i in items if isinstance(i, ev.SynthesisReady))
    items[items.index(synthesis)] = ev.SynthesisReady(
        **{**synthesis.__dict__, "concepts": [concept, concept + "x"]}
    )
    apply_all(store, items)
    roots = store.roots()
    assert len(roots) == 1 and roots[0].id == schema.topic_id(topic)
    assert len(roots[0].id) < 300
    detail = store.node(roots[0].id)
    assert detail is not None and detail.properties["name"] == topic.strip()
    assert len(detail.properties["key"]) < 300
    assert store.prior_evidence(topic) == 2
    assert store.context(topic.upper()).facts
    assert store.stats().nodes["Concept"] == 4  # the two long ones stay apart
    long_concept = store.node(schema.concept_id(concept))
    assert long_concept is not None and long_concept.properties["name"] == concept.strip()
    assert apply_all(store, items) == (0, 0)  # and re-projecting finds the same nodes


def test_injection_text_is_only_data(store: CypherGraphStore) -> None:
    bad = "MATCH (n) DETACH DELETE n"
    apply_all(store, round_events("s1", TOPIC, 1))
    before = totals(store)
    hostile = [
        ev.SourceAdded(
            round=1,
            source_id=99,
            url="https://evil.example/",
            title=bad,
            snippet=f"'}}) {bad} //",
            session_id="s1",
            seq=50,
        ),
        ev.SynthesisReady(
            round=9,
            summary=bad,
            evidence=[{"claim": bad, "source_ids": [99]}],
            concepts=[bad],
            relations=[{"source": bad, "target": "x", "relation": f"`]->() {bad}"}],
            questions=[bad],
            session_id="s1",
            seq=51,
        ),
    ]
    delta = apply_all(store, hostile)
    after = totals(store)
    assert after[0] == before[0] + delta[0] and after[1] == before[1] + delta[1]
    assert after[0] > before[0]
    rows = store.run_read_query("MATCH (e:Evidence) WHERE e.claim = $c RETURN e.claim", {"c": bad})
    assert rows.rows == [[bad]]


def test_concurrent_writes_from_two_threads_all_land(store: CypherGraphStore) -> None:
    batches = [round_events(f"s{i}", f"topic {i}", 1) for i in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(items: list[ev.Event]) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                apply_all(store, items)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    stats = store.stats()
    assert stats.nodes["Session"] == 2 and stats.nodes["Evidence"] == 4
    assert stats.nodes["Topic"] == 2
    # three applies each, interleaved, and still one edge per fact: no round was doubled
    assert stats.relations["HAS_SESSION"] == 2 and stats.relations["HAS_EVIDENCE"] == 4
    assert stats.relations["SUPPORTED_BY"] == 4
    assert store.prior_evidence("topic 0") == store.prior_evidence("topic 1") == 2


def test_new_session_same_topic_sees_prior_evidence(store: CypherGraphStore) -> None:
    apply_all(store, round_events("old", "Quantum Computing", 1))
    assert store.prior_evidence("  quantum\tCOMPUTING ") == 2
    apply_all(store, round_events("new", "quantum   computing", 1, t0=9000.0, claims=1))
    roots = store.roots()
    assert len(roots) == 1 and roots[0].child_count == 2
    assert store.prior_evidence("QUANTUM COMPUTING") == 3
    ctx = store.context("Quantum Computing")
    assert ctx.facts[0].startswith("claim 1.0") and len(ctx.facts) == 2  # deduped, newest first
    sessions = store.children(roots[0].id)
    assert [s.id for s in sessions.items] == ["new", "old"]


def test_read_query_is_guarded_and_limited(store: CypherGraphStore) -> None:
    from core.mindmap.guard import CypherRefused

    apply_all(store, round_events("s1", TOPIC, 1, claims=12))
    before = totals(store)
    result = store.run_read_query("MATCH (e:Evidence) RETURN e.claim ORDER BY e.claim", limit=5)
    assert len(result.rows) == 5 and result.truncated
    assert result.columns == ["e.claim"]
    with pytest.raises(CypherRefused):
        store.run_read_query("MATCH (n) DETACH DELETE n")
    assert totals(store) == before


def test_export_session(store: CypherGraphStore) -> None:
    apply_all(store, round_events("s1", TOPIC, 1))
    data = store.export_session("s1")
    labels = {n["label"] for n in data["nodes"]}
    assert {"Session", "Topic", "ReasoningStep", "Evidence", "Source", "Concept"} <= labels
    assert any(
        e["type"] == "RELATED_TO" and e["properties"] == {"relation": "carries"}
        for e in data["edges"]
    )
    with pytest.raises(KeyError):
        store.export_session("nope")


def test_apply_many_equals_apply_one_by_one(store: CypherGraphStore) -> None:
    items = round_events("s1", TOPIC, 1) + round_events("s1", TOPIC, 2, start=False)
    items.append(ev.SessionFinished(status="done", session_id="s1", seq=99, timestamp=5000.0))
    delta = store.apply_many(items, chunk=3)
    assert (delta.nodes, delta.edges) == totals(store)
    assert store.apply_many(items).nodes == 0 and store.apply_many(items).edges == 0
    one_by_one = totals(store)
    assert apply_all(store, items) == (0, 0) and totals(store) == one_by_one
    detail = store.node("s1")
    assert detail is not None and detail.properties["status"] == "done"


def test_forgetting_a_research_leaves_the_others_whole(store: CypherGraphStore) -> None:
    """Deleting a research removes what only it held; shared topics and concepts stay
    while another research refers to them, and go with the last one."""
    for event in round_events("s-keep", TOPIC, 1) + round_events("s-gone", TOPIC, 1, t0=5000):
        store.apply(event)
    assert store.session_ids() == {"s-keep", "s-gone"}
    before = store.stats()

    removed = store.forget_session("s-gone")

    after = store.stats()
    assert store.session_ids() == {"s-keep"}
    owned = ("Session", "ReasoningStep", "Evidence", "Source", "Question")
    assert removed == sum(before.nodes[label] - after.nodes[label] for label in owned)
    for label in owned:
        assert after.nodes[label] == before.nodes[label] // 2, label
    assert after.nodes["Topic"] == 1 and after.nodes["Concept"] == before.nodes["Concept"]
    assert store.prior_evidence(TOPIC) == 2, "only the kept research's evidence is context"

    store.forget_session("s-keep")
    empty = store.stats()
    assert sum(empty.nodes.values()) == 0 and sum(empty.relations.values()) == 0
    assert store.forget_session("s-keep") == 0, "forgetting twice is harmless"


def test_write_smuggled_past_the_text_guard_is_refused_by_the_store(
    store: CypherGraphStore,
) -> None:
    """The second guard: even if a write slipped past the lexer, the store refuses it.

    LadybugDB's read-only transaction raises RuntimeError; Neo4j's EXPLAIN check raises
    CypherRefused (a second statement is a syntax error there: ClientError).
    """
    refusals: tuple[type[BaseException], ...] = (RuntimeError,)
    if store.backend == "neo4j":
        import neo4j

        from core.mindmap.guard import CypherRefused

        refusals = (CypherRefused, neo4j.exceptions.ClientError)
    apply_all(store, round_events("s1", TOPIC, 1))
    before = totals(store)
    for cypher in (
        "MATCH (n:Topic) SET n.name = 'x'",
        "MATCH (n) DETACH DELETE n",
        "MATCH (n) RETURN n; MATCH (n) DETACH DELETE n",
    ):
        with pytest.raises(refusals):
            store._run_read_only(cypher, {}, timeout_s=5, max_rows=10)
    assert totals(store) == before
    # and the store still answers afterwards
    assert store.run_read_query("MATCH (n:Topic) RETURN count(n)").rows == [[1]]


def test_query_values_have_one_shape_on_both_backends(store: CypherGraphStore) -> None:
    """`graph query` and "ask" show nodes, relationships and paths the same way whichever
    graph answers (a Ladybug path is a map of _NODES/_RELS, a neo4j Path an object)."""
    apply_all(store, round_events("s1", TOPIC, 1))
    row = store.run_read_query(
        "MATCH p = (t:Topic)-[r:HAS_SESSION]->(s:Session) RETURN t, r, p, s.id"
    ).rows[0]
    topic, rel, path, sid = row
    assert topic["_label"] == "Topic" and topic["name"] == TOPIC
    assert rel == {"_label": "HAS_SESSION"}
    assert [n["_label"] for n in path] == ["Topic", "Session"]
    assert path[1]["id"] == sid == "s1"


def test_non_ascii_names_merge_and_round_trip(store: CypherGraphStore) -> None:
    """Composed and decomposed accents are one topic; CJK, RTL, emoji (4-byte UTF-8) and
    long multi-byte names survive both drivers and index limits (counted in bytes)."""
    import unicodedata

    from core.mindmap import schema

    composed = "Énergie solaire — 太陽光 — طاقة 🌞"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    apply_all(store, round_events("s-nfc", composed, 1))
    apply_all(store, round_events("s-nfd", decomposed.upper(), 1, t0=9000.0))
    roots = store.roots()
    assert len(roots) == 1 and roots[0].child_count == 2
    assert store.prior_evidence(composed) == 4
    found = store.run_read_query("MATCH (t:Topic) RETURN t.name").rows
    assert found == [[composed]]
    wide = "🔋電池" * 3000  # 9,000 characters, 30,000 bytes of UTF-8
    apply_all(store, round_events("s-wide", wide, 1))
    detail = store.node(schema.topic_id(wide))
    assert detail is not None and detail.properties["name"] == wide
    assert len(detail.properties["key"].encode()) < 8000


# The two dialects differ where no normalisation of ours can tell (a one-label list and a
# string look alike once plain): these are pinned per backend so a driver or engine upgrade
# that changes them fails here, and the "ask" prompt names the dialect the model must write.
DIALECT_ANSWERS = {
    "ladybug": {
        "MATCH (t:Topic) RETURN labels(t)": [["Topic"]],
        "RETURN upper('straße')": [["STRAẞE"]],
    },
    "neo4j": {
        "MATCH (t:Topic) RETURN labels(t)": [[["Topic"]]],
        "RETURN toUpper('straße')": [["STRASSE"]],
    },
}


def test_known_dialect_differences_are_pinned_and_told_to_the_model(
    store: CypherGraphStore,
) -> None:
    from core.mindmap.ask import DIALECTS

    apply_all(store, round_events("s1", TOPIC, 1))
    for cypher, rows in DIALECT_ANSWERS[store.backend].items():
        assert store.run_read_query(cypher).rows == rows, cypher
    told = DIALECTS[store.backend]
    assert ("label(n)" in told) if store.backend == "ladybug" else ("labels(n) is a list" in told)


def test_quote_checks_become_evidence_properties(store: CypherGraphStore) -> None:
    """The citation check's verdicts reach the evidence nodes (issue 11): unchecked until
    an ``EvidenceChecked`` arrives, then its verdict and score; both stores alike."""
    items = round_events("s-q", "Quotes", 1)
    apply_all(store, items)
    query = "MATCH (e:Evidence {session_id: $s}) RETURN e.idx, e.verdict, e.score ORDER BY e.idx"
    unchecked = [[0, "unchecked", 0.0], [1, "unchecked", 0.0]]
    assert store.run_read_query(query, {"s": "s-q"}).rows == unchecked
    checked = ev.EvidenceChecked(
        round=1,
        checks=[
            {"verdict": "verified", "score": 100.0, "source_id": 11, "span": [0, 5]},
            {"verdict": "quote not found", "score": 41.5, "source_id": 11, "span": None},
        ],
    ).stamped("s-q", 99)
    apply_all(store, [checked])
    assert store.run_read_query(query, {"s": "s-q"}).rows == [
        [0, "verified", 100.0],
        [1, "quote not found", 41.5],
    ]
