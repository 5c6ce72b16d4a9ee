"""Start-up and reopen, to the first frame a user sees.

- First frame of Home against a bare Textual app (one Label), both as fresh processes
  timed from spawn to their first painted frame (the same method for both); and, for
  information, Home's first frame that shows its saved list (read after the first frame).
- Reopening a saved 20-round research: in process, from pushing its screen to the first
  frame after its events were replayed, against only JSON-decoding its events.jsonl; and
  as a process (``--open``-style start straight into the research).
- For information, the same reopen of a 1-round research: what building the research
  screen costs whatever its length. 20 rounds minus 1 round, over the decode, is what the
  replay of the other 19 rounds costs against reading them: the part of the reopen that
  grows with the research. The fixed part (~60 ms of widgets and a first frame) is far
  above a ~3-5 ms decode.
- For information, the first research a fresh process opens from Home (a second after
  Home is listed and estimated, as a user picks one): what the in-process figure cannot
  show, since its modules are imported once for all its runs.
- For information, two floors pushed the same way in a plain Textual app: a screen of one
  Label (3x the decode is about what it costs), and Textual's stock widgets (Header,
  Static, OptionList, DataTable, Footer) in the research screen's layout holding the same
  steps, round text and sources, the text given ready-made (no events read or replayed).
  "Reopen / stock widgets" is what the app's own screen costs over Textual's plainest way
  to show the same research.

Frames are what ``App._display`` receives in a headless run (``run_test``), so no terminal
is needed; the child prints the wall clock at that frame and the parent subtracts the
moment it spawned the child. The child hooks ``_display`` before the app runs: ``run_test``
returns only after the first frame (``Pilot._wait_for_screen``), so a hook installed inside
it timed a later frame (for Home, the one after its saved list loaded, ~80 ms later).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_live import Figure
from bench.bytecode import compile_project

CHILD = r"""
import os, sys, time, asyncio
kind = sys.argv[1]

async def main():
    if kind == "bare":
        from textual.app import App
        from textual.widgets import Label

        class Bare(App):
            def compose(self):
                yield Label("hello")

        app = Bare()
        ready = lambda: True
    else:
        from core.config import load
        from tui.cli import build_app

        session = os.environ.get("BENCH_OPEN") or None
        app = build_app(load(), open_session=session)  # as deepresearch-tui starts it
        if session:
            def ready():
                screen = app.screen
                return getattr(screen, "replayed", False)
        elif kind == "home-list":
            def ready():
                return type(app.screen).__name__ == "HomeScreen" and app.screen.loaded
        else:
            def ready():
                return type(app.screen).__name__ == "HomeScreen"
    done = asyncio.get_running_loop().create_future()
    display = app._display

    def hooked(screen, renderable):
        display(screen, renderable)
        if renderable is not None and ready() and not done.done():
            done.set_result(time.time())

    app._display = hooked  # before the app runs: its very first frame counts
    async with app.run_test(size=(120, 36)) as pilot:
        print(await asyncio.wait_for(done, 60), flush=True)

asyncio.run(main())
"""


FROM_HOME_CHILD = r"""
import asyncio, os, time

async def main():
    from core.config import load
    from tui.cli import build_app

    app = build_app(load())
    async with app.run_test(size=(120, 36)) as pilot:
        while not getattr(app.screen, "estimated", False):  # Home listed and estimated
            await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)  # a user picks a research: a second at least
        done = asyncio.get_running_loop().create_future()
        display = app._display

        def hooked(screen, renderable):
            display(screen, renderable)
            if renderable is not None and getattr(app.screen, "replayed", False):
                if not done.done():
                    done.set_result(time.perf_counter())

        app._display = hooked
        started = time.perf_counter()
        app.action_open_session(os.environ["BENCH_OPEN"])
        print(await asyncio.wait_for(done, 60) - started, flush=True)

asyncio.run(main())
"""


def _child_figure(code: str, *args: str, env: dict[str, str]) -> float:
    """The number a child process running ``code`` prints last."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1])


