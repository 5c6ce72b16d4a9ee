"""Running the real engine in a test, against whatever the fakes serve (shared by the
engine and trust tests, so no test module imports another)."""

from __future__ import annotations

import asyncio
from typing import Any

from core.config import Config
from core.events import Event
from core.research import ResearchEngine, ResearchOptions


def run_engine(
    config: Config, topic: str, *, rounds: int = 2, breadth: int = 4, **kwargs: Any
) -> tuple[ResearchEngine, list[Event], object]:
    """One research to its end on a fresh loop: the engine, every event it emitted, and
    its result."""
    seen: list[Event] = []
    engine = ResearchEngine(config, on_event=seen.append, **kwargs)

    async def go() -> object:
        try:
            return await engine.run(topic, ResearchOptions(rounds=rounds, breadth=breadth))
        finally:
            await engine.aclose()

    return engine, seen, asyncio.run(go())
