"""The context query reads only the newest researches of a topic that can fill it.

At 11.6k nodes the old query sorted every fact the topic ever had on every round; now a
cheap count per research picks the newest ones holding enough, and each query is bound to
them by a ``$sids`` parameter. These tests count what each query was given and returned,
never how long it took."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.mindmap import cypher_store
from core.mindmap.ladybug_store import LadybugStore
from tests.core.mindmap.mindmap_support import TOPIC, apply_all, round_events


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LadybugStore]:
    made = LadybugStore(tmp_path / "graph" / "mindmap.lbug", buffer_pool_mb=256)
    yield made
    made.close()


def _spy(store: LadybugStore) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    rows = store._rows

    def recording(cypher: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        calls.append((cypher, dict(params or {})))
        return rows(cypher, params)

    store._rows = recording  # type: ignore[method-assign]
    return calls


def _research(sid: str, t0: float, rounds: int, claims: int) -> list[Any]:
    events = []
    for n in range(1, rounds + 1):
        events += round_events(sid, TOPIC, n, start=n == 1, t0=t0, claims=claims)
    return events


def test_facts_read_from_the_newest_research_when_it_holds_enough(store: LadybugStore) -> None:
    apply_all(store, _research("old", 1000.0, 3, claims=20))
    apply_all(store, _research("new", 9000.0, 3, claims=20))  # 60 facts >= n=50
    calls = _spy(store)
    ctx = store.context(TOPIC)
    facts_calls = [p for q, p in calls if q == cypher_store._Q_FACTS]
    assert facts_calls == [{"sids": ["new"], "n": 50}]
    assert ctx.facts[0].startswith("claim 3.0") and len(ctx.facts) <= 50
    for cypher, params in calls:  # every query is constant text bound by parameters
        assert "new" not in cypher and TOPIC not in cypher and params


def test_older_researches_fill_what_the_newest_lacks(store: LadybugStore) -> None:
    apply_all(store, _research("old", 1000.0, 2, claims=2))
    apply_all(store, _research("new", 9000.0, 1, claims=1))
    calls = _spy(store)
    ctx = store.context(TOPIC)
    facts_calls = [p["sids"] for q, p in calls if q == cypher_store._Q_FACTS]
    assert facts_calls == [["new", "old"]]
    # the new research's one fact comes first; the old one's fill the rest (deduplicated)
    assert ctx.facts[0].startswith("claim 1.0") and any(f.startswith("claim 2.") for f in ctx.facts)
    assert ctx.reflections == ["reflection 1", "reflection 2", "reflection 1"]


def test_same_context_as_reading_every_research(store: LadybugStore) -> None:
    apply_all(store, _research("a", 1000.0, 4, claims=30))
    apply_all(store, _research("b", 5000.0, 2, claims=5))
    apply_all(store, _research("c", 9000.0, 3, claims=30))
    narrowed = store.context(TOPIC)
    every = cypher_store._newest
    try:
        cypher_store._newest = lambda sessions, column, want: [s[0] for s in sessions]  # type: ignore[assignment]
        full = store.context(TOPIC)
    finally:
        cypher_store._newest = every
    assert narrowed == full and narrowed.items > 0
