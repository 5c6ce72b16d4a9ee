"""Home, Settings, Help, Confirm and the command palette, each in a tiny host app.

The host app (``tests.pilot_helpers.Host``) stands in for ``tui.app.DeepResearchApp``.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from neo4j.exceptions import ServiceUnavailable
from textual.app import App
from textual.widgets import Input, Static

from core import config as config_mod
from core.config import Config
from tests.fakes.neo4j_driver import FakeNeo4j
from tests.pilot_helpers import (
    GEMINI_KEY,
    TAVILY_KEY,
    Host,
    home_loaded,
    keyed_config,
    notified,
    on_top,
    screen_text,
    shown,
    wait_for,
)
from tui.commands import SavedResearchProvider, system_commands
from tui.screens.confirm import ConfirmScreen
from tui.screens.export import ExportScreen
from tui.screens.help import ALL_KEYS, HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.settings import TEST_TIMEOUT_S, SettingsScreen
from tui.widgets.session_table import SessionTable, humanize_age, started_label

SIZES = [(80, 24), (200, 50)]
SHOTS = os.environ.get("DRT_SCREENSHOTS")
"""Set to a folder to save SVG screenshots of every screen while the tests run."""


def shot(app: App[Any], name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        width, height = app.size
        app.save_screenshot(f"{name}-{width}x{height}.svg", path=SHOTS)


# --- Home: the form ----------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_empty_topic_is_refused_with_a_message(size: tuple[int, int]) -> None:
    app = Host(keyed_config(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=size) as pilot:
        screen = await home_loaded(pilot)
        assert screen.focused is screen.query_one("#topic")
        await pilot.press("enter")
        error = screen.query_one("#form-error", Static)
        await wait_for(
            pilot,
            lambda: error.display and "Type a topic first." in str(error.render()),
            "the form refused the empty topic",
        )
        assert app.started == []  # refused: the handler ran and posted nothing
        shot(app, "home-error")


@pytest.mark.parametrize("size", SIZES)
async def test_valid_form_posts_start_research(size: tuple[int, int]) -> None:
    app = Host(keyed_config(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=size) as pilot:
        screen = await home_loaded(pilot)
        await pilot.press(*"solid state batteries")
        rounds = screen.query_one("#rounds", Input)
        rounds.value = "5"
        screen.query_one("#breadth", Input).value = "2"
        screen.query_one("#language", Input).value = "Deutsch"
        await pilot.click("#start")
        await wait_for(pilot, lambda: len(app.started) == 1, "the research started")
        started = app.started[0]
        assert (started.topic, started.rounds, started.breadth, started.language) == (
            "solid state batteries",
            5,
            2,
            "Deutsch",
        )
        assert not screen.query_one("#form-error").display


async def test_defaults_come_from_config_and_bad_numbers_are_refused() -> None:
    config = keyed_config()
    config.research.rounds = 7
    config.research.breadth = 3
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await home_loaded(pilot)
        assert screen.query_one("#rounds", Input).value == "7"
        assert screen.query_one("#breadth", Input).value == "3"
        assert screen.query_one("#language", Input).value == ""
        screen.query_one("#topic", Input).value = "x"
        screen.query_one("#rounds", Input).value = "99"
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: "Rounds must be 1 to 20." in str(screen.query_one("#form-error").render()),
            "the form refused 99 rounds",
        )
        assert app.started == []
        # language empty = the topic's language
        screen.query_one("#rounds", Input).value = "2"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.started) == 1, "the research started")
        assert app.started[-1].language == "" and app.started[-1].rounds == 2


async def test_missing_keys_are_named_on_home_and_block_start() -> None:
    app = Host(config_mod.load(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await home_loaded(pilot)
        warning = screen.query_one("#keys-warning", Static)
        assert warning.display and "ctrl+s" in str(warning.render())
        screen.query_one("#topic", Input).value = "anything"
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: "API keys" in str(screen.query_one("#form-error").render()),
            "the form refused to start without keys",
        )
        assert app.started == []


async def test_empty_state_explains_what_to_do() -> None:
    app = Host(keyed_config(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await home_loaded(pilot)
        empty = screen.query_one("#empty-state", Static)
        assert empty.display
        assert "No saved researches yet" in str(empty.render())
        shot(app, "home-empty")


async def test_the_focused_panel_is_marked_and_tab_inside_it_restyles_nothing() -> None:
    """The bright border follows the focus from panel to panel; moving inside the form
    (the topic to the rounds field) restyles no widget (``:focus-within`` restyled all the
    form's inputs at each move)."""
    app = Host(keyed_config(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await home_loaded(pilot)
        form, saved = screen.query_one("#new-research"), screen.query_one("#saved")
        await wait_for(pilot, lambda: app.focused is screen.query_one("#topic"))
        assert form.has_class("-focus-within") and not saved.has_class("-focus-within")

        restyled: list[Any] = []
        update_nodes = app.stylesheet.update_nodes

        def counting(nodes: Any, animate: bool = False) -> None:
            nodes = list(nodes)
            restyled.extend(nodes)
            update_nodes(nodes, animate=animate)

        app.stylesheet.update_nodes = counting  # type: ignore[method-assign]
        screen.query_one("#rounds", Input).focus()
        await wait_for(pilot, lambda: app.focused is screen.query_one("#rounds"))
        await pilot.pause()
        moved = {screen.query_one("#topic"), screen.query_one("#rounds")}
        in_form = set(form.walk_children(with_self=True))
        assert moved <= set(restyled)  # the count can fail: focus does restyle these two
        assert {n for n in restyled if n in in_form} - moved == set()

        screen.query_one("#filter", Input).focus()
        await wait_for(pilot, lambda: saved.has_class("-focus-within"))
        assert not form.has_class("-focus-within")


def test_humanize_age() -> None:
    now = 1_800_000_000.0
    assert humanize_age(now - 5, now) == "just now"
    assert humanize_age(now - 300, now) == "5 min ago"
    assert humanize_age(now - 3 * 3600, now) == "3 h ago"
    assert humanize_age(now - 86400 - 10, now) == "yesterday"
    assert humanize_age(now - 4 * 86400, now) == "4 days ago"
    assert humanize_age(0, now) == "—"


# --- Home: the saved list ----------------------------------------------------------------


def test_started_label() -> None:
    now = time.mktime((2025, 11, 23, 18, 30, 0, 0, 0, -1))
    assert started_label(now - 3600, now) == "today 17:30"
    assert started_label(now - 2 * 86400, now) == "Nov 21 18:30"
    assert started_label(now - 400 * 86400, now) == "2024-10-19"
    assert started_label(0, now) == "—"


@pytest.mark.parametrize("size", SIZES)
async def test_same_topic_researches_are_told_apart_by_their_start(
    size: tuple[int, int],
) -> None:
    from core.sessions import SessionInfo, SessionStore

    config = keyed_config()
    store = SessionStore(config.sessions_dir)
    now = time.time()
    for number in range(12):  # enough rows for a scrollbar, listed below the two
        handle = store.create(f"filler {number}")
        handle.write_info(SessionInfo(id=handle.id, topic="filler", created=1e9, updated=1e9))
    for started in (now - 2 * 86400, now - 2 * 86400 + 3600):
        handle = store.create("same topic")
        handle.write_info(
            SessionInfo(
                id=handle.id, topic="same topic", status="done", created=started, updated=now - 60
            )
        )
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=size) as pilot:
        await home_loaded(pilot)
        labels = [started_label(s) for s in (now - 2 * 86400, now - 2 * 86400 + 3600)]
        await shown(pilot, "Started", *labels)  # painted on a refresh after the load


def make_sessions(config: Config, topics: list[str]) -> list[str]:
    from core import sessions
    from core.events import RoundFinished, RoundStarted, SessionStarted

    store = sessions.SessionStore(config.sessions_dir)
    ids = []
    for topic in topics:
        handle = store.create(topic)
        recorder = sessions.SessionRecorder(handle)
        events = [
            SessionStarted(topic=topic, rounds=3, breadth=2),
            RoundStarted(round=1),
            RoundFinished(round=1),
        ]
        for seq, event in enumerate(events, 1):
            recorder(event.stamped(handle.id, seq))
        ids.append(handle.id)
    return ids


@pytest.mark.parametrize("size", SIZES)
async def test_saved_list_shows_sessions_and_filter_narrows(size: tuple[int, int]) -> None:
    config = keyed_config()
    ids = make_sessions(config, ["quantum error correction", "history of [tea]", "coral reefs"])
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=size) as pilot:
        screen = await home_loaded(pilot)
        table = screen.query_one(SessionTable)
        assert sorted(table.shown_ids) == sorted(ids)
        assert not screen.query_one("#empty-state").display
        # painted on the next refresh; markup-like topics are shown literally
        await wait_for(pilot, lambda: "history of [tea]" in screen_text(app))
        assert "coral reefs" in screen_text(app)
        shot(app, "home-list")
        table.focus()  # in the topic field "/" is just a character
        await pilot.press("slash")
        assert screen.focused is screen.query_one("#filter")
        await pilot.press(*"coral")
        await wait_for(pilot, lambda: table.shown_ids == [ids[2]], "the list filtered")
        await pilot.press(*"zzz")
        await wait_for(pilot, lambda: table.shown_ids == [], "nothing matches")
        assert "No saved research matches" in str(screen.query_one("#empty-state").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(table.shown_ids) == 3, "the filter cleared")
        # Enter on a row opens it
        table.focus()
        table.move_cursor(row=table.get_row_index(ids[0]))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.opened == [ids[0]], "the row opened")


