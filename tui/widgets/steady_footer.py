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

It also **fits its width**. Textual's footer lays its keys out in one row and cuts what does
not fit: at 80 columns a running research showed "… a Ask q Ba", and "? Help", the key
that lists all the others, came last and was never seen. When the keys do not all fit,
the footer drops the command palette's key first (ctrl+p still opens it), then keys from
the right, and always keeps "? Help" (:func:`fit_keys`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.screen import Screen

Layout = tuple[Any, ...]
"""Which keys the footer shows, in order, with their labels and tooltips."""
States = tuple[tuple[str, bool], ...]
"""Each shown action and whether it is enabled."""


HELP_ACTIONS = frozenset({"help", "app.help"})
"""The key kept when others are dropped (the app's binding or a screen's for the same
action): the help screen lists every key."""


def key_cells(key_display: str, description: str, *, compact: bool) -> int:
    """Columns one key takes in Textual's footer: the key and its description, with the
    padding (or, compact, the margin) of ``FooterKey``'s default CSS."""
    text = cell_len(key_display) + (1 + cell_len(description) if description else 0)
    return text + (1 if compact else 2)


def fit_keys(
    keys: Sequence[tuple[str, int]], palette_cells: int | None, width: int
) -> tuple[tuple[str, ...], bool]:
    """The actions of ``keys`` (action, columns) that fit in ``width``, in their order, and
    whether the palette's key (``palette_cells`` wide; None: not shown) fits beside them.

    All fit: all are kept. Otherwise the palette key goes first, then keys from the right,
    except the help key (:data:`HELP_ACTIONS`)."""
    total = sum(cells for _action, cells in keys)
    if palette_cells is not None and total + palette_cells <= width:
        return tuple(action for action, _cells in keys), True
    kept = list(keys)
    for index in range(len(kept) - 1, -1, -1):
        if total <= width:
            break
        action, cells = kept[index]
        if action not in HELP_ACTIONS:
            del kept[index]
            total -= cells
    return tuple(action for action, _cells in kept), False


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
        fitted = self._fit(layout)
        return (self.show_command_palette, app.ENABLE_COMMAND_PALETTE, layout, fitted), states

    def _fit(self, layout: Layout) -> tuple[tuple[str, ...], bool]:
        """Which of ``layout``'s keys fit the footer's width (the app's before the first
        layout: a screen's footer spans it)."""
        app = self.app
        width = self.size.width or app.size.width
        compact = self.compact
        palette: int | None = None
        keys: list[tuple[str, int]] = []
        for action, key, key_display, description, _tooltip, _group in layout:
            cells = key_cells(key_display, description, compact=compact)
            if key == app.COMMAND_PALETTE_BINDING:
                palette = cells + 1  # its border
            else:
                keys.append((action, cells))
        if not (self.show_command_palette and app.ENABLE_COMMAND_PALETTE):
            palette = None
        return fit_keys(keys, palette, width)

    def _refit(self) -> None:
        """Fit the keys again, to a new width or padding (nothing is rebuilt if the same
        keys fit)."""
        if self._bindings_ready and self.is_attached:
            self.call_after_refresh(self._refresh_keys)

    def on_resize(self, event: events.Resize) -> None:
        self._refit()

    def watch_compact(self) -> None:
        self._refit()

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
        """Textual's keys, less those that do not fit (the app uses no binding groups, so
        every key Textual yields is a ``FooterKey`` of its own)."""
        self.recomposes += 1
        (_palette_shown, _palette_enabled, _layout, fitted), _states = self.read_bindings()
        actions, palette = set(fitted[0]), fitted[1]
        for widget in super().compose():
            if not isinstance(widget, FooterKey):
                yield widget
            elif widget.has_class("-command-palette"):
                if palette:
                    yield widget
            elif widget.action in actions:
                yield widget
