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
