"""What the status bar says while a pause takes hold: "pausing — 2 searches finishing",
then "paused" once nothing runs any more (the engine's ``ResearchHeld`` event).

Pure (a function of the session state), so it is tested without an app, and a replay of a
held session reads the same as watching it.
"""

from __future__ import annotations

from typing import Any

PAUSED = "paused (space resumes)"


def pause_note(state: Any) -> str:
    """The note for a research asked to pause, from what the state says still runs."""
    if getattr(state, "held", False):
        return PAUSED
    current = state.round
    if state.current_phase == "search" and current is not None:
        running = sum(1 for search in current.searches if search.status == "running")
        if running:
            return f"pausing — {running} search{'es' if running > 1 else ''} finishing"
    if state.current_phase in ("reasoning", "synthesis", "context"):
        return f"pausing — {state.current_phase} finishing"
    return "pausing…"
