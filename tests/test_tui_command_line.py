"""What the command line asks for (``deepresearch-tui "TOPIC"``, ``--open ID``) happens once.

A later visit to Settings must not start the same research again (it spends quota) or
jump back to a research the user has already left.
"""

from __future__ import annotations

from typing import Any

from core.config import load
from tests.pilot_helpers import finished, wait_for
from tests.snapshot_apps.scripted import canned_events, scripted_factory, write_session
from tui.app import DeepResearchApp
from tui.screens.home import HomeScreen
from tui.screens.research import ResearchScreen
from tui.screens.settings import SettingsScreen

TOPIC = "Solid-state batteries"


class _NoStore:
    def roots(self) -> list[Any]:
        return []


def make_app(**kwargs: Any) -> tuple[DeepResearchApp, list[int]]:
    """The app with the scripted engine; the list counts the engines it made."""
    made: list[int] = []
    factory = scripted_factory()

    def counting(*args: Any, **kw: Any) -> Any:
        made.append(1)
        return factory(*args, **kw)

    app = DeepResearchApp(
        load(), engine_factory=counting, store_factory=lambda config: (_NoStore(), []), **kwargs
    )
    return app, made


async def _settings_round_trip(pilot: Any, close_key: str) -> None:
    app = pilot.app
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
    await pilot.press(close_key)
    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
    await pilot.pause()


async def test_start_topic_runs_once(keys: None) -> None:
    app, made = make_app(start_topic=TOPIC)
    async with app.run_test(size=(100, 30)) as pilot:
        # On top, or already under the report it opened by itself (a fast scripted run).
        await wait_for(pilot, lambda: any(isinstance(s, ResearchScreen) for s in app.screen_stack))
        screen = next(s for s in app.screen_stack if isinstance(s, ResearchScreen))
        await finished(pilot, screen)  # and close the report that opened by itself
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await _settings_round_trip(pilot, "ctrl+s")  # save
        await _settings_round_trip(pilot, "ctrl+s")
        assert isinstance(app.screen, HomeScreen)
        assert len(made) == 1


async def test_open_session_opens_once(keys: None) -> None:
    session_id = write_session(load().sessions_dir, canned_events())
    app, _ = make_app(open_session=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ResearchScreen))
        screen = app.screen
        assert isinstance(screen, ResearchScreen)
        await wait_for(pilot, lambda: screen.replayed)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await _settings_round_trip(pilot, "escape")  # cancel
        await _settings_round_trip(pilot, "ctrl+s")  # save
        assert isinstance(app.screen, HomeScreen)


async def test_topic_waits_in_the_form_when_first_settings_is_cancelled() -> None:
    """No keys: Settings opens first; cancelling it leaves the topic typed in, not lost."""
    app, made = make_app(start_topic=TOPIC)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.pause()
        assert app.screen.query_one("#topic").value == TOPIC  # type: ignore[attr-defined]
        assert app.start_topic is None and not made
