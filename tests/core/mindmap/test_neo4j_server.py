"""The mind map on a real Neo4j server (``tests/neo4j_server/start.sh``; CI starts one).

What the fake driver cannot show: the planner's real ``query_type``, the server's own
refusal of writes in a READ transaction, what a real server answers to a wrong password,
a locked user or one whose password must change, a server that goes away in the middle of
a research, whole researches through the CLI, and several processes sharing one graph.

Every test here needs ``NEO4J_URI`` and skips without it (a failure when CI sets
``NEO4J_REQUIRED=1``). The database is claimed and emptied exactly as the contract suite
does; users the tests create are named ``drt_test_*`` and dropped again.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest

from core.config import Config, load
from core.events import Event, RoundFinished, WarningRaised
from core.mindmap.factory import open_store
from core.mindmap.guard import CypherRefused, QueryTimeout
from core.mindmap.neo4j_store import Neo4jStore
from tests.conftest import NEO4J_TEST_ENV
from tests.core.mindmap.mindmap_support import (
    TOPIC,
    apply_all,
    contract_neo4j_store,
    neo4j_settings,
    round_events,
)
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.tavily_server import FakeTavily

pytestmark = pytest.mark.neo4j

Settings = tuple[str, str, str, str]


@pytest.fixture
def server() -> Settings:
    """(uri, user, password, database) of the test server, its database claimed and empty."""
    if not NEO4J_TEST_ENV["NEO4J_URI"]:
        pytest.skip("NEO4J_URI not set: start tests/neo4j_server/start.sh")
    contract_neo4j_store().close()  # claims (or skips) and empties the database
    return neo4j_settings()


@pytest.fixture
def admin(server: Settings) -> Iterator[Any]:
    """A driver as the server's admin user, for set-up and for looking behind the store."""
    uri, user, password, _database = server
    driver = neo4j.GraphDatabase.driver(uri, auth=(user, password))
    made: list[str] = []
    driver.test_users = made  # type: ignore[attr-defined]
    yield driver
    with driver.session(database="system") as session:
        for name in made:
            session.run(f"DROP USER {name} IF EXISTS").consume()
    driver.close()


def create_user(admin: Any, name: str, password: str, *, change_required: bool = False) -> None:
    change = "CHANGE REQUIRED" if change_required else "CHANGE NOT REQUIRED"
    with admin.session(database="system") as session:
        session.run(
            f"CREATE OR REPLACE USER {name} SET PASSWORD $pw {change}", pw=password
        ).consume()
    admin.test_users.append(name)


def count(admin: Any, database: str, cypher: str, **params: Any) -> int:
    records, _, _ = admin.execute_query(cypher, params, database_=database)
    return int(records[0][0])


