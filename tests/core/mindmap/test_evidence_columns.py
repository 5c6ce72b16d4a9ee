"""An embedded graph made before the citation check (issue 11) gains its Evidence columns
when opened, keeping its nodes: no ``graph rebuild`` needed."""

from __future__ import annotations

from pathlib import Path

import ladybug

from core import events as ev
from core.mindmap.ladybug_store import LadybugStore
from tests.core.mindmap.mindmap_support import apply_all, round_events


def test_an_old_graph_gains_the_verdict_columns_and_keeps_its_evidence(tmp_path: Path) -> None:
    path = tmp_path / "graph" / "mindmap.lbug"
    path.parent.mkdir(parents=True)
    db = ladybug.Database(str(path), buffer_pool_size=64 * 1024**2)
    conn = ladybug.Connection(db)
    conn.execute(
        "CREATE NODE TABLE Evidence(id STRING, session_id STRING, round INT64, idx INT64, "
        "claim STRING, confidence DOUBLE, created DOUBLE, PRIMARY KEY(id))"
    )
    conn.execute("CREATE (:Evidence {id: 'old', session_id: 'old', claim: 'an old claim'})")
    conn.close()
    db.close()

    store = LadybugStore(path, buffer_pool_mb=256)
    try:
        rows = store.run_read_query("MATCH (e:Evidence {id: 'old'}) RETURN e.claim, e.verdict")
        assert rows.rows == [["an old claim", "unchecked"]]
        apply_all(store, round_events("s-new", "Migrated", 1))
        apply_all(
            store,
            [
                ev.EvidenceChecked(
                    round=1, checks=[{"verdict": "verified", "score": 99.0}]
                ).stamped("s-new", 50)
            ],
        )
        found = store.run_read_query(
            "MATCH (e:Evidence {session_id: $s, idx: 0}) RETURN e.verdict", {"s": "s-new"}
        )
        assert found.rows == [["verified"]]
    finally:
        store.close()
