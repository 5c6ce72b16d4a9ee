"""The status bar: vitals from the state, a rate-limit countdown and a live elapsed clock."""

from __future__ import annotations

from textual.app import App, ComposeResult

from core.events import (
    LLMCallFinished,
    PhaseStarted,
    RateLimited,
    RoundStarted,
    SessionStarted,
)
from core.state import SessionState
from tests.pilot_helpers import wait_for
from tui.widgets.status_bar import StatusBar

T0 = 1_800_000_000.0


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


def state_with(*events) -> SessionState:
    state = SessionState()
    for seq, event in enumerate(events, 1):
        state.apply(event.stamped("s1", seq))
    return state


async def test_countdown_runs_only_while_rate_limited() -> None:
    clock = [T0 + 10]
    state = state_with(
        SessionStarted(topic="t", rounds=3, breadth=4, timestamp=T0),
        RoundStarted(round=1, timestamp=T0 + 1),
        PhaseStarted(round=1, phase="reasoning", timestamp=T0 + 2),
        LLMCallFinished(
            round=1, purpose="reasoning", tokens_in=1500, tokens_out=20, timestamp=T0 + 5
        ),
        RateLimited(retry_in_s=5, message="429", timestamp=T0 + 10),
    )
    app = BarApp()
    async with app.run_test(size=(140, 3)):
        bar = app.query_one(StatusBar)
        bar.now = lambda: clock[0]
        bar.show_state(state)
        text = bar.render_text()
        assert "Round 1/3" in text and "reasoning" in text
        assert "1.5k in" in text
        assert "retry in 5s" in text
        assert bar._timer is not None
        clock[0] += 2
        bar._tick()
        assert "retry in 3s" in bar.render_text()
        clock[0] += 4
        bar._tick()
        assert "retry in" not in bar.render_text()
        assert bar._timer is None, "the clock stops once nothing moves"


async def test_elapsed_counts_up_only_for_a_live_research() -> None:
    clock = [T0 + 125]
    state = state_with(
        SessionStarted(topic="t", rounds=1, breadth=1, timestamp=T0),
        RoundStarted(round=1, timestamp=T0 + 4),
    )
    app = BarApp()
    async with app.run_test(size=(140, 3)):
        bar = app.query_one(StatusBar)
        bar.now = lambda: clock[0]
        bar.show_state(state)
        assert bar.render_text().endswith("0:04"), "replayed: time of the last event"
        assert bar._timer is None
        bar.live = True
        bar.show_state(state)
        assert bar.render_text().endswith("2:05")
        assert bar._timer is not None


async def test_narrow_bar_drops_the_running_word_but_keeps_the_phase() -> None:
    state = state_with(
        SessionStarted(topic="t", rounds=3, breadth=4, timestamp=T0),
        RoundStarted(round=2, timestamp=T0 + 1),
        PhaseStarted(round=2, phase="synthesis", timestamp=T0 + 2),
    )
    app = BarApp()
    async with app.run_test(size=(80, 3)):
        bar = app.query_one(StatusBar)
        bar.show_state(state)
        text = bar.render_text()
        assert "synthesis" in text and "running" not in text
        assert "src 0" in text


async def test_a_note_replaces_the_running_word() -> None:
    state = state_with(
        SessionStarted(topic="t", rounds=3, breadth=4, timestamp=T0),
        RoundStarted(round=1, timestamp=T0 + 1),
        PhaseStarted(round=1, phase="reasoning", timestamp=T0 + 2),
    )
    app = BarApp()
    async with app.run_test(size=(140, 3)):
        bar = app.query_one(StatusBar)
        bar.show_state(state)
        assert "running" in bar.render_text(), "wide bar, no note: the status is shown"
        bar.note = "paused (space resumes)"
        bar.show_state(state)
        text = bar.render_text()
        assert "paused (space resumes)" in text and "running" not in text


async def test_compact_or_wide_follows_terminal_resizes() -> None:
    state = state_with(
        SessionStarted(topic="t", rounds=3, breadth=4, timestamp=T0),
        RoundStarted(round=1, timestamp=T0 + 1),
    )
    app = BarApp()
    async with app.run_test(size=(140, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show_state(state)
        await wait_for(pilot, lambda: "sources 0" in str(bar.render()), "wide at 140")
        await pilot.resize_terminal(80, 3)

        def compact() -> bool:
            shown = str(bar.render())  # what is on screen, not a fresh render_text()
            return bar.size.width < 80 and "src 0" in shown and "sources 0" not in shown

        await wait_for(pilot, compact, "compact at 80")
        await pilot.resize_terminal(150, 3)
        await wait_for(pilot, lambda: "sources 0" in str(bar.render()), "wide again at 150")


async def test_a_narrow_bar_drops_token_counts_before_sources_and_time() -> None:
    """80 columns, paused or waiting on a rate limit: the sources and the clock still show."""
    clock = [T0 + 39]
    state = state_with(
        SessionStarted(topic="t", rounds=3, breadth=4, timestamp=T0),
        RoundStarted(round=1, timestamp=T0 + 1),
        PhaseStarted(round=1, phase="reasoning", timestamp=T0 + 2),
        LLMCallFinished(
            round=1, purpose="reasoning", tokens_in=12_345, tokens_out=2_345, timestamp=T0 + 30
        ),
        RateLimited(retry_in_s=15, message="429", timestamp=T0 + 39),
    )
    app = BarApp()
    async with app.run_test(size=(80, 3)):
        bar = app.query_one(StatusBar)
        bar.now = lambda: clock[0]
        bar.live = True
        bar.review_queries = True
        bar.show_state(state)
        room = bar.content_size.width
        waiting = str(bar.render())
        assert "retry in 15s" in waiting and "src 0" in waiting and "0:39" in waiting
        assert "tok" not in waiting, "token counts go first"
        assert len(waiting) <= room
        bar.note = "paused (space resumes)"
        state.rate_limited_until = None
        bar.show_state(state)
        paused = str(bar.render())
        assert "paused (space resumes)" in paused and "src 0" in paused and "0:39" in paused
        assert len(paused) <= room


async def test_the_citation_check_counts_show_once_quotes_were_checked() -> None:
    from core.events import EvidenceChecked, SynthesisReady

    evidence = [{"claim": f"c{i}", "source_ids": [1], "quote": "q"} for i in range(3)]
    before = state_with(
        SessionStarted(topic="t", rounds=1, breadth=1, timestamp=T0),
        SynthesisReady(round=1, summary="s", evidence=evidence, timestamp=T0 + 1),
    )
    checks = [{"verdict": "verified", "score": 100.0}] * 2 + [{"verdict": "quote not found"}]
    after = state_with(
        SessionStarted(topic="t", rounds=1, breadth=1, timestamp=T0),
        SynthesisReady(round=1, summary="s", evidence=evidence, timestamp=T0 + 1),
        EvidenceChecked(round=1, checks=checks, timestamp=T0 + 2),
    )
    app = BarApp()
    async with app.run_test(size=(160, 3)):
        bar = app.query_one(StatusBar)
        bar.show_state(before)
        assert "cited" not in bar.render_text(), "an unchecked round claims nothing"
        bar.show_state(after)
        assert "✓ 2/3 cited" in bar.render_text()