def _first_reopen_from_home(env: dict[str, str], session_id: str) -> float:
    """Seconds from opening a saved research on Home to its first full frame, the first
    research of a fresh process (so its modules are not imported yet, unless preloaded)."""
    return _child_figure(FROM_HOME_CHILD, env={**env, "BENCH_OPEN": session_id})


def _first_frame(kind: str, env: dict[str, str]) -> float:
    started = time.time()
    return _child_figure(CHILD, kind, env=env) - started


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEEPRESEARCH_TUI_DATA=str(tmp / "data"),
        DEEPRESEARCH_TUI_CONFIG=str(tmp / "config.toml"),
        GEMINI_API_KEY="bench-gemini-key-1234",
        TAVILY_API_KEY="bench-tavily-key-1234",
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
    )
    env.pop("BENCH_OPEN", None)
    return env


def _one_label_screen() -> Any:
    from textual.screen import Screen
    from textual.widgets import Label

    class OneLabel(Screen[None]):
        def compose(self) -> Any:
            yield Label("hello")

    return OneLabel


def _stock_screen(events_path: Path) -> Any:
    """A screen of Textual's stock widgets in the research screen's layout, holding what a
    reopen of ``events_path`` shows (steps, the last round's three sections, the newest
    sources), worked out here, before the clock starts."""
    from textual.containers import Horizontal, Vertical
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, Header, OptionList, Static

    from core.sessions import load_events
    from core.state import SessionState
    from tui.widgets.steps import build_entries

    state = SessionState.replay(load_events(events_path))
    steps = [entry.label for entry in build_entries(state)]
    shown = state.rounds[state.current_round]
    sections = [shown.text.get(name, "") for name in ("plan", "execution", "reflection")]
    sources = [(str(n), s.title, s.url) for n, s in sorted(state.sources.items(), reverse=True)]

    class StockResearch(Screen[None]):
        BINDINGS = [("s", "app.bell", "Sources"), ("r", "app.bell", "Report")]
        DEFAULT_CSS = """
        OptionList { width: 40; height: 1fr; }
        Vertical > Horizontal > Static { width: 1fr; height: 1fr; }
        DataTable { height: 8; }
        """

        def compose(self) -> Any:
            yield Header()
            yield Static("status")
            yield Static("notice")
            with Horizontal():
                yield OptionList(*steps, markup=False)
                with Vertical():
                    with Horizontal():
                        for text in sections:
                            yield Static(text, markup=False)
                    yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("#", "Newest sources", "URL")
            table.add_rows(sources[:6])

    return StockResearch


