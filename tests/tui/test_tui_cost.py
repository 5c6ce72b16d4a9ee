"""The cost in the app: ``$`` per round in the steps list, the Home form's budget field and
live estimate, and the Settings cost fields."""

from __future__ import annotations

from textual.widgets import Input, Static

from core.cost.prices import format_usd
from core.cost.session import estimate_for
from tests.pilot_helpers import (
    Host,
    home_loaded,
    keyed_config,
    press_button,
    settled,
    wait_for,
)
from tui.app import make_options
from tui.screens.home import HomeScreen


def test_the_steps_list_shows_each_rounds_cost_in_its_header() -> None:
    from core.events import LLMCallFinished, RoundFinished, RoundStarted, SearchFinished
    from core.state import SessionState
    from tui.widgets.steps import build_entries

    state = SessionState.replay(
        [
            RoundStarted(round=1),
            LLMCallFinished(round=1, purpose="reasoning", tokens_in=10, tokens_out=5, cost_usd=0.5),
            SearchFinished(round=1, query="q", results=3, cost_usd=0.25),
            RoundFinished(round=1),
            RoundStarted(round=2),
            LLMCallFinished(round=2, purpose="reasoning", tokens_in=10, tokens_out=5, cost_usd=0.0),
        ]
    )
    headers = {e.id: e for e in build_entries(state, []) if e.id in ("r1", "r2")}
    assert headers["r1"].timing.endswith("$0.750")
    assert "$0.750" in str(headers["r1"].prompt(60))
    assert "$" not in headers["r2"].timing  # nothing spent yet (a local model): no "$0" noise


def label(screen: HomeScreen) -> str:
    return str(screen.query_one("#estimate", Static).render())


async def test_the_home_estimate_follows_rounds_breadth_and_budget() -> None:
    config = keyed_config()
    config.cost.prices = "gemini-2.5-flash=100/400"  # dollars, so each change shows
    config.gemini.model = "gemini-2.5-flash"
    config.research.rounds, config.research.breadth = 2, 3
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await home_loaded(pilot)
        first = format_usd(estimate_for(config, rounds=2, breadth=3).usd)
        await wait_for(pilot, lambda: first in label(screen), "the first estimate shown")

        screen.query_one("#rounds", Input).value = "5"
        more = format_usd(estimate_for(config, rounds=5, breadth=3).usd)
        assert more != first
        await wait_for(pilot, lambda: more in label(screen), "the estimate for 5 rounds")

        screen.query_one("#breadth", Input).value = "1"
        fewer = format_usd(estimate_for(config, rounds=5, breadth=1).usd)
        await wait_for(pilot, lambda: fewer in label(screen), "the estimate for breadth 1")
        assert "over the" not in label(screen)

        screen.query_one("#max-usd", Input).value = "0.5"
        await wait_for(pilot, lambda: "over the $0.500 budget" in label(screen), "over budget")

        screen.query_one("#rounds", Input).value = ""
        await wait_for(pilot, lambda: "set rounds and breadth" in label(screen), "no rounds")


async def test_the_home_budget_reaches_the_research_options() -> None:
    config = keyed_config()
    config.cost.max_usd = 2.0
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await home_loaded(pilot)
        assert screen.query_one("#max-usd", Input).value == "2"
        screen.query_one("#topic", Input).value = "heat pumps"
        screen.query_one("#max-usd", Input).value = "0.75"
        await press_button(pilot, "#start")
        await wait_for(pilot, lambda: len(app.started) == 1, "the research started")
        assert app.started[0].max_usd == 0.75
        options = make_options(config, max_usd=app.started[0].max_usd)
        assert options.max_usd == 0.75

        topic = screen.query_one("#topic", Input)
        await wait_for(pilot, lambda: topic.value == "", "the started topic cleared")
        topic.value = "heat pumps again"
        screen.query_one("#max-usd", Input).value = ""
        await press_button(pilot, "#start")
        await wait_for(pilot, lambda: len(app.started) == 2, "the second research started")
        assert app.started[1].max_usd == 0.0  # emptied: no limit for this one
        assert make_options(config, max_usd=0.0).max_usd == 0.0


async def test_a_bad_budget_is_refused_on_the_form() -> None:
    app = Host(keyed_config(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await home_loaded(pilot)
        screen.query_one("#topic", Input).value = "heat pumps"
        screen.query_one("#max-usd", Input).value = "-3"
        await press_button(pilot, "#start")
        error = screen.query_one("#form-error", Static)
        await wait_for(pilot, lambda: error.display, "the form's error shown")
        assert "Budget must be 0 or more" in str(error.render())
        assert app.started == []


async def test_settings_save_the_cost_fields_through_the_config() -> None:
    from core import config as config_mod
    from tui.screens.settings import SettingsScreen

    config = keyed_config()
    config.cost.tavily_usd_per_credit = 0.008
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "Settings on top")
        screen = app.screen
        assert screen.query_one("#cost-tavily-usd-per-credit", Input).value == "0.008"
        assert screen.query_one("#cost-max-usd", Input).value == "0"
        screen.query_one("#cost-max-usd", Input).value = "1.5"
        screen.query_one("#cost-max-tokens", Input).value = "200000"
        screen.query_one("#cost-tavily-usd-per-credit", Input).value = "0.01"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results == [True], "Settings saved and closed")
    reloaded = config_mod.load()
    assert reloaded.cost.max_usd == 1.5
    assert reloaded.cost.max_tokens == 200_000 and isinstance(reloaded.cost.max_tokens, int)
    assert reloaded.cost.tavily_usd_per_credit == 0.01
    assert make_options(reloaded).max_usd == 1.5  # the next research's budget


