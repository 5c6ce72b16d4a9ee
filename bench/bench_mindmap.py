"""The embedded mind map at N nodes: insert, context, Tree paging, each against a baseline
measured in the same run on the same graph.

Baselines: the Tree's paged ``children()`` (aggregate count + SKIP/LIMIT page) against
fetching every child of the same node; the engine's parameterised ``context()`` query
against a naive scan that pulls every node's text and filters in Python. Ratios > 1 mean
ours is faster. Graph shape: one topic, a few sessions, many rounds of synthesis output,
one round carrying most of the evidence (the Tree's worst case: a node with thousands of
children).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import events as ev
from core.mindmap.ladybug_store import LadybugStore

TOPIC = "Benchmark topic"


def _events(nodes: int) -> list[ev.Event]:
    """Stamped events whose projection is about ``nodes`` nodes."""
    out: list[ev.Event] = []
    sessions, per_round_claims = 4, 40
    # nodes per round ~ 3 steps + synthesis + 2 sources + claims + 2 questions + ~1 concept
    per_round = 4 + 2 + per_round_claims + 2 + 1
    rounds = max(1, nodes // (sessions * per_round))
    seq = 0
    t = 1_000_000.0

    def add(sid: str, event: ev.Event) -> None:
        nonlocal seq, t
        seq += 1
        t += 1
        out.append(
            ev.from_dict({**ev.to_dict(event), "session_id": sid, "seq": seq, "timestamp": t})
        )

    for s in range(sessions):
        sid = f"bench-{s}"
        add(sid, ev.SessionStarted(topic=TOPIC, rounds=rounds, breadth=2))
        for r in range(1, rounds + 1):
            add(
                sid,
                ev.PlanReady(
                    round=r,
                    plan=f"plan {r}",
                    execution=f"exec {r}",
                    reflection=f"reflection {s}.{r}",
                    queries=["a", "b"],
                ),
            )
            for k in (1, 2):
                add(
                    sid,
                    ev.SourceAdded(
                        round=r,
                        source_id=r * 10 + k,
                        url=f"https://e.example/{s}/{r}/{k}",
                        title=f"T{k}",
                    ),
                )
            add(
                sid,
                ev.SynthesisReady(
                    round=r,
                    summary=f"summary {r}",
                    evidence=[
                        {
                            "claim": f"claim {s}.{r}.{i}",
                            "source_ids": [r * 10 + 1],
                            "confidence": 0.7,
                        }
                        for i in range(per_round_claims)
                    ],
                    concepts=[f"concept {(s * rounds + r) % 500}", "common"],
                    relations=[
                        {"source": f"concept {r % 500}", "target": "common", "relation": "is a"}
                    ],
                    questions=[f"q {s}.{r}.a", f"q {s}.{r}.b"],
                ),
            )
    return out


def _time(fn: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def run(*, nodes: int = 10_000, repeat: int = 20) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-mindmap-") as tmp:
        store = LadybugStore(Path(tmp) / "graph" / "mindmap.lbug")
        events = _events(nodes)
        start = time.perf_counter()
        store.apply_many(events)  # the `graph rebuild` path: many events per transaction
        insert_s = time.perf_counter() - start
        stats = store.stats()
        total_nodes = sum(stats.nodes.values())
        total_edges = sum(stats.relations.values())

        # The live path (the engine): one apply per event, on top of the N-node graph.
        live = [e for e in _events(400) if e.session_id == "bench-0"]
        live = [ev.from_dict({**ev.to_dict(e), "session_id": "live"}) for e in live]
        start = time.perf_counter()
        for event in live:
            store.apply(event)
        live_ms = (time.perf_counter() - start) * 1000 / len(live)

        start = time.perf_counter()
        again = store.apply_many(events[: len(events) // 4])
        reapply_s = time.perf_counter() - start
        assert (again.nodes, again.edges) == (0, 0)  # idempotent

        context_ms = _time(lambda: store.context(TOPIC), repeat)

        def naive_context() -> list[str]:
            rows = store._rows("MATCH (n) RETURN n")  # everything, filtered in Python
            found = [r[0].get("claim") for r in rows if r[0].get("_LABEL") == "Evidence"]
            return sorted((c for c in found if c), reverse=True)[:100]

        naive_ms = _time(naive_context, max(3, repeat // 4))

        # The Tree: the biggest node is a session (rounds) and Topic->sessions is small; the
        # widest is a Round holding ~50 children, and "concept:common" with many neighbours.
        roots_ms = _time(store.roots, repeat)
        session_id = "bench-0"
        page_ms = _time(lambda: store.children("round:bench-0:1", limit=50), repeat)
        sessions_page_ms = _time(lambda: store.children(session_id, limit=50), repeat)
        common = "concept:common"
        concept_total = store.children(common, limit=1).total
        concept_page_ms = _time(lambda: store.children(common, limit=50), repeat)

        def all_neighbours() -> int:
            rows = store._rows("MATCH (p:Concept {id: $id})-[r]-(n) RETURN n", {"id": common})
            return len(rows)

        all_ms = _time(all_neighbours, max(3, repeat // 2))

        def session_flat() -> int:  # no Round grouping, no paging: every child node at once
            rows = store._rows("MATCH (s:Session {id: $id})-[r]->(n) RETURN n", {"id": session_id})
            return len(rows)

        flat_n = session_flat()
        flat_ms = _time(session_flat, max(3, repeat // 2))
        node_ms = _time(lambda: store.node("bench-0/r1/e0"), repeat)
        store.close()

    print(f"mind map benchmark (LadybugDB, {repeat} repetitions, median)")
    print(f"  graph: {total_nodes} nodes, {total_edges} relations from {len(events)} events")
    print(
        f"  build (apply_many, rebuild path): {insert_s:.2f} s, "
        f"{total_nodes / insert_s:.0f} nodes/s"
    )
    print(
        f"  live apply (one event per transaction, 40-claim synthesis rounds): "
        f"{live_ms:.1f} ms/event"
    )
    print(f"  re-apply of 1/4 of the events (no change): {reapply_s:.2f} s")
    print(
        f"  context(topic): {context_ms:.1f} ms   naive full scan: {naive_ms:.1f} ms   "
        f"ratio {naive_ms / context_ms:.1f}x"
    )
    print(
        f"  children(concept with {concept_total} related, page of 50): "
        f"{concept_page_ms:.1f} ms   all its neighbours: {all_ms:.1f} ms   "
        f"ratio {all_ms / concept_page_ms:.1f}x"
    )
    print(
        f"  session with {flat_n} direct children, all fetched at once: {flat_ms:.1f} ms   "
        f"paged children(session): {sessions_page_ms:.1f} ms (ratio "
        f"{flat_ms / sessions_page_ms:.1f}x); one Round page of 50: {page_ms:.1f} ms (ratio "
        f"{flat_ms / page_ms:.1f}x)"
    )
    print(
        f"  roots(): {roots_ms:.1f} ms   children(session): {sessions_page_ms:.1f} ms   "
        f"children(round, 50): {page_ms:.1f} ms   node(evidence): {node_ms:.1f} ms"
    )
    return 0


WIDE_SESSION = "bench-wide"
WIDE_CLAIMS = 1000
WIDE_QUESTIONS = 10
"""With the four steps and two concepts of its round: a Round node of 1,016 children."""


def _wide_round() -> list[ev.Event]:
    """One research whose round 1 holds ``WIDE_CLAIMS`` facts: the Tree's widest node."""
    t = 2_000_000.0
    body: list[ev.Event] = [
        ev.SessionStarted(topic="Wide topic", rounds=1, breadth=2),
        ev.PlanReady(round=1, plan="plan", execution="exec", reflection="refl", queries=["a"]),
        ev.SourceAdded(round=1, source_id=1, url="https://w.example/1", title="W"),
        ev.SynthesisReady(
            round=1,
            summary="wide",
            evidence=[
                {"claim": f"wide claim {i}", "source_ids": [1], "confidence": 0.6}
                for i in range(WIDE_CLAIMS)
            ],
            concepts=["wide a", "wide b"],
            relations=[],
            questions=[f"wide q {i}" for i in range(WIDE_QUESTIONS)],
        ),
    ]
    return [
        ev.from_dict(
            {**ev.to_dict(e), "session_id": WIDE_SESSION, "seq": i + 1, "timestamp": t + i}
        )
        for i, e in enumerate(body)
    ]


