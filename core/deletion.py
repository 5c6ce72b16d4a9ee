"""Deleting a research: its folder, then what the mind map holds of it.

Both the app and ``sessions delete`` go through here, so a deleted research never lives on
as graph context for the next research on its topic. The folder goes first (it is the
source of truth); a graph that cannot be changed now (locked by the app, Neo4j down) is
reported, and ``graph rebuild`` removes the research from it later.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from core.sessions import SessionStore

if TYPE_CHECKING:
    from core.config import Config
    from core.mindmap.base import MindMapStore


def delete_research(
    config: Config, session_id: str, *, store: MindMapStore | None = None
) -> str | None:
    """Delete one research (exact id). Returns a warning sentence if the graph kept it.

    Raises what ``SessionStore.delete`` raises (unknown id, research running elsewhere).
    ``store``: an open mind map to use (the app's); otherwise one is opened and closed here.
    """
    SessionStore(config.sessions_dir).delete(session_id)
    opened: MindMapStore | None = None
    try:
        if store is None:
            from core.mindmap.factory import open_store

            store = opened = open_store(config)[0]
        store.forget_session(session_id)
    except Exception as exc:  # the research is gone from disk either way
        return f"The mind map still holds it ({exc}); `deepresearch-tui graph rebuild` removes it."
    finally:
        if opened is not None:
            with contextlib.suppress(Exception):
                opened.close()
    return None