async def test_down_in_the_filter_goes_on_to_the_rows_it_left() -> None:
    """As in a picker: /, a few letters, ↓ and Enter open what was found. With no row
    left, ↓ keeps the cursor in the filter."""
    config = keyed_config()
    ids = make_sessions(config, ["quantum error correction", "coral reefs"])
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await home_loaded(pilot)
        table = screen.query_one(SessionTable)
        filter_field = screen.query_one("#filter")
        filter_field.focus()
        await pilot.press(*"zzz")
        await wait_for(pilot, lambda: table.shown_ids == [], "nothing matches")
        await pilot.press("down")
        assert screen.focused is filter_field
        await pilot.press("backspace", "backspace", "backspace", *"coral")
        await wait_for(pilot, lambda: table.shown_ids == [ids[1]], "the list filtered")
        await pilot.press("down")
        await wait_for(pilot, lambda: screen.focused is table, "down went to the rows")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.opened == [ids[1]], "the found row opened")


async def answer_delete(pilot: Any, key: str) -> None:
    """Ask to delete the research under the cursor with ``key`` and answer Delete: Keep
    has the focus first, so the answer is a deliberate move to the Delete button."""
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    dialog = app.screen
    await wait_for(pilot, lambda: focused_id(dialog) == "confirm-no", "Keep focused first")
    await pilot.press("tab")
    await wait_for(pilot, lambda: focused_id(dialog) == "confirm-yes", "Delete focused")
    await pilot.press("enter")


