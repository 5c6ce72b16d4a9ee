"""Neo4jStore without a server: bounded waits, credentials, schema rights, the EXPLAIN guard.

These use a silent loopback listener (a port that accepts and never speaks Bolt) and the
fake driver in ``tests/fakes/neo4j_driver.py``, for what a real server cannot be made to do
here (a community server has no roles, so it never refuses schema rights). The contract
suite and ``tests/test_neo4j_server.py`` cover the behaviour against a real server
(``tests/neo4j_server/start.sh``) when ``NEO4J_URI`` is set.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import neo4j
import pytest

from core.config import Config
from core.mindmap import schema
from core.mindmap.factory import open_store
from core.mindmap.guard import CypherRefused
from core.mindmap.neo4j_connect import (
    LIVENESS_CHECK_S,
    open_driver,
    scrub,
    split_userinfo,
)
from core.mindmap.neo4j_store import Neo4jStore
from tests.fakes.neo4j_driver import FakeNeo4j, server_error
from tui.screens.settings import check_neo4j, neo4j_failure_text


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)  # so the loop sees ``stop`` (close does not wake accept)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
        for conn in held:
            conn.close()


def neo4j_config(uri: str, password: str = "s3cret-password") -> Config:
    config = Config()
    config.graph.backend = "neo4j"
    config.neo4j.uri = uri
    config.neo4j.password = password
    return config


# --- bounded waits ------------------------------------------------------------------------


def test_silent_port_fails_fast_and_the_factory_falls_back(silent_port: int) -> None:
    """The handshake waits for connection_acquisition_timeout (driver default 60 s)."""
    started = time.monotonic()
    store, warnings = open_store(neo4j_config(f"bolt://127.0.0.1:{silent_port}"))
    elapsed = time.monotonic() - started
    try:
        assert elapsed < 15
        assert store.backend == "ladybug"
        assert len(warnings) == 1
        assert f"Neo4j unavailable at bolt://127.0.0.1:{silent_port}" in warnings[0]
        assert "s3cret-password" not in warnings[0]
    finally:
        store.close()


def test_settings_test_connection_fails_fast_on_a_silent_port(silent_port: int) -> None:
    started = time.monotonic()
    with pytest.raises(neo4j.exceptions.ServiceUnavailable):
        check_neo4j(f"bolt://127.0.0.1:{silent_port}", "neo4j", "pw", timeout=2.0)
    assert time.monotonic() - started < 15


def test_store_and_settings_build_the_same_bounded_driver(fake_neo4j: FakeNeo4j) -> None:
    Neo4jStore("bolt://db.example:7687", "neo4j", "pw", connection_timeout_s=3.0).close()
    store_config = fake_neo4j.last.config
    assert store_config["connection_timeout"] == 3.0
    assert store_config["connection_acquisition_timeout"] == 3.0
    assert store_config["liveness_check_timeout"] == LIVENESS_CHECK_S
    check_neo4j("bolt://db.example:7687", "neo4j", "pw", timeout=3.0)
    assert fake_neo4j.last.config == store_config


# --- sessions -----------------------------------------------------------------------------


def test_every_session_chains_on_the_drivers_bookmarks(fake_neo4j: FakeNeo4j) -> None:
    """Reads on a routed cluster must see the store's own writes."""
    from tests.core.mindmap.mindmap_support import TOPIC, round_events

    store = Neo4jStore("neo4j://db.example:7687", "neo4j", "pw")
    store.apply(round_events("s1", TOPIC, 1)[0])
    store.stats()
    store.run_read_query("MATCH (n:Topic) RETURN n.id")
    store.close()
    sessions = fake_neo4j.last.sessions
    assert len(sessions) > len(schema.neo4j_ddl()) + 3  # schema, write, reads
    manager = fake_neo4j.last.execute_query_bookmark_manager
    assert all(s.get("bookmark_manager") is manager for s in sessions)


# --- credentials in the URI ---------------------------------------------------------------


