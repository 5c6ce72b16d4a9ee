"""open_store: embedded by default, Neo4j fallback with a warning, lock -> read-only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.config import Config, load
from core.mindmap.factory import open_store
from core.mindmap.ladybug_store import DB_FILE, LadybugStore
from core.mindmap.neo4j_store import safe_uri
from tests.test_mindmap_contract import TOPIC, apply_all, round_events


def test_default_is_ladybug_under_graph_path() -> None:
    config = load()
    store, warnings = open_store(config)
    try:
        assert warnings == []
        assert isinstance(store, LadybugStore)
        assert store.location == str(config.graph_path / DB_FILE)
        assert (config.graph_path).is_dir()
    finally:
        store.close()


def test_neo4j_unreachable_falls_back_without_leaking_password() -> None:
    config = Config()
    config.graph.backend = "neo4j"
    config.neo4j.uri = "bolt://admin:pw-in-uri@127.0.0.1:1"
    config.neo4j.password = "s3cret-password"
    store, warnings = open_store(config)
    try:
        assert store.backend == "ladybug"
        assert len(warnings) == 1 and "Neo4j unavailable at bolt://127.0.0.1:1" in warnings[0]
        assert "s3cret-password" not in warnings[0] and "pw-in-uri" not in warnings[0]
        assert "pw-in-uri" not in store.location
    finally:
        store.close()


def test_safe_uri_strips_credentials() -> None:
    assert safe_uri("neo4j+s://u:p@db.example:7687/x") == "neo4j+s://db.example:7687/x"


def test_locked_by_another_process_opens_read_only() -> None:
    config = load()
    first, _ = open_store(config)  # creates the file with its schema
    apply_all(first, round_events("s1", TOPIC, 1))
    first.close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from core.mindmap.ladybug_store import LadybugStore; "
            f"s = LadybugStore({str(config.graph_path / DB_FILE)!r}); print('ready', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        store, warnings = open_store(config)
        try:
            assert store.read_only
            assert warnings and "read-only" in warnings[0]
            assert store.prior_evidence(TOPIC) == 2  # reads still work
            assert store.apply(round_events("s2", TOPIC, 1)[0]).nodes == 0
        finally:
            store.close()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