async def test_delete_asks_and_removes() -> None:
    config = keyed_config()
    ids = make_sessions(config, ["keep me", "delete me"])
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await home_loaded(pilot)
        table = screen.query_one(SessionTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(ids[1]))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        shot(app, "confirm-delete")
        await pilot.press("enter")  # "Keep" has focus
        await wait_for(pilot, lambda: app.screen is screen)
        assert sorted(table.shown_ids) == sorted(ids)
        await answer_delete(pilot, "delete")  # the Delete key is an alias of d
        await wait_for(pilot, lambda: table.shown_ids == [ids[0]], limit=20)
        from core.sessions import SessionStore

        assert [info.id for info in SessionStore(config.sessions_dir).list()] == [ids[0]]


async def test_a_delete_that_cannot_happen_says_why_and_keeps_the_research() -> None:
    """A research another window is running cannot be deleted: Home says why (the delete
    worker's error) and the row stays."""
    from core.sessions import SessionStore

    config = keyed_config()
    ids = make_sessions(config, ["keep me", "running elsewhere"])
    lock = SessionStore(config.sessions_dir).open(ids[1]).claim()  # another window's run
    try:
        app = Host(config, lambda app: HomeScreen(app.config))
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await home_loaded(pilot)
            table = screen.query_one(SessionTable)
            table.focus()
            table.move_cursor(row=table.get_row_index(ids[1]))
            await answer_delete(pilot, "d")
            await wait_for(pilot, lambda: notified(app, "Could not delete"), limit=20)
            assert notified(app, "running in another window")
            assert sorted(table.shown_ids) == sorted(ids)
    finally:
        lock.release()
    assert len(SessionStore(config.sessions_dir).list()) == 2