def test_uri_userinfo_moves_into_auth(fake_neo4j: FakeNeo4j) -> None:
    store = Neo4jStore("bolt://alice:p%40ss@db.example:7687", "neo4j", "", "graph")
    store.close()
    assert fake_neo4j.last.uri == "bolt://db.example:7687"
    assert fake_neo4j.last.config["auth"] == ("alice", "p@ss")
    assert store.location == "bolt://db.example:7687 (database graph)"


def test_a_separate_password_wins_over_the_uris(fake_neo4j: FakeNeo4j) -> None:
    Neo4jStore("neo4j+s://alice:old@db.example", "bob", "new-password").close()
    assert fake_neo4j.last.uri == "neo4j+s://db.example"
    assert fake_neo4j.last.config["auth"] == ("bob", "new-password")


def test_the_real_driver_accepts_a_uri_with_userinfo() -> None:
    """Driver 6 raises ConfigurationError on userinfo; open_driver builds (no connection)."""
    open_driver("bolt://alice:pw@127.0.0.1:1", "neo4j", "").close()


def test_split_userinfo_leaves_plain_uris_alone() -> None:
    assert split_userinfo("bolt://h:7687", "u", "p") == ("bolt://h:7687", "u", "p")


# --- schema rights ------------------------------------------------------------------------


FORBIDDEN = "Schema operations are not allowed for user 'w' with roles [editor]."


def test_forbidden_schema_statements_are_skipped_with_one_warning(
    fake_neo4j: FakeNeo4j,
) -> None:
    fake_neo4j.ddl_error = server_error("Neo.ClientError.Security.Forbidden", FORBIDDEN)
    store = Neo4jStore("bolt://db.example:7687", "neo4j", "pw")
    try:
        tried = [q for q in fake_neo4j.last.queries if q.startswith("CREATE ")]
        assert tried == schema.neo4j_ddl()  # each statement tried, none stops the others
        assert len(store.warnings) == 1
        assert "constraints and indexes" in store.warnings[0]
        assert "Neo.ClientError.Security.Forbidden" in store.warnings[0]
    finally:
        store.close()


def test_the_factory_keeps_neo4j_and_passes_the_schema_warning_on(
    fake_neo4j: FakeNeo4j,
) -> None:
    fake_neo4j.ddl_error = server_error("Neo.ClientError.Security.Forbidden", FORBIDDEN)
    store, warnings = open_store(neo4j_config("bolt://db.example:7687"))
    store.close()
    assert store.backend == "neo4j"
    assert len(warnings) == 1 and "writes may be slower" in warnings[0]


def test_other_schema_errors_still_fail_the_store(fake_neo4j: FakeNeo4j) -> None:
    fake_neo4j.ddl_error = server_error("Neo.ClientError.Statement.SyntaxError", "bad")
    with pytest.raises(neo4j.exceptions.CypherSyntaxError):
        Neo4jStore("bolt://db.example:7687", "neo4j", "pw")
    assert fake_neo4j.last.closed


# --- the EXPLAIN guard --------------------------------------------------------------------


@pytest.mark.parametrize("query_type", ["rw", "w", "s"])
def test_explain_refuses_what_the_planner_says_is_not_a_read(
    fake_neo4j: FakeNeo4j, query_type: str
) -> None:
    fake_neo4j.query_type = query_type
    store = Neo4jStore("bolt://db.example:7687", "neo4j", "pw", read_only=True)
    try:
        with pytest.raises(CypherRefused) as info:
            store.run_read_query("MATCH (n:Topic) RETURN n.id")
        assert "only read queries" in info.value.reason
        ran = fake_neo4j.last.queries
        assert ran[-1].startswith("EXPLAIN MATCH (n:Topic) RETURN n.id")
        assert not any(q.startswith("MATCH (n:Topic)") for q in ran)  # never executed
    finally:
        store.close()


def test_explain_lets_a_read_through(fake_neo4j: FakeNeo4j) -> None:
    fake_neo4j.rows = [["topic:a"], ["topic:b"]]
    store = Neo4jStore("bolt://db.example:7687", "neo4j", "pw", read_only=True)
    try:
        result = store.run_read_query("MATCH (n:Topic) RETURN n.id")
        assert result.rows == [["topic:a"], ["topic:b"]]
        assert [q.split()[0] for q in fake_neo4j.last.queries] == ["EXPLAIN", "MATCH"]
    finally:
        store.close()


