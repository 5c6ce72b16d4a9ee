"""What the command line asks for (``deepresearch-tui "TOPIC"``, ``--open ID``) happens once.

A later visit to Settings must not start the same research again (it spends quota) or
jump back to a research the user has already left.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from core.config import load
from tests.conftest import AppBuilder
from tests.pilot_helpers import drained, finished, on_top, replayed, research_screen, wait_for
from tests.snapshot_apps.scripted import canned_events, scripted_factory, write_session
from tui.app import DeepResearchApp
from tui.screens.home import HomeScreen
from tui.screens.settings import SettingsScreen

TOPIC = "Solid-state batteries"


def counted(make_app: AppBuilder, **kwargs: Any) -> tuple[DeepResearchApp, list[int]]:
    """The app with the scripted engine; the list counts the engines it made."""
    made: list[int] = []
    factory = scripted_factory()

    def counting(*args: Any, **kw: Any) -> Any:
        made.append(1)
        return factory(*args, **kw)

    return make_app(engine_factory=counting, **kwargs), made


async def _settings_round_trip(pilot: Any, close_key: str) -> None:
    app = pilot.app
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
    await pilot.press(close_key)
    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
    # the close's callback and Home's resume are handled: a restart would be on its way
    await drained(pilot)


async def test_start_topic_runs_once(keys: None, make_app: AppBuilder) -> None:
    app, made = counted(make_app, start_topic=TOPIC)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)  # and close the report that opened by itself
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await _settings_round_trip(pilot, "ctrl+s")  # save
        await _settings_round_trip(pilot, "ctrl+s")
        assert isinstance(app.screen, HomeScreen)
        assert len(made) == 1


async def test_open_session_opens_once(keys: None, make_app: AppBuilder) -> None:
    session_id = write_session(load().sessions_dir, canned_events())
    app, _ = counted(make_app, open_session=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await replayed(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        await _settings_round_trip(pilot, "escape")  # cancel
        await _settings_round_trip(pilot, "ctrl+s")  # save
        assert isinstance(app.screen, HomeScreen)


async def test_topic_waits_in_the_form_when_first_settings_is_cancelled(
    make_app: AppBuilder,
) -> None:
    """No keys: Settings opens first; cancelling it leaves the topic typed in, not lost."""
    app, made = counted(make_app, start_topic=TOPIC)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.press("escape")
        home = await on_top(pilot, HomeScreen)
        topic = home.query_one("#topic", Input)
        # prefilled instead of started: one branch, so once it shows nothing has started
        await wait_for(pilot, lambda: topic.value == TOPIC, "the topic left in the form")
        assert app.start_topic is None and not made
