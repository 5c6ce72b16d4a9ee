"""An Input whose editing keys act in the order they were typed.

Textual's Input inserts a printable key in its own handler, but any other key (Backspace,
Ctrl+U, Left, Enter) reaches its binding only after bubbling up to the app, one message
queue per hop. Keys that arrive in one burst (a paste without bracketed paste, a fast
typist during a busy frame, ``tmux send-keys``) therefore run out of order: ``abc``,
Backspace, ``d`` left ``abc`` where ``abd`` was typed, and Ctrl+U then ``6`` cleared the 6.

:class:`InOrderInput` runs such a key's binding when its turn comes in the field's own
queue, the way the app would once the key got there, unless a widget on the way up handles
that key itself (a ``key_<name>`` method, as Home's ``key_escape``): then the key bubbles
as before. The field's own bindings run on the field even once the focus has moved on (a
Tab later in the same burst moves it at once), so Backspace then Tab edits the field left.
The app-level half, Tab moving the focus before the next key is routed, is
``tui.focus_keys``.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class InOrderInput(Input):
    """A text field whose editing keys keep the order they were typed in."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable and not self._handled_on_the_way(event):
            key = event.key
            if await self._run_own_binding(key) or (
                self.has_focus and await self.app._check_bindings(key)  # as on arrival
            ):
                event.stop()
                event.prevent_default()
                return
        await super()._on_key(event)

    async def _run_own_binding(self, key: str) -> bool:
        """Run the field's own binding for ``key`` (Backspace, Ctrl+U, Left, Enter), on this
        field even when the focus has moved on: a Tab later in the burst moves it at once
        (``tui.focus_keys``), and the keys typed before the Tab belong here."""
        for binding in self._bindings.key_to_bindings.get(key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                return True
        return False

    def _handled_on_the_way(self, event: events.Key) -> bool:
        """Whether a widget between this field and the app has its own handler for the key."""
        method = f"key_{event.name}"
        return any(callable(getattr(node, method, None)) for node in self.ancestors_with_self)
