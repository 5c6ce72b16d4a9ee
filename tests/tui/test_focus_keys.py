"""Keys that come in one burst keep their order: after a Tab they go to the field it moved to
(``tui.focus_keys``), and editing keys act where they were typed (``InOrderInput``).

The keys are posted as the terminal driver posts them, all before the app handles any, as
a paste, a fast typist or ``tmux send-keys`` deliver them: Textual routed the ones after
the Tab to the field it left.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual import events
from textual.widgets import Input

from tests.conftest import AppBuilder
from tests.pilot_helpers import home_loaded, wait_for


@asynccontextmanager
async def home_form(make_app: AppBuilder) -> AsyncIterator[tuple[Any, Any, Input, Input]]:
    """The app on Home, its list loaded: (app, pilot, the topic field, the rounds field)."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await home_loaded(pilot)
        yield app, pilot, screen.query_one("#topic", Input), screen.query_one("#rounds", Input)


def _burst(app: object, keys: list[tuple[str, str]]) -> None:
    for key, character in keys:
        app.post_message(events.Key(key, character))  # type: ignore[attr-defined]


async def test_keys_after_a_tab_in_the_same_burst_reach_the_next_field(
    keys: None, make_app: AppBuilder
) -> None:
    async with home_form(make_app) as (app, pilot, topic, rounds):
        assert app.focused is topic
        _burst(app, [("T", "T"), ("i", "i"), ("tab", "\t"), ("6", "6"), ("7", "7")])
        await wait_for(pilot, lambda: "7" in topic.value + rounds.value, "the burst typed")
        assert topic.value == "Ti"
        assert "67" in rounds.value
        assert app.focused is rounds


async def test_shift_tab_in_a_burst_goes_back_before_the_next_key(
    keys: None, make_app: AppBuilder
) -> None:
    async with home_form(make_app) as (app, pilot, topic, rounds):
        rounds.focus()
        await wait_for(pilot, lambda: app.focused is rounds, "rounds focused")
        _burst(app, [("shift+tab", ""), ("X", "X")])
        await wait_for(pilot, lambda: "X" in topic.value + rounds.value, "the burst typed")
        assert topic.value.endswith("X")
        assert "X" not in rounds.value


async def test_editing_keys_in_a_burst_act_in_the_order_they_were_typed(
    keys: None, make_app: AppBuilder
) -> None:
    """Backspace and Ctrl+U are bindings: Textual ran them only after bubbling to the app,
    so the printable keys behind them went in first (``tui.widgets.in_order_input``)."""
    async with home_form(make_app) as (app, pilot, topic, rounds):
        _burst(app, [("a", "a"), ("b", "b"), ("c", "c"), ("backspace", "\x7f"), ("d", "d")])
        await wait_for(pilot, lambda: "d" in topic.value, "the burst typed")
        assert topic.value == "abd"
        _burst(app, [("tab", "\t"), ("ctrl+u", "\x15"), ("6", "6")])
        await wait_for(pilot, lambda: "6" in rounds.value, "the 6 typed into rounds")
        assert rounds.value == "6"
        assert topic.value == "abd"


async def test_an_editing_key_typed_before_a_tab_edits_the_field_it_was_typed_in(
    keys: None, make_app: AppBuilder
) -> None:
    async with home_form(make_app) as (app, pilot, topic, rounds):
        _burst(app, [("a", "a"), ("b", "b"), ("backspace", "\x7f"), ("tab", "\t"), ("7", "7")])
        await wait_for(pilot, lambda: "7" in rounds.value, "the 7 typed into rounds")
        await wait_for(pilot, lambda: topic.value == "a", "the Backspace applied to the topic")
        assert rounds.value in ("7", "37")  # Textual selects a field's text as it gains focus