async def test_a_slow_reading_of_the_list_never_puts_a_deleted_research_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Home reads its list when a dialog closes and again once a delete has run; a thread
    cannot be stopped, so the first reading, slowed down, could finish second and show the
    deleted research again (a flaky delete test on a loaded box). Only the latest reading
    is shown now. Here the first reading is held until the second is on screen."""
    import threading

    from core.sessions import SessionStore

    config = keyed_config()
    ids = make_sessions(config, ["keep me", "delete me"])
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await home_loaded(pilot)
        table = screen.query_one(SessionTable)
        assert sorted(table.shown_ids) == sorted(ids)
        real_list = SessionStore.list
        readings: list[int] = []
        let_first_go = threading.Event()

        def held_first(store: SessionStore) -> list[Any]:
            listed = real_list(store)
            readings.append(len(listed))
            if len(readings) == 1:
                let_first_go.wait(30)
            return listed

        monkeypatch.setattr(SessionStore, "list", held_first)
        screen.reload()  # the first reading: both researches, then held
        first = next(w for w in app.workers if w.group == "home-sessions")
        await wait_for(pilot, lambda: readings == [2], "the first reading listed both")
        SessionStore(config.sessions_dir).delete(ids[1])
        screen.reload()  # the second reading, after the delete
        await wait_for(pilot, lambda: table.shown_ids == [ids[0]], "the second reading shown")
        let_first_go.set()
        await wait_for(pilot, lambda: first.is_finished, "the first reading done")
        handled = asyncio.Event()
        screen.call_later(handled.set)  # after the first reading's message, in order
        await wait_for(pilot, handled.is_set)
        assert table.shown_ids == [ids[0]]


async def test_typing_a_word_on_the_list_deletes_nothing() -> None:
    """Typing "daily" while the list has focus: d opens the delete question, and no later
    letter (the y in particular) answers it; Enter then keeps the research."""
    config = keyed_config()
    ids = make_sessions(config, ["daily news"])
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await home_loaded(pilot)
        table = screen.query_one(SessionTable)
        table.focus()
        await wait_for(pilot, lambda: screen.focused is table, "the list focused")
        await pilot.press(*"daily")
        dialog = await on_top(pilot, ConfirmScreen)
        await shown(pilot, "tab then enter to delete")
        screen.loaded = False  # set again by the reload Home does once the dialog is answered
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and screen.loaded, "Home reloaded")
        # Had any letter answered "yes", its delete worker would have started before the
        # reload; once every worker is done, the research must still be on disk.
        await app.workers.wait_for_complete()
        assert dialog not in app.screen_stack
        assert not notified(app, "Deleted")
    from core.sessions import SessionStore

    assert [info.id for info in SessionStore(config.sessions_dir).list()] == ids


async def test_confirm_question_is_shown_whole() -> None:
    """At 80x24 the dialog used to cut "can" off the end of a wrapped line."""
    question = (
        "The research is running. Interrupt it and go back? It is saved and can be resumed later."
    )
    app = Host(keyed_config(), lambda app: ConfirmScreen(question, yes="Interrupt", no="Stay"))
    async with app.run_test(size=(80, 24)) as pilot:
        await on_top(pilot, ConfirmScreen)

        def words() -> str:
            return " ".join(re.sub("[█▀▄▔▁]", " ", screen_text(app)).split())

        # no word cut off at the dialog's edge
        await wait_for(pilot, lambda: question in words(), "the whole question on screen")


@pytest.mark.parametrize("fmt", ["md", "json"])
async def test_export_writes_a_file_that_outlives_the_research(fmt: str) -> None:
    from core import sessions
    from core.record.exports import export_name

    config = keyed_config()
    (session_id,) = make_sessions(config, ["export this"])
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await home_loaded(pilot)
        screen.query_one(SessionTable).focus()
        await pilot.press("e")
        await on_top(pilot, ExportScreen)  # "m" or "j" sent earlier would land on the list
        shot(app, "export")
        await pilot.press("m" if fmt == "md" else "j")
        target = config.data_dir / "exports" / export_name("export this", session_id, fmt)
        assert target.name.startswith("export-this-")
        await wait_for(pilot, target.exists)
        assert "export this" in target.read_text(encoding="utf-8")
    sessions.SessionStore(config.sessions_dir).delete(session_id)
    assert target.exists(), "deleting a research keeps what was exported from it"


# --- Settings ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_settings_saves_keys_0600_and_never_shows_them(size: tuple[int, int]) -> None:
    config = config_mod.load()
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=size) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        screen.query_one("#gemini-api-key", Input).value = GEMINI_KEY
        screen.query_one("#tavily-api-key", Input).value = TAVILY_KEY
        screen.query_one("#research-rounds", Input).value = "4"
        # the typed key is painted (masked) before the text is read for it
        await wait_for(pilot, lambda: "•" * 8 in screen_text(app), "a masked key on screen")
        text = screen_text(app)
        assert GEMINI_KEY not in text and TAVILY_KEY not in text
        await pilot.press("ctrl+s")
        # keys present: dismissed with True
        await wait_for(pilot, lambda: app.results == [True], "Settings dismissed with True")
        path = config.path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        reloaded = config_mod.load()
        assert reloaded.gemini.api_key == GEMINI_KEY
        assert reloaded.tavily.api_key == TAVILY_KEY
        assert reloaded.research.rounds == 4
        # only changed values are written: the model default stays out of the file
        assert "model" not in reloaded.file_values.get("gemini", {})


async def test_settings_shows_only_last_four_of_a_saved_key() -> None:
    config = keyed_config()
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(200, 50)) as pilot:
        await on_top(pilot, SettingsScreen)
        text = await shown(pilot, "abcd", "wxyz")  # last four, as "…abcd"
        assert GEMINI_KEY not in text
        assert app.screen.query_one("#gemini-api-key", Input).value == ""
        shot(app, "settings")


async def test_first_launch_explains_missing_keys() -> None:
    config = config_mod.load()
    app = Host(config, lambda app: SettingsScreen(app.config, first_launch=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await on_top(pilot, SettingsScreen)
        intro = str(app.screen.query_one("#settings-intro", Static).render())
        assert "GEMINI_API_KEY" in intro and "TAVILY_API_KEY" in intro
        assert str(config.path) in intro
        assert config_mod.GEMINI_KEY_URL in intro and config_mod.TAVILY_KEY_URL in intro
        shot(app, "settings-first-launch")
        # saving without keys keeps the screen up and says what is missing
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: notified(app, "Still missing"), "the save said what is missing"
        )
        assert isinstance(app.screen, SettingsScreen) and app.results == []
        # escape leaves without crashing and returns False
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results == [False], "Settings dismissed with False")
        await wait_for(pilot, lambda: not isinstance(app.screen, SettingsScreen), "Settings gone")


async def test_env_values_are_shown_as_env_and_not_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", GEMINI_KEY)
    config = config_mod.load()
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        assert screen.query_one("#gemini-api-key", Input).disabled
        assert "from env GEMINI_API_KEY" in screen_text(app)
        screen.query_one("#tavily-api-key", Input).value = TAVILY_KEY
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results == [True], "Settings dismissed with True")
    written = config.path.read_text(encoding="utf-8")
    assert GEMINI_KEY not in written and TAVILY_KEY in written


async def test_invalid_settings_are_refused() -> None:
    config = keyed_config()
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        screen.query_one("#research-breadth", Input).value = "0"
        screen.query_one("#neo4j-uri", Input).value = "http://nope"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "Not saved"), "the save refused")
        assert isinstance(app.screen, SettingsScreen) and app.results == []
        assert not config.path.exists()


async def test_test_connection_unreachable_shows_error() -> None:
    config = keyed_config()
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        screen.query_one("#neo4j-uri", Input).value = "bolt://127.0.0.1:1"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: screen.test_result and screen.test_result[0] is False)
        row = screen.query_one("#neo4j-result")
        await wait_for(pilot, lambda: "Could not connect" in str(row.render()), "the row says so")
        assert row.has_class("-error")


def record_test_results(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text the Neo4j test row shows, "Connecting…" included."""
    shown: list[str] = []
    original = SettingsScreen._show_test

    def recording(self: SettingsScreen, ok: bool | None, text: str) -> None:
        shown.append(text)
        original(self, ok, text)

    monkeypatch.setattr(SettingsScreen, "_show_test", recording)
    return shown


