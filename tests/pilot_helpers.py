"""Helpers shared by the Pilot (TUI) tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

TIMEOUT = 10.0


async def wait_for(pilot: Any, condition: Callable[[], bool], limit: float = TIMEOUT) -> None:
    """Let the app run until ``condition()`` holds; fail after ``limit`` seconds of wall time.

    Tests wait for a state, never for a fixed time, so they are as fast as the app allows.
    """
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


async def finished(pilot: Any, screen: Any, limit: float = TIMEOUT) -> None:
    """Wait for the research on ``screen`` to end, then close the report it opened by itself
    when writing began (back on the research screen)."""
    from tui.screens.report import ReportScreen

    app = pilot.app
    await wait_for(pilot, lambda: screen.state.status == "done", limit)
    await wait_for(pilot, lambda: not screen.running)
    await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen))
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is screen)
