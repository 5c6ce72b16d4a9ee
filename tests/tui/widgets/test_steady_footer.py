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