async def _first_frame_after(app: Any, start: Any, shown: Any) -> float:
    """From calling ``start()`` in the running ``app`` to the first frame painted once
    ``shown()`` holds."""
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        done = asyncio.get_running_loop().create_future()
        display = app._display

        def hooked(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None and shown() and not done.done():
                done.set_result(time.perf_counter())

        app._display = hooked
        started = time.perf_counter()
        start()
        return float(await asyncio.wait_for(done, 60)) - started


async def _push_in_process(screen_type: Any) -> float:
    """From pushing a new ``screen_type`` in a plain running app to its first frame."""
    from textual.app import App

    app: App[None] = App()
    return await _first_frame_after(
        app, lambda: app.push_screen(screen_type()), lambda: isinstance(app.screen, screen_type)
    )


def _saved_research(env: dict[str, str], rounds: int = 20) -> str:
    """A research (20 rounds unless told), written by the real session recorder."""
    from tests.snapshot_apps.scripted import canned_events, write_session

    sessions = Path(env["DEEPRESEARCH_TUI_DATA"]) / "sessions"
    return write_session(sessions, canned_events(rounds=rounds))


async def _reopen_in_process(session_id: str) -> float:
    from core.config import load
    from tui.app import DeepResearchApp
    from tui.screens.research import ResearchScreen

    app = DeepResearchApp(load())

    def replayed() -> bool:
        screen = app.screen
        return isinstance(screen, ResearchScreen) and screen.replayed

    return await _first_frame_after(app, lambda: app.action_open_session(session_id), replayed)


def measure(repeat: int = 3) -> list[Figure]:
    compile_project()  # timed as every launch but the first (bench/bytecode.py)
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(Path(tmp))
        saved = dict(os.environ)
        os.environ.update(
            {k: env[k] for k in ("DEEPRESEARCH_TUI_DATA", "DEEPRESEARCH_TUI_CONFIG")},
            GEMINI_API_KEY=env["GEMINI_API_KEY"],
            TAVILY_API_KEY=env["TAVILY_API_KEY"],
        )
        try:
            session_id = _saved_research(env)
            short_id = _saved_research(env, rounds=1)
            events_path = Path(env["DEEPRESEARCH_TUI_DATA"]) / "sessions" / session_id
            events_path = events_path / "events.jsonl"
            home, listed, bare, reopen, decode, process = [], [], [], [], [], []
            short: list[float] = []
            one_label, stock, from_home = [], [], []
            stock_screen = _stock_screen(events_path)
            for run in range(repeat):
                bare.append(_first_frame("bare", env))
                home.append(_first_frame("home", env))
                listed.append(_first_frame("home-list", env))
                process.append(_first_frame("home", {**env, "BENCH_OPEN": session_id}))
                from_home.append(_first_reopen_from_home(env, session_id))
                started = time.perf_counter()
                with events_path.open(encoding="utf-8") as lines:
                    decoded = [json.loads(line) for line in lines]
                decode.append(time.perf_counter() - started)
                # Alternate which reopen goes first: the first in a process warms caches.
                if run % 2:
                    short.append(asyncio.run(_reopen_in_process(short_id)))
                reopen.append(asyncio.run(_reopen_in_process(session_id)))
                if not run % 2:
                    short.append(asyncio.run(_reopen_in_process(short_id)))
                one_label.append(asyncio.run(_push_in_process(_one_label_screen())))
                stock.append(asyncio.run(_push_in_process(stock_screen)))
            events = len(decoded)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    ratio_home = tuple(h / b for h, b in zip(home, bare, strict=True))
    ratio_open = tuple(r / d for r, d in zip(reopen, decode, strict=True))
    ratio_stock = tuple(r / s for r, s in zip(reopen, stock, strict=True))
    ratio_growth = tuple(max(r - s, 0.0) / d for r, s, d in zip(reopen, short, decode, strict=True))
    return [
        Figure("first frame: bare Textual app (baseline)", tuple(bare), "s"),
        Figure("first frame: Home", tuple(home), "s", "< 1 s", statistics.median(home) < 1),
        Figure("  Home's first frame with its saved list", tuple(listed), "s"),
        Figure(
            "first frame: Home / bare app",
            ratio_home,
            "x",
            "<= 1.5x",
            statistics.median(ratio_home) <= 1.5,
        ),
        Figure(
            f"reopen 20 rounds: decode {events} events (baseline)", tuple(d * 1000 for d in decode)
        ),
        Figure(
            "reopen 20 rounds: to first full frame, in process", tuple(r * 1000 for r in reopen)
        ),
        Figure(
            "reopen 20 rounds: in process / decode",
            ratio_open,
            "x",
            "<= 3x",
            statistics.median(ratio_open) <= 3,
        ),
        Figure("  reopen 1 round: to first full frame, in process", tuple(s * 1000 for s in short)),
        Figure("  reopen: (20 rounds - 1 round) / decode", ratio_growth, "x"),
        Figure("  a one-Label screen pushed, in process", tuple(o * 1000 for o in one_label)),
        Figure(
            "  Textual's stock widgets, same layout and text, in process",
            tuple(s * 1000 for s in stock),
        ),
        Figure("  reopen 20 rounds / stock widgets", ratio_stock, "x"),
        Figure(
            "  reopen 20 rounds from Home, first in a fresh process",
            tuple(f * 1000 for f in from_home),
        ),
        Figure(
            "reopen 20 rounds: as a process",
            tuple(process),
            "s",
            "< 1 s",
            statistics.median(process) < 1,
        ),
    ]


def run(*, repeat: int = 3) -> int:
    from bench.bench_live import print_table

    print_table(measure(repeat))
    return 0
