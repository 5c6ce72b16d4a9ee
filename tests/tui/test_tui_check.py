"""The citation check view (``c``): claims grouped by verdict, a claim against its source."""

from __future__ import annotations

from textual.widgets import Markdown, OptionList

from core.events import SourceAdded
from core.evidence import Evidence
from tests.conftest import AppBuilder
from tests.pilot_helpers import finished, research_screen, wait_for
from tui.screens.check import CheckDetailScreen, CheckScreen, check_markdown, grouped


def _item(verdict: str, claim: str, span: tuple[int, int] | None = None) -> Evidence:
    return Evidence(claim=claim, source_ids=(1,), quote="ten turbines", round=1).with_check(
        {"verdict": verdict, "score": 97.0, "source_id": 1, "span": list(span) if span else None}
    )


def test_problems_come_first_and_the_matched_passage_is_highlighted() -> None:
    good = _item("verified", "Sihwa has ten turbines.", (14, 26))
    bad = _item("quote not found", "Sihwa doubled its output.")
    assert [v for v, _ in grouped([good, bad])] == ["quote not found", "verified"]
    source = SourceAdded(
        round=1,
        source_id=1,
        url="https://a.example",
        title="Sihwa",
        snippet="The plant has ten turbines of 25.4 MW.",
    )
    text = check_markdown(good, {1: source})
    assert "**ten turbines**" in text and "verified (closest passage 97/100)" in text
    assert "**ten turbines**" not in check_markdown(bad, {1: source})


def test_the_highlighted_passage_renders_bold_even_when_it_ends_in_punctuation() -> None:
    """Rendered as Textual's Markdown does (markdown-it): a passage ending in "." right
    before a letter ("definitions.It") used to show its asterisks instead of bold."""
    from markdown_it import MarkdownIt

    snippet = "Intro: tidal power is old. Sihwa opened in 2011.It has ten turbines."
    start = snippet.index("Sihwa")
    end = snippet.index("It has")
    item = _item("verified", "Sihwa opened in 2011.", (start, end))
    source = SourceAdded(round=1, source_id=1, url="https://a.example", title="S", snippet=snippet)
    html = MarkdownIt("gfm-like").render(check_markdown(item, {1: source}))
    assert "<strong>Sihwa opened in 2011.</strong>" in html
    assert "**" not in html


async def test_c_lists_the_claims_by_verdict_and_enter_shows_one(
    keys: None, make_app: AppBuilder
) -> None:
    app = make_app(start_topic="Solid-state batteries")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await finished(pilot, screen)
        assert screen.state.evidence, "the scripted research gathered no evidence"
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CheckScreen))
        options = app.screen.query_one(OptionList)
        # the scripted events predate quotes: every claim is "unchecked", under one heading
        assert options.get_option_at_index(0).prompt.startswith("── unchecked")
        assert options.option_count == len(screen.state.evidence) + 1
        await pilot.press("enter")  # the cursor starts on the first claim, past the heading
        await wait_for(pilot, lambda: isinstance(app.screen, CheckDetailScreen))
        shown = app.screen.query_one(Markdown).source
        assert screen.state.evidence[0].claim in shown and "unchecked" in shown
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: app.screen is screen)
