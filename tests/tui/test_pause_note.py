"""The status bar's pause note says what still finishes, then "paused" (issue 16 item 4)."""

from __future__ import annotations

from core.events import PhaseStarted, ResearchHeld, SearchFinished, SearchStarted, SessionStarted
from core.state import SessionState
from tui.pause_note import PAUSED, pause_note


def test_the_note_counts_searches_still_under_way_then_says_paused() -> None:
    state = SessionState.replay(
        [
            SessionStarted(topic="t", rounds=1, breadth=3),
            PhaseStarted(round=1, phase="search"),
            SearchStarted(round=1, query="a"),
            SearchStarted(round=1, query="b"),
        ]
    )
    assert pause_note(state) == "pausing — 2 searches finishing"
    state.apply(SearchFinished(round=1, query="a"))
    assert pause_note(state) == "pausing — 1 search finishing"
    state.apply(SearchFinished(round=1, query="b"))
    state.apply(ResearchHeld())
    assert pause_note(state) == PAUSED


def test_the_note_names_the_model_call_under_way() -> None:
    state = SessionState.replay(
        [SessionStarted(topic="t", rounds=1, breadth=3), PhaseStarted(round=1, phase="reasoning")]
    )
    assert pause_note(state) == "pausing — reasoning finishing"
