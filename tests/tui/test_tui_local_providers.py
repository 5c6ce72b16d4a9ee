"""The app on the keyless local stack: a research on the fake OpenAI-compatible server and
SearXNG with the real engine and no Gemini or Tavily key; the model's thinking collapsed in
the Execution pane; "waiting for the model" while a call has sent no token; private mode
marked in the status bar and refused when it cannot be honoured; and a first-run Settings
that takes a local model instead of insisting on two keys."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.app import App
from textual.widgets import Input, Select

from core import config as config_mod
from core.config import Config, load
from core.events import LLMCallStarted, LLMFirstToken, SessionStarted
from core.state import SessionState
from tests.fakes.openai_server import DEFAULT_OPENAI_MODEL, FakeOpenAI
from tests.fakes.searxng_server import FakeSearxng
from tests.pilot_helpers import Host, finished, notified, on_top, research_screen, shown, wait_for
from tui.app import DeepResearchApp
from tui.screens.home import HomeScreen
from tui.screens.research import ResearchScreen
from tui.screens.settings import SettingsScreen
from tui.widgets.panes import SectionPane
from tui.widgets.status_bar import StatusBar

WAIT = "waiting for the model"


def local_config(fake_openai: FakeOpenAI, fake_searxng: FakeSearxng) -> Config:
    config = load()
    config.providers.llm = "openai"
    config.providers.search = "searxng"
    config.openai.base_url = f"{fake_openai.base_url}/v1"
    config.openai.model = DEFAULT_OPENAI_MODEL
    config.searxng.base_url = fake_searxng.base_url
    config.research.rounds, config.research.breadth = 1, 2
    return config


def bar_text(screen: ResearchScreen) -> str:
    return screen.status_bar.drawn


async def test_a_local_research_in_the_app_thinks_apart_and_shows_its_wait(
    fake_openai: FakeOpenAI, fake_searxng: FakeSearxng
) -> None:
    fake_openai.think = True
    fake_openai.first_token_delay_s = 0.5
    fake_openai.chunk_delay_s = 0.01  # the answer streams for a while after its first token
    config = local_config(fake_openai, fake_searxng)
    assert config.missing_keys() == []  # no Gemini or Tavily key anywhere
    app = DeepResearchApp(config, start_topic="Tea fermentation")
    async with app.run_test(size=(120, 36)) as pilot:
        assert not isinstance(app.screen, SettingsScreen)
        screen = await research_screen(pilot)
        # The bar's clock runs 5 s ahead, so the half-second wait is shown at once (the
        # display starts after 2 s of silence) without the test sleeping for it.
        screen.status_bar.now = lambda: time.time() + 5
        await wait_for(pilot, lambda: WAIT in bar_text(screen), limit=30)
        execution = screen.query_one("#pane-execution", SectionPane)
        wait_line = execution.model_wait
        plan = screen.query_one("#pane-plan", SectionPane)
        assert wait_line is not None and plan.model_wait is None
        await wait_for(pilot, lambda: "token not yet" in wait_line.shown and wait_line.display)
        await wait_for(pilot, lambda: screen.state.round and screen.state.round.text["plan"])
        await wait_for(pilot, lambda: WAIT not in bar_text(screen))
        await wait_for(pilot, lambda: wait_line.shown == "" and not wait_line.display)
        await wait_for(pilot, lambda: screen.state.status not in ("new", "running"), limit=60)
        await wait_for(pilot, lambda: not screen.running)
        assert screen.state.status == "done", screen.state.status_reason
        assert WAIT not in bar_text(screen)
        pane = screen.query_one("#pane-execution", SectionPane)
        thinking = pane.thinking
        assert thinking is not None and thinking.display and thinking.collapsed
        assert "SECRET-THOUGHT" in thinking.text
        assert "words" in str(thinking.title)
        for section in ("plan", "execution", "reflection"):
            text = screen.query_one(f"#pane-{section}", SectionPane).doc.shown
            assert "SECRET-THOUGHT" not in text and "<think>" not in text
        assert "SECRET-THOUGHT" not in Path(screen.state.report_path).read_text("utf-8")  # noqa: ASYNC240
        # only the Execution pane holds thinking
        assert screen.query_one("#pane-plan", SectionPane).thinking is None


async def test_the_wait_counts_up_and_goes_when_the_first_token_arrives() -> None:
    """The bar alone: its clock is driven, its interval redraws, a token ends the wait."""
    clock = [1000.0]
    state = SessionState()
    state.apply(SessionStarted(topic="t", rounds=1, breadth=1, timestamp=990.0))
    state.apply(LLMCallStarted(round=1, purpose="reasoning", timestamp=1000.0))

    class BarApp(App[None]):
        def compose(self) -> Any:
            yield StatusBar(id="bar")

    app = BarApp()
    async with app.run_test(size=(200, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.now = lambda: clock[0]
        bar.live = True
        bar.show_state(state)
        assert WAIT not in bar.drawn  # a second of silence is normal
        clock[0] = 1047.0
        await wait_for(pilot, lambda: f"{WAIT} — 47 s, first token not yet" in bar.drawn)
        clock[0] = 1048.0
        await wait_for(pilot, lambda: "— 48 s" in bar.drawn)  # the widget's own tick
        state.apply(LLMFirstToken(round=1, purpose="reasoning", ms=48000, timestamp=1048.0))
        bar.show_state(state)
        assert WAIT not in bar.drawn
        bar.live = False  # a replayed, unanswered call is history: no wait shown
        state.apply(LLMCallStarted(round=1, purpose="synthesis", timestamp=1000.0))
        bar.show_state(state)
        assert WAIT not in bar.drawn


def private_local_config(tmp_path: Path) -> Config:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Notes\n\ntea\n", encoding="utf-8")
    config = load()
    config.providers.llm, config.providers.search = "openai", "local"
    config.openai.base_url, config.openai.model = "http://127.0.0.1:9/v1", "m"
    config.local.folders = [str(docs)]
    config.providers.private = True
    return config


async def test_private_mode_is_marked_in_the_status_bar(make_app: Any, tmp_path: Path) -> None:
    app = make_app(config=private_local_config(tmp_path), start_topic="Tea notes")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: "private" in bar_text(screen))
        # Leave only once the scripted research is over and its report drawn: an app torn
        # down while the report screen mounts its header fails in Textual (NoMatches).
        await finished(pilot, screen)
        assert "private" in bar_text(screen), "still marked once done"


async def test_the_app_refuses_to_start_what_private_mode_forbids(
    make_app: Any, keys: None
) -> None:
    config = load()  # Gemini and Tavily: both leave the machine
    config.providers.private = True
    app = make_app(config=config)
    async with app.run_test(size=(120, 36)) as pilot:
        await on_top(pilot, HomeScreen)  # started up
        app.start_research("Tea")
        await wait_for(pilot, lambda: any("Private mode" in n.title for n in app._notifications))
        message = next(n.message for n in app._notifications if "Private mode" in n.title)
        assert "Gemini" in message and "tavily" in message
        assert not any(isinstance(s, ResearchScreen) for s in app.screen_stack)


async def test_first_run_settings_takes_a_local_model_without_any_key(
    fake_openai: FakeOpenAI,
) -> None:
    config = config_mod.load()
    app = Host(config, lambda app: SettingsScreen(app.config, first_launch=True))
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        intro = str(screen.query_one("#settings-intro").render())
        assert "local model" in intro  # the welcome says a key is not the only way
        screen.query_one("#providers-llm", Select).value = "openai"
        screen.query_one("#openai-base-url", Input).value = f"{fake_openai.base_url}/v1"
        screen.query_one("#openai-model", Input).value = DEFAULT_OPENAI_MODEL
        screen.query_one("#providers-search", Input).value = "searxng"
        screen.query_one("#searxng-base-url", Input).value = "http://127.0.0.1:8888"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results == [True])
    saved = config_mod.load()
    assert (saved.providers.llm, saved.providers.search) == ("openai", "searxng")
    assert saved.openai.model == DEFAULT_OPENAI_MODEL and saved.missing_keys() == []
    assert "api_key" not in saved.file_values.get("gemini", {})


async def test_settings_refuses_an_unknown_search_provider_and_shows_no_key() -> None:
    config = config_mod.load()
    config.openai.api_key = "sk-local-SECRET-0123456789-wxyz"
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        screen.query_one("#providers-search", Input).value = "google"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "Not saved"), "the save refused")
        assert app.results == []  # not saved, still on screen
        assert isinstance(app.screen, SettingsScreen)
        text = await shown(pilot, "wxyz")
        assert "sk-local-SECRET" not in text and "wxyz" in text
