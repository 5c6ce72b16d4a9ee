"""A finished app is freed, with its screens and its research.

The suite runs hundreds of apps in each process, and one that stays reachable keeps ~100k
objects that every later full garbage collection walks: two such holders (a test engine's
list of instances, a library's logging handler bound to a running app's print capture) made
the suite a fifth slower before they were found.
"""

from __future__ import annotations

import asyncio
import gc
import weakref

from tests.conftest import AppBuilder
from tests.pilot_helpers import report_opened
from tui.app import DeepResearchApp


async def _run_a_research(make_app: AppBuilder) -> weakref.ref[DeepResearchApp]:
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(100, 30)) as pilot:
        await report_opened(pilot)
    return weakref.ref(app)


def test_an_app_that_ran_a_research_is_freed_when_it_ends(keys: None, make_app: AppBuilder) -> None:
    # Its own event loop, closed (with its worker threads, which keep the ``sys.stderr`` of
    # their start: the app's print capture) before the check.
    app_ref = asyncio.run(_run_a_research(make_app))
    gc.collect()
    holders = [type(r).__name__ for r in gc.get_referrers(app_ref())] if app_ref() else []
    assert app_ref() is None, f"the app is still held by {holders}"
