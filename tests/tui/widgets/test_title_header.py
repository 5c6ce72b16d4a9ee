"""The header survives its screen closing before the header's first title update."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Header, Label

from tests.pilot_helpers import wait_for
from tui.widgets.title_header import TitleHeader


class _Titled(Screen[None]):
    def __init__(self, header: type[Header]) -> None:
        super().__init__()
        self._header = header

    def compose(self) -> ComposeResult:
        yield self._header()
        yield Label("body")


class _App(App[None]):
    def __init__(self, header: type[Header]) -> None:
        super().__init__()
        self._header = header
        self.closed = 0

    def compose(self) -> ComposeResult:
        yield Label("home")

    def open_and_close(self) -> None:
        """Push a titled screen and pop it before its header's watchers have run."""
        self.push_screen(_Titled(self._header))
        self.title = "changed"
        self.pop_screen()
        self.closed += 1


async def _open_and_close(header: type[Header]) -> None:
    app = _App(header)
    async with app.run_test() as pilot:
        app.open_and_close()
        await wait_for(pilot, lambda: app.closed == 1 and len(app.screen_stack) == 1, "popped")
        # A screen pushed and popped again; the app must still be usable afterwards.
        app.push_screen(_Titled(header))
        await wait_for(pilot, lambda: isinstance(app.screen, _Titled), "the second screen")


async def test_a_screen_closed_at_once_does_not_crash_the_app() -> None:
    await _open_and_close(TitleHeader)


async def test_textuals_header_still_crashes_there() -> None:
    """Guards the test above: if Textual fixes its Header, ``TitleHeader`` can go."""
    with pytest.raises(Exception, match="HeaderTitle"):
        await _open_and_close(Header)


async def test_the_title_still_shows() -> None:
    app = _App(TitleHeader)
    async with app.run_test() as pilot:
        app.title = "Deep research"
        app.push_screen(_Titled(TitleHeader))

        def titled() -> bool:
            from textual.widgets._header import HeaderTitle

            titles = app.screen.query(HeaderTitle)
            return bool(titles) and "Deep research" in str(titles.first().render())

        await wait_for(pilot, titled, "the header showing the app title")
