"""tui.heap: what lives when a research starts is frozen; the next start collects it."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import weakref
from pathlib import Path

import pytest

from tests.conftest import AppBuilder
from tui.heap import settle_heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_settle_heap_freezes_and_the_next_one_collects_frozen_garbage() -> None:
    try:
        node = Node()
        ref = weakref.ref(node)
        assert settle_heap() > 0
        assert gc.get_freeze_count() > 0
        del node  # garbage now, but frozen: full collections do not see it
        gc.collect()
        assert ref() is not None
        settle_heap()  # the next research: unfreeze and collect first
        assert ref() is None
    finally:
        gc.unfreeze()


async def test_the_app_freezes_its_start_up_at_the_first_frame_and_lets_go_at_exit(
    make_app: AppBuilder,
) -> None:
    """What start-up built is out of the collector's sight once the first frame is shown
    (a reopen then pays no full collection over it), though not before that frame (the
    collection would delay it); a closed app leaves nothing frozen."""
    from tests.pilot_helpers import wait_for

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app = make_app()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.start_up_settled, "the heap settled after frame 1")
        assert gc.get_freeze_count() > 10_000  # modules, classes, CSS, the first screen
    assert gc.get_freeze_count() == 0


async def test_a_research_opened_from_the_command_line_settles_after_its_replay(
    keys: None, make_app: AppBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``--open`` the collection must not delay the frame that shows the replayed
    research (Ready, after which it runs, comes once the replay is on screen)."""
    import tui.heap
    from core.config import load
    from tests.pilot_helpers import research_screen, wait_for
    from tests.snapshot_apps.scripted import canned_events, write_session

    replayed_at_settle: list[bool] = []
    settle = tui.heap.settle_heap

    def recording_settle() -> int:
        replayed_at_settle.append(bool(getattr(app.screen, "replayed", False)))
        return settle()

    monkeypatch.setattr(tui.heap, "settle_heap", recording_settle)
    session_id = write_session(load().sessions_dir, canned_events())
    app = make_app(open_session=session_id)
    try:
        async with app.run_test() as pilot:
            screen = await research_screen(pilot)
            await wait_for(pilot, lambda: app.start_up_settled, "the heap settled")
            assert screen.replayed
        assert replayed_at_settle == [True]
    finally:
        gc.unfreeze()