@pytest.fixture
def on_neo4j(server: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The app configured as a user would: graph.backend = "neo4j" and NEO4J_* set."""
    from tui.cli import main

    assert main(["config", "set", "graph.backend", "neo4j"]) == 0
    uri, user, password, database = server
    for name, value in (
        ("NEO4J_URI", uri),
        ("NEO4J_USER", user),
        ("NEO4J_PASSWORD", password),
        ("NEO4J_DATABASE", database),
    ):
        monkeypatch.setenv(name, value)
    return server


def neo4j_config(uri: str, user: str, password: str, database: str = "neo4j") -> Config:
    config = load()
    config.graph.backend = "neo4j"
    config.neo4j.uri, config.neo4j.user = uri, user
    config.neo4j.password, config.neo4j.database = password, database
    return config


# --- what the user sees on stderr ------------------------------------------------------------


def test_graph_commands_on_an_empty_database_print_no_server_notifications(
    on_neo4j: Settings,
    admin: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A fresh graph has none of our labels yet; the server says so for every query, and the
    driver logged each notice as a WARNING (a screenful on stderr for `graph stats`)."""
    from tui.cli import main

    caplog.set_level("INFO", logger="neo4j")
    assert main(["graph", "stats"]) == 0
    assert main(["graph", "query", "MATCH (n:NoSuchLabel) RETURN count(n)"]) == 0
    noticed = [r.getMessage() for r in caplog.records if "notification" in r.getMessage()]
    assert noticed == []
    assert "Received notification" not in capsys.readouterr().err


# --- the EXPLAIN guard against the real planner ---------------------------------------------


@pytest.mark.parametrize(
    ("cypher", "says"),
    [
        ("MATCH (n:Topic) SET n.name = 'x'", "writes"),
        ("MATCH (n) DETACH DELETE n", "writes"),
        ("MATCH (n:Topic) MERGE (n)-[:X]->(:Y) RETURN n", "reads and writes"),
        ("CREATE INDEX drt_x IF NOT EXISTS FOR (n:Topic) ON (n.name)", "changes the schema"),
    ],
)
def test_the_real_planner_tells_writes_from_reads(
    server: Settings, admin: Any, cypher: str, says: str
) -> None:
    store = Neo4jStore(*server)
    try:
        apply_all(store, round_events("s1", TOPIC, 1))
        before = count(admin, server[3], "MATCH (n) RETURN count(n)")
        with pytest.raises(CypherRefused) as info:
            store._run_read_only(cypher, {}, timeout_s=5, max_rows=10)  # past the text guard
        assert info.value.reason.endswith(f"the Neo4j planner says this query {says}")
        assert count(admin, server[3], "MATCH (n) RETURN count(n)") == before
        assert (
            count(admin, server[3], "SHOW INDEXES YIELD name WHERE name = 'drt_x' RETURN count(*)")
            == 0
        )
        read = store.run_read_query("CALL db.labels() YIELD label RETURN label ORDER BY label")
        assert ["Topic"] in read.rows  # a read (and an allowed procedure) passes both guards
    finally:
        store.close()


def test_the_server_itself_refuses_a_write_in_a_read_transaction(server: Settings) -> None:
    """The third line behind the two guards: READ access mode on a single server."""
    store = Neo4jStore(*server)
    try:
        with (
            store._session(read=True) as session,
            pytest.raises(neo4j.exceptions.ClientError) as info,
        ):
            session.execute_read(lambda tx: tx.run("CREATE (:Topic {id: 'x'})").consume())
        assert info.value.code == "Neo.ClientError.Statement.AccessMode"
        assert store.stats().nodes["Topic"] == 0
    finally:
        store.close()


def test_a_long_read_is_ended_by_the_transaction_timeout(server: Settings) -> None:
    store = Neo4jStore(*server, read_only=True)
    started = time.monotonic()
    try:
        with pytest.raises(QueryTimeout) as info:
            store.run_read_query("UNWIND range(1, 10000000000) AS x RETURN count(x)", timeout_s=0.5)
        cause = info.value.__cause__
        assert isinstance(cause, neo4j.exceptions.ClientError)
        assert "TransactionTimedOut" in str(cause.code)  # the server's own timeout ended it
        assert time.monotonic() - started < 20
        assert store.run_read_query("RETURN 1 AS one").rows == [[1]]  # the store recovers
    finally:
        store.close()


# --- users and passwords --------------------------------------------------------------------


def test_a_user_whose_password_must_change_is_refused_in_words(
    server: Settings, admin: Any
) -> None:
    """Found on the real server: such a user logs in (``verify_connectivity`` passes) and
    every query fails with ``Security.CredentialsExpired``. Taken for missing schema rights,
    it opened a Neo4j store that failed every write; now the factory falls back and says why."""
    uri, _user, _password, database = server
    create_user(admin, "drt_test_expired", "first-password-1", change_required=True)
    store, warnings = open_store(
        neo4j_config(uri, "drt_test_expired", "first-password-1", database)
    )
    store.close()
    assert store.backend == "ladybug"
    assert len(warnings) == 1
    assert "must change its password" in warnings[0] and "ALTER CURRENT USER" in warnings[0]
    assert "first-password-1" not in warnings[0]


def test_wrong_password_falls_back_and_repeated_ones_say_the_user_is_locked(
    server: Settings, admin: Any
) -> None:
    """A dedicated user: three wrong passwords lock a user for a few seconds on a real
    server (``dbms.security.auth_max_failed_attempts``), which would fail the other tests
    if it were the suite's own user."""
    uri, _user, _password, database = server
    create_user(admin, "drt_test_wrong", "right-password-1")
    config = neo4j_config(uri, "drt_test_wrong", "wrong-password-1", database)
    messages = []
    for _ in range(5):
        started = time.monotonic()
        store, warnings = open_store(config)
        store.close()
        assert store.backend == "ladybug" and time.monotonic() - started < 15
        assert len(warnings) == 1 and "wrong-password-1" not in warnings[0]
        messages.append(warnings[0])
        if "too many wrong passwords" in warnings[0]:
            break
    assert "refused the user name or password for user 'drt_test_wrong'" in messages[0]
    assert "too many wrong passwords" in messages[-1], messages


def test_community_users_share_the_graph_with_full_rights(server: Settings, admin: Any) -> None:
    """Community edition has users but no roles: ``CREATE USER`` works, and every user may
    write and change the schema. A user *without* schema rights needs Enterprise or Aura
    (roles such as ``editor``); that refusal is tested with the fake driver
    (``test_forbidden_schema_statements_are_skipped_with_one_warning``)."""
    uri, _user, _password, database = server
    with admin.session(database="system") as session:
        assert session.run("SHOW USERS YIELD user, roles RETURN roles LIMIT 1").single()[0] is None
    create_user(admin, "drt_test_member", "member-password-1")
    store = Neo4jStore(uri, "drt_test_member", "member-password-1", database)
    try:
        assert store.warnings == []
        apply_all(store, round_events("s-member", TOPIC, 1))
    finally:
        store.close()
    assert count(admin, database, "MATCH (s:Session {id: 's-member'}) RETURN count(s)") == 1


# --- the server going away in the middle of a research --------------------------------------


class BoltProxy:
    """A loopback TCP relay in front of the test server: ``kill`` makes "the server" vanish
    (listener closed, every connection cut) without stopping the server the other tests use."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._alive = threading.Event()
        self._alive.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self._alive.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self._target))
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def kill(self) -> None:
        self._alive.clear()
        self._listener.close()
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def _port(uri: str) -> int:
    return int(uri.rsplit(":", 1)[1].strip("/"))


def test_server_gone_mid_research_research_goes_on_and_rebuild_restores(
    on_neo4j: Settings, admin: Any, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    import asyncio

    from core.research import ResearchEngine, ResearchOptions
    from tui.cli import main

    uri, user, password, database = on_neo4j
    proxy = BoltProxy(_port(uri))
    config = neo4j_config(f"bolt://127.0.0.1:{proxy.port}", user, password, database)
    config.gemini.rpm = 0
    store = Neo4jStore(config.neo4j.uri, user, password, database, connection_timeout_s=2.0)
    seen: list[Event] = []

    def on_event(event: Event) -> None:
        seen.append(event)
        if isinstance(event, RoundFinished) and event.round == 1:
            proxy.kill()

    engine = ResearchEngine(config, store=store, on_event=on_event)
    engine.graph_wait_s = 30.0

    async def go() -> Any:
        try:
            return await engine.run("Grid storage", ResearchOptions(rounds=2, breadth=2))
        finally:
            await engine.aclose()

    try:
        result = asyncio.run(go())
    finally:
        store.close()
    assert result.status == "done"
    graph_warnings = [e for e in seen if isinstance(e, WarningRaised) and e.kind == "graph"]
    assert graph_warnings, "the lost graph was said"
    assert len(graph_warnings) <= 2 and password not in " ".join(w.message for w in graph_warnings)
    assert engine.state.rounds[2].synthesis is not None, "round 2 ran without the graph"
    sid = result.session_id
    q = "MATCH (:Session {id: $sid})-[:HAS_STEP]->(s:ReasoningStep {round: 2}) RETURN count(s)"
    assert count(admin, database, q, sid=sid) == 0, "round 2 never reached the server"

    assert main(["graph", "rebuild"]) == 0  # NEO4J_URI: the server itself, up all along
    assert count(admin, database, q, sid=sid) > 0, "rebuild brought round 2 in"


# --- end to end: a headless research and the graph commands -------------------------------


def test_headless_research_and_every_graph_command_on_neo4j(
    on_neo4j: Settings,
    admin: Any,
    fake_env: tuple[FakeGemini, FakeTavily],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from tui.cli import main

    database = on_neo4j[3]
    assert main(["run", "Wind turbine recycling", "--rounds", "2", "--json"]) == 0
    sid = json.loads(capsys.readouterr().out)["session_id"]
    assert count(admin, database, "MATCH (s:Session {id: $sid}) RETURN count(s)", sid=sid) == 1

    assert main(["graph", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["backend"] == "neo4j" and on_neo4j[2] not in json.dumps(stats)
    assert stats["nodes"]["Session"] == 1 and stats["nodes"]["Evidence"] > 0

    assert main(["graph", "query", "MATCH (t:Topic) RETURN t.name", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == [["Wind turbine recycling"]]
    assert main(["graph", "query", "MATCH (n) DETACH DELETE n"]) == 2  # the text guard
    assert "Refused" in capsys.readouterr().err
    store = Neo4jStore(*on_neo4j, read_only=True)
    try:  # the store's own guard, for a write the text guard did not see
        with pytest.raises(CypherRefused, match="planner says this query writes"):
            store._run_read_only("MATCH (n) DETACH DELETE n", {}, timeout_s=5, max_rows=5)
    finally:
        store.close()
    assert (
        stats["nodes"]
        == json.loads((main(["graph", "stats", "--json"]), capsys.readouterr().out)[1])["nodes"]
    ), "nothing was deleted"

    assert main(["graph", "ask", "Which topics were researched?"]) == 0
    assert "Wind turbine recycling" in capsys.readouterr().out

    target = tmp_path / "graph.json"
    assert main(["graph", "export", sid, "-o", str(target)]) == 0
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert {n["label"] for n in exported["nodes"]} >= {"Session", "Topic", "Evidence"}

    admin.execute_query("MATCH (e:Evidence) DETACH DELETE e", database_=database)
    assert main(["graph", "rebuild"]) == 0
    capsys.readouterr()
    assert main(["graph", "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nodes"] == stats["nodes"], "rebuilt in line"


# --- a graph a team shares: several processes at once --------------------------------------

_READER = r"""
import json, os, sys, time, neo4j
uri, user, password, database, stop = sys.argv[1:6]
driver = neo4j.GraphDatabase.driver(uri, auth=(user, password))
problems, reads, last = [], 0, 0
check = '''
MATCH (e:Evidence) WITH count(e) AS evidence
OPTIONAL MATCH (o:Evidence) WHERE NOT (:Session)-[:HAS_EVIDENCE]->(o)
WITH evidence, count(o) AS orphans
OPTIONAL MATCH (s:Session)-[:HAS_EVIDENCE]->(x:Evidence) WHERE x.session_id <> s.id
RETURN evidence, orphans, count(x) AS crossed
'''
while not os.path.exists(stop) or reads < 3:
    manager = driver.execute_query_bookmark_manager
    with driver.session(database=database, bookmark_manager=manager) as s:
        evidence, orphans, crossed = s.execute_read(lambda tx: tx.run(check).single().values())
    reads += 1
    if orphans or crossed:
        problems.append([evidence, orphans, crossed])
    if evidence < last:
        problems.append(["went back", last, evidence])
    last = evidence
    time.sleep(0.05)
driver.close()
print(json.dumps({"reads": reads, "problems": problems}))
"""


def test_two_researches_in_two_processes_share_one_graph(
    on_neo4j: Settings,
    admin: Any,
    fake_env: tuple[FakeGemini, FakeTavily],
    tmp_path: Path,
) -> None:
    """Unlike the embedded store (one writer), a Neo4j server takes writes from several
    processes: both researches land whole, the shared topic is one node with both sessions,
    a third process reading all along never sees half a round, and each research can still
    be forgotten on its own."""
    uri, user, password, database = on_neo4j
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    stop = tmp_path / "writers-done"
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, uri, user, password, database, str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    cli = [sys.executable, "-m", "tui.cli"]
    topic = ["Heat pumps in cold climates", "heat pumps in COLD climates"]
    writers = [
        subprocess.Popen(
            [*cli, "run", t, "--rounds", "2", "--json"], stdout=subprocess.PIPE, text=True, env=env
        )
        for t in topic
    ]
    outputs = [w.communicate(timeout=240)[0] for w in writers]
    stop.touch()
    read = json.loads(reader.communicate(timeout=60)[0])
    assert [w.returncode for w in writers] == [0, 0], outputs
    sids = [json.loads(out)["session_id"] for out in outputs]
    assert len(set(sids)) == 2

    one = "MATCH (t:Topic)-[:HAS_SESSION]->(s:Session) RETURN count(DISTINCT t), count(s)"
    records, _, _ = admin.execute_query(one, database_=database)
    assert list(records[0].values()) == [1, 2], "one topic, both researches under it"
    per_session = "MATCH (:Session {id: $sid})-[:HAS_EVIDENCE]->(e) RETURN count(e)"
    each = [count(admin, database, per_session, sid=sid) for sid in sids]
    assert all(n > 0 for n in each)
    assert count(admin, database, "MATCH (e:Evidence) RETURN count(e)") == sum(each)
    assert read["reads"] >= 3 and read["problems"] == []

    from tui.cli import main

    assert main(["sessions", "delete", sids[0], "--yes"]) == 0
    assert count(admin, database, per_session, sid=sids[0]) == 0
    assert count(admin, database, per_session, sid=sids[1]) == each[1]
    assert count(admin, database, "MATCH (t:Topic) RETURN count(t)") == 1


# --- the TUI on Neo4j --------------------------------------------------------------------------


async def test_tui_research_on_neo4j_shows_the_mind_map_and_node_details(
    on_neo4j: Settings, admin: Any, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    from textual.widgets import DataTable, Input, Static

    from tests.pilot_helpers import show_view, wait_for
    from tui.app import DeepResearchApp
    from tui.screens.ask import AskScreen
    from tui.screens.node_detail import NodeDetailScreen
    from tui.screens.report import ReportScreen
    from tui.screens.research import ResearchScreen

    config = load()
    assert config.graph.backend == "neo4j"
    config.research.rounds, config.research.breadth = 1, 2
    app = DeepResearchApp(config, start_topic="Tidal energy")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, ResearchScreen)
        await wait_for(pilot, lambda: screen.state.status not in ("new", "running"), 90)
        await wait_for(pilot, lambda: not screen.running, 30)
        assert screen.state.status == "done", (screen.state.status_reason, screen.notes)
        sid = screen.state.session_id
        assert count(admin, on_neo4j[3], "MATCH (s:Session {id: $sid}) RETURN count(s)", sid=sid)
        await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen), 30)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        tree = await show_view(pilot, screen, "mindmap")
        await wait_for(pilot, lambda: any(c.data.kind == "node" for c in tree.root.children), 30)
        topic = next(c for c in tree.root.children if c.data.kind == "node")
        assert "Tidal energy" in str(topic.label)
        tree.move_cursor(topic)
        await pilot.press("right")
        await wait_for(pilot, lambda: any(c.data.kind == "node" for c in topic.children), 30)
        session = next(c for c in topic.children if c.data.kind == "node")
        assert sid in str(session.label)
        tree.move_cursor(session)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NodeDetailScreen), 30)
        props = app.screen.query_one("#node-properties", DataTable)
        await wait_for(pilot, lambda: props.row_count > 0, 30)
        neighbours = app.screen.query_one("#node-neighbours", DataTable)
        assert neighbours.row_count > 0  # its topic and its steps, read from the server
        # `a`: the question becomes read-only Cypher that the server itself runs.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back on the research screen")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), "the ask dialog")
        ask = app.screen
        field = ask.query_one("#ask-input", Input)
        await wait_for(pilot, lambda: ask.focused is field, "the question field focused")
        await pilot.press(*"Which topics were researched?", "enter")
        rows = ask.query_one("#ask-rows", DataTable)
        await wait_for(pilot, lambda: rows.display and rows.row_count > 0, "rows from Neo4j")
        names = {str(rows.get_cell_at((r, 0))) for r in range(rows.row_count)}
        assert "Tidal energy" in names
        assert "MATCH (t:Topic)" in str(ask.query_one("#ask-cypher", Static).render())
