"""Tab and Shift+Tab move the focus before the next key is routed.

Textual's app routes each key by posting it to the queue of the widget focused *when the
app reads the key*; a Tab becomes a focus move only when the focused widget's queue gets
to it and it bubbles to the screen's ``app.focus_next`` binding. Keys that arrive in the
same burst (a paste, a fast typist, a busy frame, ``tmux send-keys``) are routed before that:
``topic<Tab>6`` put the 6 in the topic field, while the Ctrl+U between them (a binding,
looked up from the new focus) cleared the rounds field. The same happens in a bare
Textual app with two Inputs.

:func:`focus_move_for` tells the app that a Tab would only run the screen's focus binding,
so it can move the focus at once, in key order, and not forward the Tab at all.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

FOCUS_ACTIONS = frozenset({"app.focus_next", "app.focus_previous"})
FOCUS_KEYS = frozenset({"tab", "shift+tab"})


def focus_move_for(app: App[object], key: str) -> str | None:
    """The focus action (``"app.focus_next"``, ``"app.focus_previous"``) that ``key`` would
    run from the current focus, or None when it would do anything else (a widget's own
    binding for it, a TextArea that indents, a key that is no Tab at all)."""
    if key not in FOCUS_KEYS:
        return None
    # A TextArea indents on Tab. Its module is looked up, not imported: importing it cost
    # ~12 ms of every start-up (issue 15), and if it was never imported, nothing focused
    # is one.
    text_area = sys.modules.get("textual.widgets._text_area")
    if text_area is not None and isinstance(app.focused, text_area.TextArea):
        return None
    for _node, bindings in app._binding_chain:  # the focus up to the app, as Textual looks
        for binding in bindings.key_to_bindings.get(key, ()):
            return binding.action if binding.action in FOCUS_ACTIONS else None
    return None
