"""Write the README screenshots: ``python -m tests.snapshot_apps.docs_screenshots [DIR]``.

The app saves them itself (``App.save_screenshot``) while it researches for real against the
loopback fake Gemini and Tavily servers, in a throw-away config/data folder, so they never
show anyone's keys or sessions. Not a test; still, every shot waits for its state (and for
the screen to settle), never for a fixed time.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (160, 48)
LIVE_TOPIC = "How do heat pumps perform in cold climates?"
SAVED_TOPICS = ("Solid-state batteries for electric cars", "전고체 배터리의 상용화 전망")


async def _wait(pilot: Any, ready: Callable[[], bool]) -> None:
    """A live run against the fakes takes seconds: wait up to a minute for the moment."""
    from tests.pilot_helpers import wait_for

    await wait_for(pilot, ready, limit=60.0)


async def _settled(pilot: Any) -> None:
    """Everything queued handled, laid out and painted: what the screenshot will show."""
    from tests.pilot_helpers import settled

    await settled(pilot, limit=60.0)


async def _saved_researches() -> None:
    from core.config import load
    from core.research import ResearchEngine, ResearchOptions

    config = load()
    config.gemini.rpm = 0
    for topic in SAVED_TOPICS:
        engine = ResearchEngine(config)
        try:
            await engine.run(topic, ResearchOptions(rounds=2))
        finally:
            await engine.aclose()


async def _shoot(out: Path, gemini: Any) -> list[Path]:
    from core.config import load
    from tests.pilot_helpers import report_opened
    from tui.app import DeepResearchApp
    from tui.screens.research import ResearchScreen
    from tui.widgets.mindmap_tree import MindMapTree
    from tui.widgets.session_table import SessionTable

    await _saved_researches()
    written: list[Path] = []

    config = load()
    config.gemini.rpm = 0
    app = DeepResearchApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await _wait(
            pilot,
            lambda: any(t.row_count >= len(SAVED_TOPICS) for t in app.screen.query(SessionTable)),
        )
        await _settled(pilot)
        written.append(Path(app.save_screenshot("home.svg", path=str(out))))

    gemini.chunk_delay_s = 0.01
    app = DeepResearchApp(config, start_topic=LIVE_TOPIC)
    async with app.run_test(size=SIZE) as pilot:

        def round_two_reflecting() -> bool:
            screen = app.screen
            if not isinstance(screen, ResearchScreen):
                return False
            current = screen.state.rounds.get(2)
            return current is not None and len(current.text["reflection"]) > 120

        await _wait(pilot, round_two_reflecting)
        screen = app.screen
        assert isinstance(screen, ResearchScreen)
        app.clear_notifications()
        await _settled(pilot)
        written.append(Path(app.save_screenshot("research.svg", path=str(out))))
        gemini.chunk_delay_s = 0.0
        await _wait(pilot, lambda: screen.state.status == "done")
        # The report opened by itself when it began; the mind map is on the research screen.
        await _wait(pilot, lambda: not screen.running and app.screen is not screen)
        await pilot.press("escape")
        await _wait(pilot, lambda: app.screen is screen)
        app.clear_notifications()
        await pilot.press("m")
        await _wait(
            pilot, lambda: bool(screen.query(MindMapTree)) and screen.query_one(MindMapTree).display
        )
        await _settled(pilot)
        for key in ("right", "down", "right", "down", "right"):
            await pilot.press(key)
            # An expansion loads its children in a worker: wait for it, then for the paint.
            await _wait(pilot, lambda: not any(w.is_running for w in app.workers))
            await _settled(pilot)
        written.append(Path(app.save_screenshot("mindmap.svg", path=str(out))))
        await pilot.press("r")
        await report_opened(pilot, limit=60.0)
        app.clear_notifications()
        await _settled(pilot)
        written.append(Path(app.save_screenshot("report.svg", path=str(out))))
    return written


def main(argv: list[str] | None = None) -> int:
    from tests.fakes.gemini_server import DEFAULT_GEMINI_KEY, FakeGemini
    from tests.fakes.tavily_server import DEFAULT_TAVILY_KEY, FakeTavily

    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs").resolve()
    out.mkdir(parents=True, exist_ok=True)
    gemini, tavily = FakeGemini().start(), FakeTavily().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ.update(
                DEEPRESEARCH_TUI_CONFIG=str(Path(tmp) / "config.toml"),
                DEEPRESEARCH_TUI_DATA=str(Path(tmp) / "data"),
                GEMINI_API_KEY=DEFAULT_GEMINI_KEY,
                TAVILY_API_KEY=DEFAULT_TAVILY_KEY,
                GEMINI_BASE_URL=gemini.base_url,
                TAVILY_BASE_URL=tavily.base_url,
            )
            for path in asyncio.run(_shoot(out, gemini)):
                print(path)
    finally:
        gemini.stop()
        tavily.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
