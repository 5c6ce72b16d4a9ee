"""Command palette (ctrl+p): saved researches and the app's fixed actions.

Contract with the app (tui/app.py): it exposes ``config`` and defines the actions
``action_open_session(session_id)``, ``action_new_research()``, ``action_settings()`` and
``action_help()``. It registers ``SavedResearchProvider`` in ``COMMANDS`` and yields
``system_commands(self)`` and ``screen_commands(screen)`` from ``get_system_commands``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.widgets.session_table import humanize_age

MAX_DISCOVERED = 10
"""Saved researches shown before the user types anything (newest first)."""


def _config(app: App[Any]) -> Any:
    config = getattr(app, "config", None)
    if config is None:
        from core.config import load

        config = load()
    return config


def _run_app_action(app: App[Any], action: str) -> None:
    """Run ``app.<action>`` if the app defines it (it should; see the module docstring)."""
    app.call_next(app.run_action, action)


class SavedResearchProvider(Provider):
    """Offers "Open: <topic>" for every saved research."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions: list[Any] = []

    async def startup(self) -> None:
        """Read the list once per palette opening, off the UI loop."""

        def load() -> list[Any]:
            from core.sessions import SessionStore

            return SessionStore(_config(self.app).sessions_dir).list()

        try:
            self.sessions = await asyncio.to_thread(load)
        except Exception:  # a broken store must not break the palette
            self.sessions = []

    def _open(self, session_id: str) -> None:
        _run_app_action(self.app, f"open_session({session_id!r})")

    @staticmethod
    def _help(info: Any) -> str:
        return (
            f"{info.status} · {info.rounds_done}/{info.rounds_planned} rounds · "
            f"{info.sources} sources · {humanize_age(info.updated or info.created)}"
        )

    async def discover(self) -> Hits:
        for info in self.sessions[:MAX_DISCOVERED]:
            yield DiscoveryHit(
                f"Open: {info.topic}", partial(self._open, info.id), help=self._help(info)
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for info in self.sessions:
            text = f"Open: {info.topic}"
            score = max(matcher.match(text), matcher.match(f"Open: {info.id}"))
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(self._open, info.id),
                    text=text,
                    help=self._help(info),
                )


def _toggle_theme(app: App[Any]) -> None:
    app.theme = "textual-light" if app.current_theme.dark else "textual-dark"


def system_commands(app: App[Any]) -> Iterator[SystemCommand]:
    """The app's fixed actions, for ``App.get_system_commands``."""
    yield SystemCommand(
        "New research", "Go to Home and type a topic", partial(_run_app_action, app, "new_research")
    )
    yield SystemCommand(
        "Settings",
        "API keys, model, search depth, graph backend, Neo4j",
        partial(_run_app_action, app, "settings"),
    )
    yield SystemCommand(
        "Help",
        "The keys that apply here, then every key",
        partial(_run_app_action, app, "help"),
    )
    yield SystemCommand(
        "Toggle dark/light theme",
        "Switch between the dark and light theme",
        partial(_toggle_theme, app),
    )
    yield SystemCommand("Quit", "Quit deepresearch-tui", partial(_run_app_action, app, "quit"))


NOT_IN_PALETTE = frozenset({"command_palette", "screen.copy_text"})
"""Bound actions that make no sense from the palette (it is open; it holds no selection)."""


def screen_commands(screen: Any) -> Iterator[SystemCommand]:
    """What the screen's bindings can do right now, worded for the palette.

    From ``tui.keys.screen_actions`` (the help screen's "Here" list); the app's own actions
    are left out, ``system_commands`` has them. The help line says what the command does
    and ends with its keys.
    """
    from tui.keys import screen_actions

    for action in screen_actions(screen):
        if action.on_app or action.action in NOT_IN_PALETTE:
            continue
        what = f"{action.what} — key {action.keys}" if action.what else f"key {action.keys}"
        yield SystemCommand(action.title, what, action.run)
