"""One writer for the embedded mind map: whoever researches gets it, nobody's research is lost.

A second process that finds the graph held opens it read-only and queues its research
(``core.mindmap.pending``); the next writer catches up from the saved events. The holder
here is a real second process, as a second window or a ``run`` beside the app would be.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import Config, load
from core.mindmap.factory import open_store
from core.mindmap.ladybug_store import DB_FILE
from core.mindmap.pending import pending_sessions
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.tavily_server import FakeTavily
from tui.cli import main

ROOT = Path(__file__).resolve().parents[3]


class Holder:
    """A second process that opens the graph for writing and keeps it until released."""

    def __init__(self, config: Config) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from core.mindmap.ladybug_store import LadybugStore; "
                f"s = LadybugStore({str(config.graph_path / DB_FILE)!r}); "
                "print('ready', flush=True); sys.stdin.read(); s.close()",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=60)


@pytest.fixture
def graph_created() -> Config:
    config = load()
    store, _ = open_store(config)  # creates the file and its schema
    store.close()
    return config


@pytest.fixture
def holder(graph_created: Config) -> Iterator[Holder]:
    held = Holder(graph_created)
    try:
        yield held
    finally:
        held.release()


def session_count(capsys: pytest.CaptureFixture[str]) -> int:
    assert main(["graph", "stats", "--json"]) == 0
    return int(json.loads(capsys.readouterr().out)["nodes"].get("Session", 0))


def test_a_run_beside_a_holder_says_so_queues_and_is_caught_up_later(
    fake_env: tuple[FakeGemini, FakeTavily],
    holder: Holder,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = load()
    assert main(["run", "Wind turbine recycling", "--rounds", "1", "--json"]) == 0
    captured = capsys.readouterr()
    session_id = json.loads(captured.out)["session_id"]
    err = " ".join(captured.err.split())
    assert "in use by another deepresearch-tui process" in err
    assert "queued" in err and "adds it by itself" in err
    assert pending_sessions(config.graph_path) == [session_id]
    assert session_count(capsys) == 0  # the holder still has it: nothing projected yet
    assert pending_sessions(config.graph_path) == [session_id]

    holder.release()
    # The next process that opens the graph (here a reader) catches up by itself.
    assert main(["graph", "stats", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["nodes"]["Session"] == 1
    assert "caught up: added 1 research" in " ".join(captured.err.split())
    assert pending_sessions(config.graph_path) == []
    store, _ = open_store(config, read_only=True)
    try:
        assert store.prior_evidence("Wind turbine recycling") > 0
    finally:
        store.close()


def test_a_run_whose_holder_let_go_catches_up_at_its_end(
    fake_env: tuple[FakeGemini, FakeTavily],
    graph_created: Config,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The holder leaves while the run is under way: the run adds itself when it ends."""
    from tui.cli import run_cmd

    holder = Holder(graph_created)
    original = run_cmd._catch_up_mind_map

    def release_first(config: Config) -> None:
        holder.release()
        original(config)

    monkeypatch.setattr(run_cmd, "_catch_up_mind_map", release_first)
    try:
        assert main(["run", "Wind turbine recycling", "--rounds", "1", "--json"]) == 0
    finally:
        holder.release()
    err = " ".join(capsys.readouterr().err.split())
    assert "queued" in err and "caught up: added 1 research" in err
    assert pending_sessions(graph_created.graph_path) == []
    assert session_count(capsys) == 1


def test_a_session_still_running_elsewhere_stays_queued(graph_created: Config) -> None:
    """Catching up projects what a running session has so far, and keeps its note."""
    from core.events import SessionStarted
    from core.mindmap.pending import catch_up, mark_pending
    from core.sessions import SessionStore

    handle = SessionStore(graph_created.sessions_dir).create("Tidal power")
    started = SessionStarted(topic="Tidal power", rounds=1, breadth=1, model="m")
    handle.append(started.stamped(handle.id, 1))
    mark_pending(graph_created.graph_path, handle.id)
    lock = handle.claim()
    store, _ = open_store(graph_created)
    try:
        done = catch_up(store, graph_created.graph_path, graph_created.sessions_dir)
        assert done.still_running == [handle.id] and not done.projected
        assert handle.id in store.session_ids()
        assert pending_sessions(graph_created.graph_path) == [handle.id]
        lock.release()
        done = catch_up(store, graph_created.graph_path, graph_created.sessions_dir)
        assert done.projected == [handle.id]
        assert pending_sessions(graph_created.graph_path) == []
    finally:
        lock.release()
        store.close()


def test_rebuild_beside_a_holder_says_why(
    holder: Holder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", "rebuild"]) == 1
    assert "in use by another deepresearch-tui process" in " ".join(capsys.readouterr().err.split())


def graph_is_free(config: Config) -> bool:
    """Whether another process can open the graph for writing right now."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "from core.mindmap.ladybug_store import GraphLocked, LadybugStore\n"
            "try:\n"
            f"    LadybugStore({str(config.graph_path / DB_FILE)!r}).close()\n"
            "except GraphLocked:\n"
            "    print('locked')\n"
            "else:\n"
            "    print('free')\n",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    return probe.stdout.strip() == "free"


async def test_the_app_holds_the_graph_only_while_it_needs_it(
    keys: None, graph_created: Config
) -> None:
    """Idle on Home, the app lets go: a second window or a ``run`` gets the writer."""
    from tests.pilot_helpers import finished, wait_for
    from tests.snapshot_apps.scripted import scripted_factory
    from tui.app import DeepResearchApp
    from tui.screens.home import HomeScreen
    from tui.screens.research import ResearchScreen

    config = load()
    app = DeepResearchApp(config, engine_factory=scripted_factory())
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app._store is None and graph_is_free(config)
        app.start_research("Solid-state batteries")
        await wait_for(pilot, lambda: any(isinstance(s, ResearchScreen) for s in app.screen_stack))
        screen = next(s for s in app.screen_stack if isinstance(s, ResearchScreen))
        await wait_for(pilot, lambda: app._store is not None)  # the engine's writer
        assert not graph_is_free(config)
        await finished(pilot, screen)
        await pilot.press("m")  # the mind map on screen needs the graph
        await wait_for(pilot, lambda: app._store is not None)
        assert not graph_is_free(config)
        await pilot.press("m")  # toggled off: let go at once, not when the screen closes
        await wait_for(pilot, lambda: app._store is None, "the graph let go on toggle off")
        await app.workers.wait_for_complete()
        assert graph_is_free(config)
        await pilot.press("m")  # and on again: it is opened again for the tree
        await wait_for(pilot, lambda: app._store is not None, "the graph reopened on toggle on")
        assert not graph_is_free(config)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await wait_for(pilot, lambda: app._store is None)
        await app.workers.wait_for_complete()
        assert graph_is_free(config)