async def test_test_connection_never_shows_the_password(
    fake_neo4j: FakeNeo4j, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = "bolt://admin:pw-secret-123@db.example:7687"
    fake_neo4j.connect_error = ServiceUnavailable(f"Couldn't connect to {uri} (pw-secret-123)")
    shown = record_test_results(monkeypatch)
    app = Host(keyed_config(), lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        screen.query_one("#neo4j-uri", Input).value = uri
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: screen.test_result and screen.test_result[0] is False)
        assert shown[0] == "Connecting to bolt://db.example:7687…"
        assert "Couldn't connect to bolt://db.example:7687" in shown[-1]
        assert not any("pw-secret-123" in text for text in shown)
        assert fake_neo4j.last.config["auth"] == ("admin", "pw-secret-123")


async def test_test_connection_success_names_the_server_without_credentials(
    fake_neo4j: FakeNeo4j,
) -> None:
    app = Host(keyed_config(), lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        screen.query_one("#neo4j-uri", Input).value = "neo4j+s://admin:pw-secret-123@db.example"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: screen.test_result and screen.test_result[0] is True)
        assert screen.test_result == (True, "Connected to neo4j+s://db.example.")
        assert fake_neo4j.last.config["connection_acquisition_timeout"] == TEST_TIMEOUT_S


async def test_a_slower_earlier_neo4j_test_never_replaces_the_latest_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A test of a wrong address that times out, the address corrected, ctrl+t again: the
    first test's failure, arriving last, replaced the second's success. Only the newest
    test's answer is shown now (``tui.latest``); the first is held until the second shows."""
    import asyncio
    import threading

    import tui.screens.settings as settings_module

    let_first_go = threading.Event()
    tested: list[str] = []

    def check(uri: str, user: str, password: str) -> str:
        tested.append(uri)
        if len(tested) == 1:
            let_first_go.wait(30)
            raise OSError("timed out")
        return uri

    monkeypatch.setattr(settings_module, "check_neo4j", check)
    app = Host(keyed_config(), lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        uri = screen.query_one("#neo4j-uri", Input)
        uri.value = "bolt://wrong.example:7687"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: len(tested) == 1, "the first test under way")
        first = next(w for w in app.workers if w.group == "settings-neo4j")
        uri.value = "bolt://db.example:7687"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: screen.test_result and screen.test_result[0] is True)
        let_first_go.set()
        await wait_for(pilot, lambda: first.is_finished, "the first test done")
        handled = asyncio.Event()
        screen.call_later(handled.set)  # after the first test's message, in order
        await wait_for(pilot, handled.is_set)
        assert screen.test_result == (True, "Connected to bolt://db.example:7687.")


