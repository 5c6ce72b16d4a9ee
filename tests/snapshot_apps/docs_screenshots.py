"""Write the README screenshots: ``python -m tests.snapshot_apps.docs_screenshots [DIR]``.

The app saves them itself (``App.save_screenshot``) from a replayed canned research, in a
throw-away config/data folder, so they never show anyone's keys or sessions.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

SIZE = (160, 48)


async def _shoot(out: Path) -> list[Path]:
    from core.config import load
    from tests.snapshot_apps.scripted import canned_events, mid_run_events, write_session
    from tui.app import DeepResearchApp
    from tui.screens.research import ResearchScreen

    class NoStore:
        def roots(self) -> list[Any]:
            return []

    config = load()
    write_session(config.sessions_dir, canned_events())
    session_id = write_session(config.sessions_dir, mid_run_events())
    written = []

    app = DeepResearchApp(config, store_factory=lambda c: (NoStore(), []))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(300):
            if getattr(app.screen, "loaded", False):
                break
            await pilot.pause(0.01)
        await pilot.pause()
        written.append(Path(app.save_screenshot("home.svg", path=str(out))))

    app = DeepResearchApp(config, open_session=session_id,
                          store_factory=lambda c: (NoStore(), []))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(300):
            if isinstance(app.screen, ResearchScreen) and app.screen.replayed:
                break
            await pilot.pause(0.01)
        app.clear_notifications()
        await pilot.pause()
        written.append(Path(app.save_screenshot("research.svg", path=str(out))))
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs").resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DEEPRESEARCH_TUI_CONFIG"] = str(Path(tmp) / "config.toml")
        os.environ["DEEPRESEARCH_TUI_DATA"] = str(Path(tmp) / "data")
        os.environ["GEMINI_API_KEY"] = "screenshot-key"
        os.environ["TAVILY_API_KEY"] = "screenshot-key"
        for path in asyncio.run(_shoot(out)):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