def _samples(fn: Callable[[], Any], repeat: int) -> tuple[float, ...]:
    """Milliseconds of each of ``repeat`` calls (after one warm-up)."""
    fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return tuple(out)


def measure(nodes: int = 11_600, repeat: int = 5) -> list[Any]:
    """The figures of ``python -m bench``: the engine's context query and the Tree's first
    page of its widest node, on an ``nodes``-node graph, each against a baseline of the
    same run and graph (a naive full scan; fetching every child at once)."""
    from bench.bench_live import Figure
    from core.mindmap.base import NodeRef
    from tui.widgets.mindmap_tree import PAGE, MindMapTree, NodeData

    with tempfile.TemporaryDirectory(prefix="bench-mindmap-") as tmp:
        store = LadybugStore(Path(tmp) / "graph" / "mindmap.lbug")
        try:
            store.apply_many(_events(nodes - WIDE_CLAIMS) + _wide_round())
            total_nodes = sum(store.stats().nodes.values())
            context = _samples(lambda: store.context(TOPIC), repeat)

            def naive_context() -> list[str]:
                rows = store._rows("MATCH (n) RETURN n")  # everything, filtered in Python
                found = [r[0].get("claim") for r in rows if r[0].get("_LABEL") == "Evidence"]
                return sorted((c for c in found if c), reverse=True)[:100]

            naive = _samples(naive_context, repeat)
            wide = f"round:{WIDE_SESSION}:1"
            children = store.children(wide, limit=1).total
            tree = MindMapTree(lambda: store)

            def first_page() -> int:
                """What expanding the node costs: the store's page, then the Tree's nodes
                (labels, "more…"), built by the widget's own handler."""
                tree.clear()
                ref = NodeRef(wide, "Round", "Round 1", children)
                node = tree.root.add("wide", data=NodeData("node", ref=ref, loaded=True))
                page = store.children(wide, offset=0, limit=PAGE)
                tree._children_loaded(MindMapTree.ChildrenLoaded(node, page))
                return len(node.children)

            assert first_page() == PAGE + 1  # the page and its "more…"
            page = _samples(first_page, repeat)

            def every_child() -> int:  # no paging: every child of the round at once
                return len(store.children(wide, offset=0, limit=children).items)

            everything = _samples(every_child, max(3, repeat // 2))
        finally:
            store.close()
    ctx_ratio = tuple(n / c for n, c in zip(naive, context, strict=False))
    page_ratio = tuple(e / p for e, p in zip(everything, page, strict=False))
    k = f"{total_nodes / 1000:.1f}k"
    return [
        Figure(
            f"mind-map context query at {k} nodes",
            context,
            "ms",
            "< 20 ms",
            statistics.median(context) < 20,
        ),
        Figure(f"  naive full scan at {k} nodes (baseline)", naive),
        Figure("  naive scan / context query", ctx_ratio, "x"),
        Figure(
            f"Tree: first page of a node with {children:,} children",
            page,
            "ms",
            "< 100 ms",
            statistics.median(page) < 100,
        ),
        Figure(f"  all {children:,} children at once (baseline)", everything),
        Figure("  all at once / first page", page_ratio, "x"),
    ]
