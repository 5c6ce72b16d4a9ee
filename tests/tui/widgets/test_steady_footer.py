"""The footer is rebuilt only when the keys it shows change (``tui.widgets.steady_footer``)."""

from __future__ import annotations

from textual.widgets import Input

from tests.pilot_helpers import (
    Host,
    footer_keys,
    home_loaded,
    keyed_config,
    shown_bindings,
    wait_for,
)
from tui.screens.home import HomeScreen
from tui.widgets.steady_footer import SteadyFooter


def painted(screen: HomeScreen) -> list[str]:
    return [str(key.key_display) for key in footer_keys(screen)]


async def test_typing_rebuilds_the_footer_only_when_a_key_comes_or_goes() -> None:
    """Each character typed in the topic refreshes Home's bindings; only the first one
    changes what the footer shows ("/" filters from an empty topic, not from a typed one)."""
    app = Host(keyed_config(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await home_loaded(pilot)
        topic = screen.query_one("#topic", Input)
        await wait_for(pilot, lambda: app.focused is topic)
        footer = screen.query_one(SteadyFooter)
        await wait_for(pilot, lambda: "/" in painted(screen), "the footer offers /")
        before = footer.recomposes

        await pilot.press("h")
        await wait_for(pilot, lambda: "/" not in painted(screen), "/ left the footer")
        assert footer.recomposes == before + 1
        for key in "eat pumps":
            await pilot.press(key)
        await wait_for(pilot, lambda: topic.value == "heat pumps")
        assert "/" not in shown_bindings(screen)

        # "/" is back only once the last backspace emptied the field, after the bindings
        # refreshes of every character before it: 18 of them changed nothing on show.
        await pilot.press(*["backspace"] * len("heat pumps"))
        await wait_for(pilot, lambda: "/" in painted(screen), "/ is back")
        assert footer.recomposes == before + 2


def test_keys_that_do_not_fit_go_palette_first_then_from_the_right_help_kept() -> None:
    from tui.widgets.steady_footer import fit_keys, key_cells

    keys = [("stop", 7), ("report", 9), ("app.help", 7), ("back", 7)]
    assert fit_keys(keys, 12, 42) == (("stop", "report", "app.help", "back"), True)
    assert fit_keys(keys, 12, 41) == (("stop", "report", "app.help", "back"), False)
    assert fit_keys(keys, 12, 30) == (("stop", "report", "app.help", "back"), False)
    assert fit_keys(keys, 12, 29) == (("stop", "report", "app.help"), False)
    assert fit_keys(keys, None, 15) == (("stop", "app.help"), False)
    assert fit_keys(keys, None, 3) == (("app.help",), False)
    # "x Stop" compact: key, space, description and the key's margin; else its padding
    assert key_cells("x", "Stop", compact=True) == 7
    assert key_cells("x", "Stop", compact=False) == 8
    assert key_cells("^p", "", compact=True) == 3