# --- secrets in messages ------------------------------------------------------------------


def test_scrub_keeps_short_passwords_from_mangling_text() -> None:
    uri = "neo4j://neo4j:neo4j@db.example:7687"
    text = f"Couldn't connect to neo4j://db.example:7687 (URI: {uri!r})"
    assert scrub(text, uri, ["neo4j"]) == (
        "Couldn't connect to neo4j://db.example:7687 (URI: 'neo4j://db.example:7687')"
    )


def test_scrub_masks_long_secrets_and_any_urls_userinfo() -> None:
    text = "auth failed for bolt://admin:hunter22@other.example with hunter22 and s3cret-pw"
    out = scrub(text, "bolt://db.example", ["s3cret-pw"])
    assert "hunter22" not in out.split(" with ")[0]  # userinfo of any URL goes
    assert "s3cret-pw" not in out and "bolt://other.example" in out


def test_settings_failure_text_never_shows_the_password() -> None:
    uri = "bolt://admin:pw-secret-123@db.example:7687"
    exc = neo4j.exceptions.ConfigurationError(f"URI userinfo is not supported. Given: {uri!r}")
    text = neo4j_failure_text(exc, uri, "")
    assert "pw-secret-123" not in text
    assert text.startswith("Could not connect: ConfigurationError")


# --- the contract suite's own server --------------------------------------------------------

MARKED = "MATCH (m:DeepResearchTuiTestMarker) RETURN count(m) > 0"
EMPTY = "MATCH (n) RETURN count(n) = 0"


@pytest.fixture
def contract_server(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The contract suite pointed at a (fake) server, as if NEO4J_* were set at start."""
    import tests.core.mindmap.mindmap_support as contract

    for name, value in {
        "NEO4J_URI": "bolt://db.example:7687",
        "NEO4J_USER": "tester",
        "NEO4J_PASSWORD": "pw-from-env",
        "NEO4J_DATABASE": "scratch",
    }.items():
        monkeypatch.setitem(contract.NEO4J_TEST_ENV, name, value)
    monkeypatch.setattr(contract, "NEO4J_VERDICT", [])
    return contract


def test_contract_suite_uses_the_credentials_captured_before_isolation(
    fake_neo4j: FakeNeo4j, contract_server: Any
) -> None:
    import os

    assert "NEO4J_PASSWORD" not in os.environ  # isolated_home removed it for this test
    fake_neo4j.answers = {MARKED: [[False]], EMPTY: [[True]]}
    store = contract_server.contract_neo4j_store()
    store.close()
    assert fake_neo4j.last.config["auth"] == ("tester", "pw-from-env")
    assert fake_neo4j.last.sessions[-1]["database"] == "scratch"


def test_contract_suite_refuses_a_database_it_did_not_create(
    fake_neo4j: FakeNeo4j, contract_server: Any
) -> None:
    fake_neo4j.answers = {MARKED: [[False]], EMPTY: [[False]]}
    with pytest.raises(pytest.skip.Exception, match="throw-away database"):
        contract_server.contract_neo4j_store()
    ran = [q for driver in fake_neo4j.drivers for q in driver.queries]
    assert ran == [MARKED, EMPTY]  # looked, changed nothing (no schema, no delete, no marker)


def test_contract_suite_marks_an_empty_database_and_reuses_a_marked_one(
    fake_neo4j: FakeNeo4j, contract_server: Any
) -> None:
    fake_neo4j.answers = {MARKED: [[True]], EMPTY: [[False]]}
    contract_server.contract_neo4j_store().close()
    ran = [q for driver in fake_neo4j.drivers for q in driver.queries]
    assert "MERGE (:DeepResearchTuiTestMarker)" in ran
    assert ran[-1] == "MATCH (n) WHERE NOT n:DeepResearchTuiTestMarker DETACH DELETE n"
