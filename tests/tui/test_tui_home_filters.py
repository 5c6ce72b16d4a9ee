"""The Home form's filter fields: defaults from the config, checked on submit, and carried
into the research options."""

from __future__ import annotations

from textual.widgets import Input

from core.search.filters import SearchFilters
from tests.pilot_helpers import Host, home_loaded, keyed_config, on_top, wait_for
from tui.app import make_options
from tui.screens.home import HomeScreen


async def test_filters_typed_on_home_reach_the_research_options() -> None:
    config = keyed_config()
    config.filters.exclude_domains = "pinterest.com"
    app = Host(config, lambda app: HomeScreen(app.config))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await home_loaded(pilot)
        assert screen.query_one("#exclude", Input).value == "pinterest.com"
        screen.query_one("#topic", Input).value = "heat pumps"
        screen.query_one("#include", Input).value = "https://www.Energy.gov/, iea.org"
        screen.query_one("#recency", Input).value = "year"
        await pilot.click("#start")
        await wait_for(pilot, lambda: len(app.started) == 1, "the research started")
        filters = app.started[0].filters
        assert filters == SearchFilters(("energy.gov", "iea.org"), ("pinterest.com",), "year")
        options = make_options(config, rounds=1, filters=filters)
        assert options.filters == filters


async def test_a_bad_filter_is_refused_on_the_form() -> None:
    app = Host(keyed_config(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await home_loaded(pilot)
        screen.query_one("#topic", Input).value = "heat pumps"
        screen.query_one("#recency", Input).value = "fortnight"
        await pilot.click("#start")
        error = screen.query_one("#form-error")
        await wait_for(
            pilot,
            lambda: error.display and "Filters: Recency must be" in str(error.render()),
            "the form refused the recency",
        )
        assert "Filters: Recency must be day, week, month, year" in str(error.render())
        assert app.started == []  # refused: the handler ran and posted nothing


def test_without_form_filters_the_config_defaults_apply() -> None:
    config = keyed_config()
    config.filters.recency = "week"
    assert make_options(config).filters == SearchFilters(recency="week")


async def test_settings_save_normalised_filter_defaults_to_the_config_file() -> None:
    from core import config as config_mod
    from tui.screens.settings import SettingsScreen

    config = keyed_config()
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        screen.query_one("#filters-recency", Input).value = "fortnight"
        changes, problems = screen.collect()
        assert any("Recency" in p and "day, week, month, year" in p for p in problems)
        screen.query_one("#filters-recency", Input).value = "month"
        screen.query_one("#filters-exclude", Input).value = "https://www.Pinterest.com/x"
        changes, problems = screen.collect()
        assert problems == []
        assert changes["filters.exclude_domains"] == "pinterest.com"
        screen.action_save()
        await wait_for(pilot, lambda: app.results == [True], "saved and dismissed")
    saved = config_mod.load(config.path)
    assert saved.filters.exclude_domains == "pinterest.com"
    assert saved.filters.recency == "month"


def test_the_steps_list_shows_and_details_what_the_filters_dropped() -> None:
    from core.events import RoundStarted, SearchFinished, SearchStarted
    from core.state import SessionState
    from tui.widgets.steps import build_entries, step_detail

    state = SessionState.replay(
        [
            RoundStarted(round=1),
            SearchStarted(round=1, query="heat pumps"),
            SearchFinished(
                round=1,
                query="heat pumps",
                results=3,
                dropped=1,
                dropped_reasons=["https://spam.biz/x: excluded domain spam.biz"],
            ),
        ]
    )
    entry = next(e for e in build_entries(state, []) if e.id == "r1:search:0")
    assert entry.timing.startswith("3 results, 1 dropped")
    detail = step_detail(state, entry, [])
    assert detail is not None
    _title, text = detail
    assert "Dropped by the search filters (1):" in text
    assert "https://spam.biz/x: excluded domain spam.biz" in text