async def test_start_up_holds_automatic_collections_until_the_first_frame(
    make_app: AppBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No automatic collection delays the first frame (a full one cost ~30 ms of Home's);
    the collector runs again from the settling after that frame on."""
    import tui.heap
    from tests.pilot_helpers import wait_for

    seen: list[bool] = []
    settle = tui.heap.settle_heap

    def watched() -> int:
        seen.append(gc.isenabled())
        return settle()

    monkeypatch.setattr(tui.heap, "settle_heap", watched)
    assert gc.isenabled()
    app = make_app()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.start_up_settled, "the heap settled after frame 1")
        assert seen[:1] == [False]  # held until then
        assert gc.isenabled()
    assert gc.isenabled()


async def test_the_stylesheet_is_parsed_with_the_collections_held(
    make_app: AppBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual parses the app's CSS before ``on_mount``: held from there, a full collection
    could still fall in that parse (~20 ms, seen in a process that imported more first)."""
    from textual.css.stylesheet import Stylesheet

    from tests.pilot_helpers import wait_for

    collector_on: list[bool] = []
    parse = Stylesheet.parse

    def watched(stylesheet: Stylesheet) -> None:
        collector_on.append(gc.isenabled())
        parse(stylesheet)

    monkeypatch.setattr(Stylesheet, "parse", watched)
    app = make_app()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.start_up_settled, "the heap settled after frame 1")
        assert collector_on and not any(collector_on)
    assert gc.isenabled()


def test_the_command_line_holds_the_collections_before_it_imports_textual(
    tmp_path: Path,
) -> None:
    """Importing Textual ran ~90 young collections (10-15 ms of a ~250 ms start-up): the
    command line's ``build_app`` holds them first. A fresh interpreter, so nothing of
    Textual is imported yet."""
    code = textwrap.dedent(
        """
        import gc, sys
        import tui.heap
        hold = tui.heap.hold_collections
        def watched():
            print("textual imported at hold:", "textual" in sys.modules)
            hold()
        tui.heap.hold_collections = watched
        from core.config import load
        from tui.cli import build_app
        app = build_app(load())
        print("collector on after build_app:", gc.isenabled())
        """
    )
    env = {
        **os.environ,
        "DEEPRESEARCH_TUI_DATA": str(tmp_path / "data"),
        "DEEPRESEARCH_TUI_CONFIG": str(tmp_path / "config.toml"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "textual imported at hold: False" in out
    assert "collector on after build_app: False" in out


def test_an_app_that_ends_before_its_first_frame_gives_the_collector_back() -> None:
    from tui.heap import hold_collections, release_heap

    assert gc.isenabled()
    try:
        hold_collections()
        assert not gc.isenabled()
        release_heap()
        assert gc.isenabled()
    finally:
        gc.enable()


async def test_a_replay_from_home_is_built_without_automatic_collections(
    keys: None, make_app: AppBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a saved research from Home: no automatic collection while its events are
    replayed into the screen (a full one was 35 ms of the reopen); after its frame the
    collector runs again."""
    from core.config import load
    from tests.pilot_helpers import research_screen, wait_for
    from tests.snapshot_apps.scripted import canned_events, write_session
    from tui.screens.research import ResearchScreen

    during: list[bool] = []
    apply_events = ResearchScreen.apply_events

    async def watched(self: ResearchScreen, events: list, *, live: bool) -> None:
        during.append(gc.isenabled())
        await apply_events(self, events, live=live)

    monkeypatch.setattr(ResearchScreen, "apply_events", watched)
    session_id = write_session(load().sessions_dir, canned_events())
    app = make_app()
    try:
        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: app.start_up_settled, "the heap settled after frame 1")
            assert gc.isenabled()
            app.action_open_session(session_id)
            screen = await research_screen(pilot)
            await wait_for(pilot, lambda: screen.replayed and gc.isenabled(), "collector back")
            assert during == [False]
    finally:
        gc.enable()
        gc.unfreeze()


def test_freeze_heap_collects_nothing_and_the_next_settle_collects_what_it_froze() -> None:
    """A research's start only freezes (a collection there held the UI ~100 ms); what it
    froze and later dropped is collected by the next settle."""
    from tui.heap import freeze_heap

    try:
        node = Node()
        ref = weakref.ref(node)
        del node  # a garbage cycle not collected yet
        assert freeze_heap() > 0
        gc.collect()
        assert ref() is not None  # frozen with the rest, not collected by freeze_heap
        settle_heap()
        assert ref() is None
    finally:
        gc.unfreeze()


async def test_a_research_starts_with_a_freeze_and_its_heap_is_collected_once_closed(
    keys: None, make_app: AppBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No full collection when the research's first events come in; once its screen is
    closed and no input came for a second, one collection reclaims what it froze."""
    import tui.heap
    import tui.screens.research
    from tests.pilot_helpers import finished, research_screen, wait_for

    calls: list[str] = []
    settle, freeze = tui.heap.settle_heap, tui.heap.freeze_heap

    def settled() -> int:
        calls.append("settle")
        return settle()

    def frozen() -> int:
        calls.append("freeze")
        return freeze()

    monkeypatch.setattr(tui.heap, "settle_heap", settled)
    monkeypatch.setattr(tui.screens.research, "freeze_heap", frozen)
    app = make_app(start_topic="Solid-state batteries")
    try:
        async with app.run_test() as pilot:
            screen = await research_screen(pilot)
            await finished(pilot, screen)
            await wait_for(pilot, lambda: app.start_up_settled, "the heap settled after frame 1")
            assert screen.heap_settled
            assert calls.count("freeze") == 1 and calls.count("settle") == 1  # start-up's
            app.pop_screen()
            await wait_for(pilot, lambda: app.heap_reclaims == 1, "the closed research reclaimed")
            assert calls.count("settle") == 2
    finally:
        gc.unfreeze()


async def test_the_reclaim_waits_while_the_user_types(
    make_app: AppBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key in the last second puts the collection off (it holds the UI thread)."""
    import time

    import tui.heap
    from tests.pilot_helpers import wait_for

    reclaimed: list[int] = []
    app = make_app()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.start_up_settled, "the heap settled after frame 1")
        monkeypatch.setattr(tui.heap, "settle_heap", lambda: reclaimed.append(1) or 0)
        app.input_clock.last_input_at = time.monotonic()
        app._reclaim_heap()
        assert reclaimed == [] and app._reclaim_timer is not None  # tried again later
        app._reclaim_timer.stop()
        app._reclaim_timer = None
        app.input_clock.last_input_at = float("-inf")
        app._reclaim_heap()
        assert reclaimed == [1] and app.heap_reclaims == 1
