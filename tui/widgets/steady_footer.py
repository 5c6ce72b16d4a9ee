"""Textual's Footer, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes itself (removes and mounts all its key widgets, restyles
them and lays the whole screen out again) every time its screen publishes that its bindings
were refreshed, whether or not a shown key changed. Screens refresh their bindings whenever
an action's availability might have moved: on every focus change, on every character typed
into Home's topic field, on the first j/k in the research's step list. Measured (issue 15):
five identical recomposes in Home's first 250 ms; on the research screen, the first j/k
while the panes streamed took 83 ms to show, because "G Follow" turned from dimmed to
enabled and the footer was rebuilt for it.

:class:`SteadyFooter` compares what it would show with what it shows:

- the same keys in the same states: nothing happens;
- the same keys, some enabled or disabled: those key widgets change state in place (a class
  and FooterKey's ``_disabled`` flag, what FooterKey's constructor sets; Textual is pinned
  below 9);
- other keys: Textual recomposes, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

Layout = tuple[Any, ...]
"""Which keys the footer shows, in order, with their labels and tooltips."""
States = tuple[tuple[str, bool], ...]
"""Each shown action and whether it is enabled."""


class SteadyFooter(Footer):
    """A drop-in ``Footer`` that skips rebuilding when its keys are unchanged."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown_layout: Layout | None = None
        self._shown_states: States = ()
        self.recomposes = 0
        """How many times the keys were built (tests count them)."""

    def read_bindings(self) -> tuple[Layout, States]:
        """What ``Footer.compose`` would draw from the screen's bindings now: the first
        binding of each action (as it draws them), and the command palette's key."""
        app = self.app
        first: dict[str, tuple[Any, bool, str]] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            is_palette = binding.key == app.COMMAND_PALETTE_BINDING
            if binding.show or is_palette:
                first.setdefault(binding.action, (binding, enabled, tooltip))
        layout = tuple(
            (
                action,
                binding.key,
                app.get_key_display(binding),
                binding.description,
                tooltip,
                binding.group.description if binding.group else None,
            )
            for action, (binding, _enabled, tooltip) in first.items()
        )
        states = tuple((action, enabled) for action, (_b, enabled, _t) in first.items())
        return (self.show_command_palette, app.ENABLE_COMMAND_PALETTE, layout), states

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # What Footer.bindings_changed does, with ``_refresh_keys`` for ``recompose``.
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._refresh_keys)

    async def _refresh_keys(self) -> None:
        """Read the bindings when Textual's Footer would (after the refresh: an action's
        state may still change before it) and rebuild only if the keys differ."""
        if not self.is_attached:
            return
        layout, states = self.read_bindings()
        if layout == self._shown_layout:
            if states != self._shown_states:
                self._shown_states = states
                self._show_states(dict(states))
            return
        self._shown_layout, self._shown_states = layout, states
        await self.recompose()

    def _show_states(self, enabled: dict[str, bool]) -> None:
        for key in self.query(FooterKey):
            if key.action not in enabled:
                continue
            disabled = not enabled[key.action]
            if key._disabled != disabled:
                key._disabled = disabled
                key.set_class(disabled, "-disabled")

    def compose(self) -> ComposeResult:
        self.recomposes += 1
        yield from super().compose()
