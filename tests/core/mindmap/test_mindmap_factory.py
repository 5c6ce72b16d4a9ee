"""open_store: embedded by default, Neo4j fallback with a warning, lock -> read-only."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from neo4j.exceptions import AuthError, ServiceUnavailable

from core.config import Config, load
from core.mindmap.factory import open_store
from core.mindmap.ladybug_store import DB_FILE, LadybugStore
from core.mindmap.neo4j_connect import safe_uri
from tests.core.mindmap.mindmap_support import TOPIC, apply_all, round_events
from tests.fakes.neo4j_driver import FakeNeo4j


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


def closed_port() -> int:
    """A loopback port nothing listens on (connecting is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def neo4j_config(uri: str, password: str) -> Config:
    config = Config()
    config.graph.backend = "neo4j"
    config.neo4j.uri = uri
    config.neo4j.password = password
    return config


def test_neo4j_unreachable_falls_back_with_a_warning() -> None:
    port = closed_port()
    store, warnings = open_store(neo4j_config(f"bolt://127.0.0.1:{port}", "s3cret-password"))
    try:
        assert store.backend == "ladybug"
        assert len(warnings) == 1
        assert f"Neo4j unavailable at bolt://127.0.0.1:{port} (ServiceUnavailable" in warnings[0]
        assert "s3cret-password" not in warnings[0]
    finally:
        store.close()


def test_password_in_the_drivers_error_is_not_in_the_warning(fake_neo4j: FakeNeo4j) -> None:
    password = "s3cret-password"
    fake_neo4j.connect_error = AuthError(
        f"The client is unauthorized: {password!r} rejected for bolt://neo4j:{password}@db"
    )
    store, warnings = open_store(neo4j_config("bolt://db.example:7687", password))
    try:
        assert store.backend == "ladybug"
        assert len(warnings) == 1 and "AuthError: The client is unauthorized" in warnings[0]
        assert password not in warnings[0]
    finally:
        store.close()


def test_a_short_password_does_not_mangle_the_warning(fake_neo4j: FakeNeo4j) -> None:
    """Masking every "neo4j" would turn neo4j:// into ***:// and hide nothing."""
    fake_neo4j.connect_error = ServiceUnavailable("Couldn't connect to neo4j://db.example:7687")
    store, warnings = open_store(neo4j_config("neo4j://neo4j:neo4j@db.example:7687", ""))
    try:
        assert "Couldn't connect to neo4j://db.example:7687" in warnings[0]
        assert "neo4j:neo4j@" not in warnings[0] and "***" not in warnings[0]
    finally:
        store.close()


def test_safe_uri_strips_credentials() -> None:
    assert safe_uri("neo4j+s://u:p@db.example:7687") == "neo4j+s://db.example:7687"


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
        cwd=Path(__file__).parents[3],
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