async def test_settings_refuse_a_bad_budget() -> None:
    from tui.screens.settings import SettingsScreen

    config = keyed_config()
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "Settings on top")
        screen = app.screen
        screen.query_one("#cost-max-usd", Input).value = "-1"
        screen.query_one("#cost-max-tokens", Input).value = "1.5"
        changes, problems = screen.collect()
        assert "cost.max_usd" not in changes and "cost.max_tokens" not in changes
        assert any(p.startswith("Budget (USD): cost.max_usd must be") for p in problems)
        assert any(p.startswith("Budget (tokens): cost.max_tokens must be") for p in problems)
        screen.query_one("#cost-max-usd", Input).value = ""
        screen.query_one("#cost-max-tokens", Input).value = ""
        changes, problems = screen.collect()
        assert problems == [] and "cost.max_usd" not in changes  # empty is 0, unchanged


async def test_the_home_token_budget_reaches_the_research_options() -> None:
    config = keyed_config()
    config.cost.max_tokens = 50_000
    config.research.rounds, config.research.breadth = 3, 3
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await home_loaded(pilot)
        field = screen.query_one("#max-tokens", Input)
        assert field.value == "50000"  # the config's default
        tokens = estimate_for(config, rounds=3, breadth=3).tokens
        field.value = str(max(1, tokens // 2))
        await wait_for(pilot, lambda: "token budget" in label(screen), "over the token budget")
        screen.query_one("#topic", Input).value = "heat pumps"
        field.value = "120000"
        # The estimate line changes height with the budget: click where the button now is.
        await wait_for(pilot, lambda: "token budget" not in label(screen), "under the budget")
        await settled(pilot)
        await press_button(pilot, "#start")
        await wait_for(pilot, lambda: len(app.started) == 1, "the research started")
        assert app.started[0].max_tokens == 120_000
        assert make_options(config, max_tokens=app.started[0].max_tokens).max_tokens == 120_000

        topic = screen.query_one("#topic", Input)
        await wait_for(pilot, lambda: topic.value == "", "the started topic cleared")
        topic.value = "heat pumps again"
        field.value = ""
        await settled(pilot)
        await press_button(pilot, "#start")
        await wait_for(pilot, lambda: len(app.started) == 2, "the second research started")
        assert app.started[1].max_tokens == 0  # emptied: no limit for this one


async def test_a_bad_token_budget_is_refused_on_the_form() -> None:
    app = Host(keyed_config(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await home_loaded(pilot)
        screen.query_one("#topic", Input).value = "heat pumps"
        screen.query_one("#max-tokens", Input).value = "-5"
        await press_button(pilot, "#start")
        error = screen.query_one("#form-error", Static)
        await wait_for(pilot, lambda: error.display, "the form's error shown")
        assert "Token budget must be 0 or more" in str(error.render())
        assert app.started == []


async def test_settings_override_a_models_price_and_save_it() -> None:
    from core import config as config_mod
    from core.cost.prices import PriceTable
    from tui.screens.settings import SettingsScreen
    from tui.screens.settings_prices import offered_models

    config = keyed_config()
    config.openai.model = "qwen3:8b"
    models = offered_models(config)
    assert models[0] == "gemini-2.5-pro" and "qwen3:8b" in models
    flash, local = models.index("gemini-2.5-flash"), models.index("qwen3:8b")
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "Settings on top")
        screen = app.screen
        flash_field = screen.query_one(f"#price-{flash}", Input)
        assert flash_field.value == "0.3 / 2.5"  # the default in force
        assert screen.query_one(f"#price-{local}", Input).value == "0 / 0"
        changes, problems = screen.collect()
        assert problems == [] and "cost.prices" not in changes  # nothing changed
        flash_field.value = "abc / 1"
        changes, problems = screen.collect()
        assert problems == ["Price of gemini-2.5-flash: prices must be numbers (e.g. 0.30 / 2.50)."]
        flash_field.value = "-1 / 2"
        assert screen.collect()[1] == ["Price of gemini-2.5-flash: prices must be 0 or more."]
        flash_field.value = "0.5 / 3"
        screen.query_one(f"#price-{local}", Input).value = "0.1/0.2"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results == [True], "Settings saved and closed")
    reloaded = config_mod.load()
    assert reloaded.cost.prices == "gemini-2.5-flash=0.5/3, qwen3:8b=0.1/0.2"
    table = PriceTable.with_overrides(reloaded.cost.prices)
    assert table.call("gemini-2.5-flash", 1_000_000, 0) == 0.5
    assert table.call("gemini-2.5-pro", 100_000, 0) == 0.125  # untouched: still the default


async def test_emptying_a_price_goes_back_to_the_default() -> None:
    from tui.screens.settings import SettingsScreen
    from tui.screens.settings_prices import offered_models

    config = keyed_config()
    config.cost.prices = "gemini-2.5-flash=9/9, mymodel=1/2"
    models = offered_models(config)
    assert "mymodel" in models  # a saved override is shown, never dropped on save
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen), "Settings on top")
        screen = app.screen
        field = screen.query_one(f"#price-{models.index('gemini-2.5-flash')}", Input)
        assert field.value == "9 / 9"
        field.value = ""
        changes, problems = screen.collect()
        assert problems == [] and changes["cost.prices"] == "mymodel=1/2"