async def test_the_form_checks_the_uri_scheme_with_the_configs_rule() -> None:
    from core.config import neo4j_uri_problem

    app = Host(keyed_config(), lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        screen.query_one("#neo4j-uri", Input).value = "localhost:7687"
        _, problems = screen.collect()
        problem = neo4j_uri_problem("localhost:7687")
        assert problem is not None and problem[1:] + "." in problems[0]
        screen.query_one("#neo4j-uri", Input).value = "neo4j+ssc://db.example"
        assert screen.collect() == ({"neo4j.uri": "neo4j+ssc://db.example"}, [])


async def test_neo4j_test_result_is_brought_into_view() -> None:
    """ctrl+t from the top of the form: the answer is below the fold unless scrolled to."""
    app = Host(keyed_config(), lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: screen.test_result is not None)
        await shown(pilot, "Type a Neo4j URI first")  # scrolled into view


async def test_settings_placeholders_fit_their_fields_at_80_columns() -> None:
    config = keyed_config()
    config.neo4j.password = "a-saved-password"
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        await on_top(pilot, SettingsScreen)
        fields = list(app.screen.query("#settings-form Input").results(Input))
        await wait_for(
            pilot,
            lambda: all(field.content_region.width > 0 for field in fields),
            "every field laid out",
        )
        assert any(field.password for field in fields)
        for field in fields:
            assert len(field.placeholder) <= field.content_region.width, field.id
        uri = app.screen.query_one("#neo4j-uri", Input)
        assert uri.placeholder.startswith("e.g. ")  # an example, not a default in effect


# --- Help, Confirm, palette --------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
async def test_help_lists_context_and_all_keys(size: tuple[int, int]) -> None:
    config = keyed_config()
    make_sessions(config, ["one saved research"])
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=size) as pilot:
        await home_loaded(pilot)
        home = app.screen
        table = home.query_one(SessionTable)
        table.focus()  # no text input has focus: ? is a key
        await wait_for(pilot, lambda: home.focused is table, "the list focused")
        await pilot.press("question_mark")
        await on_top(pilot, HelpScreen)
        context = {keys: title for keys, title, _ in app.screen.context_bindings}
        assert context["/"] == "Filter saved researches"
        assert context["d, del"] == "Delete the selected research"
        text = await shown(pilot, "Keys", "Filter saved researches")  # Home's keys come first
        shot(app, "help")
        if size[1] >= 50:  # at 80x24 the list of all keys is below the fold
            assert "Command palette" in text
        await pilot.press("q")
        await wait_for(pilot, lambda: app.screen is home, "back on Home")
    assert any(key == "space" for _, key, _ in ALL_KEYS)


