"""A freshly pushed screen is styled when its widgets mount, not a second time when it
resumes; a later resume restyles it as Textual does (tui.styled_once, issue 15)."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Label

from tests.pilot_helpers import settled, wait_for
from tui.styled_once import StyledOnce


class Counted(Screen[None]):
    """Counts the whole-screen restyles (what ``Screen._on_screen_resume`` asks for)."""

    def __init__(self) -> None:
        super().__init__()
        self.restyled = 0

    def compose(self) -> ComposeResult:
        yield Label("one", id="one")
        yield Label("two")

    def update_node_styles(self, animate: bool = True) -> None:
        self.restyled += 1
        super().update_node_styles(animate)


class Fresh(StyledOnce, Counted):
    pass


class Pusher(App[None]):
    def __init__(self, screen: Screen[None]) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


async def first_resume_restyles(screen: Counted) -> int:
    """Whole-screen restyles by the time the pushed screen has settled; then checks that
    a later resume does restyle it."""
    app = Pusher(screen)
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.screen is screen and screen.query("#one"))
        await settled(pilot)
        assert screen.query_one("#one", Label).styles.color is not None  # styled
        first = screen.restyled
        screen.post_message(events.ScreenResume())
        await wait_for(pilot, lambda: screen.restyled > first)
    return first


async def test_the_first_resume_restyles_nothing_and_a_later_one_restyles() -> None:
    assert await first_resume_restyles(Counted()) == 1  # what Textual does on a push
    assert await first_resume_restyles(Fresh()) == 0
