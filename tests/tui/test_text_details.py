"""Small texts a new user reads: search steps told apart, citations that are links."""

from __future__ import annotations

from core.events import PhaseStarted, RoundStarted, SearchStarted, SessionStarted
from core.state import SessionState
from tui.screens.report import link_citations
from tui.widgets.steps import build_entries


def test_a_rounds_searches_show_the_part_that_differs() -> None:
    """Each round's three searches all read "test-time compute…" when cut at 80 columns."""
    state = SessionState()
    queries = [
        "test-time compute scaling laws 2025",
        "test-time compute versus pretraining cost",
        "test-time compute reasoning benchmarks",
    ]
    events = [
        SessionStarted(topic="Inference scaling", rounds=1, breadth=3, model="m"),
        RoundStarted(round=1),
        PhaseStarted(round=1, phase="search"),
        *(SearchStarted(round=1, query=query) for query in queries),
    ]
    for seq, event in enumerate(events, 1):
        state.apply(event.stamped("s", seq))
    labels = [e.label for e in build_entries(state) if e.id.startswith("r1:search:")]
    assert labels == [
        "» … scaling laws 2025",
        "» … versus pretraining cost",
        "» … reasoning benchmarks",
    ]


def test_queries_that_share_only_a_short_word_are_shown_whole() -> None:
    state = SessionState()
    events = [
        SessionStarted(topic="Batteries", rounds=1, breadth=2, model="m"),
        RoundStarted(round=1),
        PhaseStarted(round=1, phase="search"),
        SearchStarted(round=1, query="cost of sodium cells"),
        SearchStarted(round=1, query="cost of lithium cells"),
    ]
    for seq, event in enumerate(events, 1):
        state.apply(event.stamped("s", seq))
    labels = [e.label for e in build_entries(state) if e.id.startswith("r1:search:")]
    assert labels == ["» cost of sodium cells", "» cost of lithium cells"]


def test_adjacent_citations_are_each_a_link() -> None:
    text = link_citations("Cheaper [1][3], denser [2, 4].")
    assert text == (
        "Cheaper \\[[1](source:1)\\]\\[[3](source:3)\\], denser \\[[2](source:2), [4](source:4)\\]."
    )


def test_markdown_references_and_links_are_left_alone() -> None:
    for text in ("see [the paper][1]", "[5](https://example.org)", "![img][2]"):
        assert link_citations(text) == text


async def test_toasts_do_not_stack_over_the_screen_at_80x24(keys: None) -> None:
    from core.config import load
    from tests.pilot_helpers import notified, wait_for
    from tui.app import DeepResearchApp
    from tui.screens.home import HomeScreen

    app = DeepResearchApp(load())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        for number in range(4):
            app.notify(f"message {number}", timeout=30)
        # every toast is in and the trim done: the last one posted is recorded, no more
        await wait_for(pilot, lambda: notified(app, "message 3") and len(app._notifications) == 1)
        assert [n.message for n in app._notifications] == ["message 3"]
    app = DeepResearchApp(load())
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        for number in range(4):
            app.notify(f"message {number}", timeout=30)
        await wait_for(pilot, lambda: notified(app, "message 3") and len(app._notifications) == 3)
        assert [n.message for n in app._notifications] == [f"message {n}" for n in (1, 2, 3)]


async def test_the_status_bar_keeps_a_space_between_round_and_phase() -> None:
    """Reported as "Round 1/3reasoning"; checked at every width the bar degrades through."""
    from textual.app import App, ComposeResult

    from core.events import PhaseStarted, RoundStarted
    from tests.pilot_helpers import wait_for
    from tui.widgets.status_bar import StatusBar

    state = SessionState()
    events = [
        SessionStarted(topic="t", rounds=3, breadth=3, model="m"),
        RoundStarted(round=1),
        PhaseStarted(round=1, phase="reasoning"),
    ]
    for seq, event in enumerate(events, 1):
        state.apply(event.stamped("s", seq))

    class Bar(App[None]):
        def compose(self) -> ComposeResult:
            yield StatusBar()

    for width in (200, 80, 40, 24):
        app = Bar()
        async with app.run_test(size=(width, 3)) as pilot:
            bar = app.query_one(StatusBar)
            bar.show_state(state)
            await wait_for(pilot, lambda b=bar: b.content_size.width > 0, "the bar laid out")
            bar.show_state(state)  # drawn again at its real width
            assert str(bar.render()).startswith("Round 1/3 reasoning"), width
