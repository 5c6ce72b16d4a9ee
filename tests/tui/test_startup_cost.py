"""Start-up and reopen do only what their first frame needs (issue 15).

No wall-clock figure is asserted (``python -m bench open`` measures those): these tests pin
down the work itself. Home's first frame imports no SDK, no engine and no research screen;
a reopened research is replayed before its screen is first painted, so no frame of it is
ever drawn empty, nor in the narrow layout at a wide size (breakpoint classes are set as
the screen composes, not at its first ``Resize``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AppBuilder
from tests.pilot_helpers import replayed, settled
from tests.snapshot_apps.scripted import canned_events, write_session
from tui.screens.research import ResearchScreen

NOT_AT_HOME = (
    "google.genai",
    "tavily",
    "openai",
    "neo4j",
    "real_ladybug",
    "rapidfuzz",
    "markdown_it",
    "core.research",
    "core.mindmap",
    "tui.engine_worker",
    "tui.screens.research",
    "tui.screens.export",
    "tui.screens.confirm",
    "tui.widgets.sources",
)
"""Loaded later, by what uses them: a research, the mind map, a dialog, the quote check."""

NOT_PRELOADED = (
    "google.genai",
    "tavily",
    "openai",
    "neo4j",
    "real_ladybug",
    "tui.screens.export",
    "tui.screens.confirm",
)
"""Not even once Home is drawn: the preload takes the research screen and the engine only."""

HOME_CHILD = r"""
import asyncio, json, sys, threading

importers = {}


class Recorder:  # notes which thread first imports each watched module; finds nothing
    def find_spec(self, name, path=None, target=None):
        if name in ("tui.screens.research", "core.research") and name not in importers:
            importers[name] = threading.current_thread().name
        return None


sys.meta_path.insert(0, Recorder())

async def main():
    from core.config import load
    from tui.app import DeepResearchApp

    app = DeepResearchApp(load())
    at_first_frame = []
    async with app.run_test(size=(120, 36)) as pilot:
        display = app._display

        def hooked(screen, renderable):
            display(screen, renderable)
            if renderable is not None and type(app.screen).__name__ == "HomeScreen":
                at_first_frame.append(sorted(sys.modules))

        app._display = hooked
        home = lambda: type(app.screen).__name__ == "HomeScreen" and app.screen
        while not (home() and app.screen.loaded and app.screen.estimated):
            await pilot.pause(0.02)
        await pilot.pause()
        import tui.preload

        tui.preload.wait()  # started by the first estimate
        later = sorted(sys.modules)
        print(json.dumps({"first": at_first_frame[0], "later": later, "importers": importers}))

asyncio.run(main())
"""


def test_home_first_frame_imports_no_sdk_engine_or_research_screen(isolated_home: Path) -> None:
    """A fresh process showing Home has none of them loaded at its first frame. Once the
    list and the estimate are drawn, a thread imports the research screen and the engine
    (``tui.preload``), not the UI thread after Enter; the SDKs and dialogs still wait."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "GEMINI_API_KEY": "test-gemini-key-123456",
        "TAVILY_API_KEY": "test-tavily-key-123456",
        "PYTHONPATH": str(root),
    }
    result = subprocess.run(
        [sys.executable, "-c", HOME_CHILD],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    first, modules = set(seen["first"]), set(seen["later"])
    # The cost estimate waits for the first frame (``tui.first_frame``), then is drawn.
    assert "tui.screens.home" in first and "core.cost.session" not in first
    assert "core.cost.session" in modules

    def loaded(names: tuple[str, ...], among: set[str]) -> list[str]:
        return [n for n in names if n in among or any(m.startswith(n + ".") for m in among)]

    assert loaded(NOT_AT_HOME, first) == []
    assert loaded(NOT_PRELOADED, modules) == []
    assert seen["importers"] == {
        "tui.screens.research": "preload-research",
        "core.research": "preload-research",
    }


@pytest.mark.usefixtures("keys")
async def test_reopen_paints_no_empty_frame(make_app: AppBuilder, isolated_home: Path) -> None:
    """Every frame the reopened research's screen paints shows the replayed research, in
    the wide layout of its 120 columns."""
    session_id = write_session(isolated_home / "data" / "sessions", canned_events(rounds=3))
    app = make_app()
    painted: list[tuple[bool, bool]] = []
    async with app.run_test(size=(120, 36)) as pilot:
        display = app._display

        def hooked(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None and isinstance(app.screen, ResearchScreen):
                painted.append((app.screen.replayed, app.screen.has_class("-wide")))

        app._display = hooked  # type: ignore[method-assign]
        app.action_open_session(session_id)
        await replayed(pilot)
        await settled(pilot)
    assert painted and all(done and wide for done, wide in painted), painted


@pytest.mark.usefixtures("keys")
async def test_open_builds_home_only_when_going_back(
    make_app: AppBuilder, isolated_home: Path
) -> None:
    """``--open``: the research is built alone; q (back) shows Home, its list loaded."""
    from textual.widgets import Input

    from tests.pilot_helpers import wait_for
    from tui.screens.home import HomeScreen

    session_id = write_session(isolated_home / "data" / "sessions", canned_events(rounds=2))
    app = make_app(open_session=session_id)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await replayed(pilot)
        assert not [s for s in app.screen_stack if isinstance(s, HomeScreen)]
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen) and app.screen.loaded)
        assert screen not in app.screen_stack and len(app.screen_stack) == 2
        await pilot.press("q")  # on Home, q is text in the topic field: the app stays
        await wait_for(pilot, lambda: app.screen.query_one("#topic", Input).value == "q")
        assert isinstance(app.screen, HomeScreen)