async def test_confirm_keys() -> None:
    app = Host(keyed_config(), lambda app: ConfirmScreen("Really?"))
    async with app.run_test(size=(80, 24)) as pilot:
        await on_top(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.results == [True], "answered yes")
    app = Host(keyed_config(), lambda app: ConfirmScreen("Really?"))
    async with app.run_test(size=(80, 24)) as pilot:
        await on_top(pilot, ConfirmScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results == [False], "answered no")


async def test_destructive_confirm_takes_no_letters() -> None:
    app = Host(keyed_config(), lambda app: ConfirmScreen("Delete?", destructive=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await on_top(pilot, ConfirmScreen)
        await pilot.press("y", "n", "enter")  # Enter presses the focused button: Keep
        await wait_for(pilot, lambda: app.results != [], "the dialog answered")
        assert app.results == [False]
    app = Host(keyed_config(), lambda app: ConfirmScreen("Delete?", destructive=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await on_top(pilot, ConfirmScreen)
        await pilot.press("y", "n", "left", "enter")
        await wait_for(pilot, lambda: app.results != [], "the dialog answered")
        assert app.results == [True]


async def test_system_commands_and_saved_research_provider() -> None:
    config = keyed_config()
    ids = make_sessions(config, ["palette topic"])
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        await home_loaded(pilot)
        titles = [command.title for command in system_commands(app)]
        assert titles == ["New research", "Settings", "Help", "Toggle dark/light theme", "Quit"]
        toggle = next(c for c in system_commands(app) if c.title.startswith("Toggle"))
        dark = app.current_theme.dark
        toggle.callback()
        assert app.current_theme.dark is not dark

        provider = SavedResearchProvider(app.screen)
        await provider.startup()
        hits = [hit async for hit in provider.search("palette")]
        assert len(hits) == 1
        hits[0].command()
        await wait_for(pilot, lambda: app.opened == ids, "the hit opened its research")
        discovered = [hit async for hit in provider.discover()]
        assert discovered and "palette topic" in str(discovered[0].display)


@pytest.mark.parametrize("size", SIZES)
async def test_settings_buttons_are_on_screen_above_the_footer(size: tuple[int, int]) -> None:
    """Save and Cancel were docked under the Footer: invisible, yet reachable with Tab."""
    from textual.widgets import Button, Footer

    app = Host(config_mod.load(), lambda app: SettingsScreen(app.config, first_launch=True))
    async with app.run_test(size=size) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        await wait_for(
            pilot,
            lambda: all(
                screen.query_one(selector).region.area > 0
                for selector in (Footer, "#save", "#cancel")
            ),
            "the footer and the buttons laid out",
        )
        footer = screen.query_one(Footer).region
        for button_id in ("save", "cancel"):
            region = screen.query_one(f"#{button_id}", Button).region
            assert region.area > 0, button_id
            assert screen.region.contains_region(region), button_id
            assert not region.overlaps(footer), button_id
            assert region.bottom <= footer.y, button_id
        shot(app, "settings-buttons")


async def test_tab_order_is_screen_order_and_enter_on_test_does_not_save() -> None:
    from textual.widgets import Button

    config = config_mod.load()
    app = Host(config, lambda app: SettingsScreen(app.config, first_launch=True))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        test_button = screen.query_one("#test-neo4j", Button)
        test_button.focus()
        await wait_for(pilot, lambda: screen.focused is test_button, "the Test button focused")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.test_result is not None)
        assert "Type a Neo4j URI first" in screen.test_result[1]
        assert not config.path.exists()
        assert isinstance(app.screen, SettingsScreen) and not screen.saved
        order = [widget.id for widget in screen.focus_chain if isinstance(widget, Button)]
        assert order == ["test-neo4j", "save", "cancel"]
        await pilot.press("tab")
        assert screen.focused is not None and screen.focused.id == "save"
        assert screen.focused.region.overlaps(screen.region)


async def test_an_http_neo4j_uri_is_explained_not_sent_to_the_driver(
    fake_neo4j: FakeNeo4j,
) -> None:
    app = Host(keyed_config(), lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        screen.query_one("#neo4j-uri", Input).value = "http://localhost:7474"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: screen.test_result is not None)
        ok, text = screen.test_result
        assert ok is False
        assert "bolt://localhost:7687" in text and "neo4j://localhost:7687" in text
        assert not fake_neo4j.drivers  # never handed to the driver
        _, problems = screen.collect()
        assert any("bolt://localhost:7687" in problem for problem in problems)


def focused_id(screen: object) -> str | None:
    """The id of the widget with focus on ``screen`` (a press sent before the dialog has
    set its focus would land on the wrong button)."""
    focused = getattr(screen, "focused", None)
    return getattr(focused, "id", None)
