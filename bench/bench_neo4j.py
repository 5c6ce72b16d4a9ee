"""The mind map on Neo4j against LadybugDB, same graph, same run (``python -m bench neo4j``).

Needs a throw-away Neo4j in ``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD`` (e.g.
``eval "$(tests/neo4j_server/start.sh)"``); like the contract suite it only touches a
database that is empty or marked as the test suite's own, and empties it when done.

Figures, each with LadybugDB (embedded, the baseline) measured in the same run:

- building an N-node graph (``apply_many``, the ``graph rebuild`` path);
- one live research round written as the engine writes it (one transaction per event) on
  top of the N-node graph: transactions and statements per round, and milliseconds;
- the engine's ``context()`` read on the N-node graph;
- the longest event-loop stall of a whole research with Neo4j as the graph against the
  instant (embedded) graph: writes run on the projector's thread and reads in
  ``asyncio.to_thread``, so a network graph should leave it at about 1.0x.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.bench_engine import fake_world, research_stall
from bench.bench_mindmap import TOPIC, _events, _time
from core import events as ev
from core.mindmap.cypher_store import CypherGraphStore
from core.mindmap.ladybug_store import LadybugStore
from core.mindmap.projection import batch, writes_for

MARKER = "DeepResearchTuiTestMarker"


def _neo4j_settings() -> tuple[str, str, str, str]:
    return (
        os.environ.get("NEO4J_URI", ""),
        os.environ.get("NEO4J_USER") or os.environ.get("NEO4J_USERNAME") or "neo4j",
        os.environ.get("NEO4J_PASSWORD", ""),
        os.environ.get("NEO4J_DATABASE") or "neo4j",
    )


def _open_neo4j() -> CypherGraphStore | None:
    """The store on an empty (or already marked) database, emptied; None after a message."""
    from core.mindmap.neo4j_store import Neo4jStore

    uri, user, password, database = _neo4j_settings()
    if not uri:
        print('bench neo4j: set NEO4J_URI (eval "$(tests/neo4j_server/start.sh)")', file=sys.stderr)
        return None
    store = Neo4jStore(uri, user, password, database)
    with store._driver.session(database=store._database) as session:
        marked = session.run(f"MATCH (m:{MARKER}) RETURN count(m) > 0").single()[0]
        empty = session.run("MATCH (n) RETURN count(n) = 0").single()[0]
        if not (marked or empty):
            store.close()
            print(f"bench neo4j: {database} holds data; use a throw-away database", file=sys.stderr)
            return None
        session.run(f"MERGE (:{MARKER})").consume()
    _empty(store)
    return store


def _empty(store: CypherGraphStore) -> None:
    with store._driver.session(database=store._database) as session:  # type: ignore[attr-defined]
        session.run(
            f"MATCH (n) WHERE NOT n:{MARKER} CALL (n) {{ DETACH DELETE n }} "
            "IN TRANSACTIONS OF 5000 ROWS"
        ).consume()


def _live_round() -> list[ev.Event]:
    """One research round (plan, two sources, a 40-claim synthesis) of a new session."""
    events = [e for e in _events(400) if e.session_id == "bench-0"]
    first_round = [e for e in events if getattr(e, "round", 1) == 1]
    return [ev.from_dict({**ev.to_dict(e), "session_id": "live"}) for e in first_round]


def _figures(store: CypherGraphStore, nodes: int, repeat: int) -> dict[str, float]:
    events = _events(nodes)
    started = time.perf_counter()
    store.apply_many(events)
    build_s = time.perf_counter() - started
    live = _live_round()
    started = time.perf_counter()
    for event in live:
        store.apply(event)
    round_ms = (time.perf_counter() - started) * 1000
    return {
        "nodes": float(sum(store.stats().nodes.values())),
        "build_s": build_s,
        "round_ms": round_ms,
        "context_ms": _time(lambda: store.context(TOPIC), repeat),
        "children_ms": _time(lambda: store.children("round:bench-0:1", limit=50), repeat),
    }


def _stall_ms(make_store: Callable[[Path], Any], rounds: int) -> tuple[float, float]:
    """(longest event-loop stall in ms, wall seconds) of one research on that store."""
    with fake_world() as (tmp, config):
        store = make_store(tmp)
        try:
            return research_stall(config, store, rounds)
        finally:
            store.close()


def run(*, nodes: int = 10_000, repeat: int = 20, rounds: int = 3) -> int:
    neo = _open_neo4j()
    if neo is None:
        return 2
    live = _live_round()
    transactions = sum(1 for e in live if writes_for(e))
    statements = sum(2 * len(batch(writes_for(e))) for e in live)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-neo4j-") as tmp:
            lady = LadybugStore(Path(tmp) / "graph" / "mindmap.lbug")
            try:
                base = _figures(lady, nodes, repeat)
            finally:
                lady.close()
        ours = _figures(neo, nodes, repeat)
        _empty(neo)

        import google.genai  # noqa: F401  (imported lazily by the engine: not a stall to count)

        def neo4j_graph(_tmp: Path) -> Any:
            from core.mindmap.neo4j_store import Neo4jStore

            return Neo4jStore(*_neo4j_settings())

        def instant_graph(tmp: Path) -> Any:
            return LadybugStore(tmp / "graph" / "g.lbug")

        stalls = {
            name: [_stall_ms(make, rounds) for _ in range(3)]
            for name, make in (("instant", instant_graph), ("neo4j", neo4j_graph))
        }
        _empty(neo)
    finally:
        neo.close()

    def ratio(key: str) -> str:
        return f"{ours[key] / max(base[key], 1e-9):5.1f}x"

    print(f"mind map on Neo4j ({neo.location}) vs LadybugDB, {repeat} repetitions, median")
    print(f"  graph: {ours['nodes']:.0f} nodes on Neo4j, {base['nodes']:.0f} on LadybugDB")
    print(
        f"  build (apply_many): Neo4j {ours['build_s']:.2f} s   LadybugDB {base['build_s']:.2f} s"
        f"   ratio {ratio('build_s')}"
    )
    print(
        f"  one live round ({len(live)} events: {transactions} write transactions, "
        f"{statements} statements): Neo4j {ours['round_ms']:.0f} ms   "
        f"LadybugDB {base['round_ms']:.0f} ms   ratio {ratio('round_ms')}"
    )
    print(
        f"  context(topic) at {ours['nodes']:.0f} nodes: Neo4j {ours['context_ms']:.1f} ms   "
        f"LadybugDB {base['context_ms']:.1f} ms   ratio {ratio('context_ms')}"
    )
    print(
        f"  children(round, page of 50): Neo4j {ours['children_ms']:.1f} ms   "
        f"LadybugDB {base['children_ms']:.1f} ms   ratio {ratio('children_ms')}"
    )
    instant = statistics.median(s for s, _ in stalls["instant"])
    network = statistics.median(s for s, _ in stalls["neo4j"])
    walls = {k: statistics.median(w for _, w in v) for k, v in stalls.items()}
    print(
        f"  longest event-loop stall of a {rounds}-round research (median of 3): "
        f"instant graph {instant:.1f} ms ({walls['instant']:.2f} s wall)   "
        f"Neo4j {network:.1f} ms ({walls['neo4j']:.2f} s wall)   "
        f"ratio {network / max(instant, 1e-9):4.1f}x"
    )
    return 0
