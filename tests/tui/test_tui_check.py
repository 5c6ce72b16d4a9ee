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


def _checked_session() -> str:
    """The canned research whose round 1 has two claims citing [2], one verified and one
    invented, and one citing [1]; checked, as the engine would have."""
    import dataclasses

    from core.config import load
    from core.events import EvidenceChecked, SynthesisReady
    from tests.snapshot_apps.scripted import canned_events, write_session

    events = canned_events()
    at = next(i for i, e in enumerate(events) if isinstance(e, SynthesisReady) and e.round == 1)
    synthesis = events[at]
    evidence = [
        {"claim": "Sulfide electrolytes conduct best.", "source_ids": [2], "quote": "q"},
        {"claim": "Sulfide cells were invented in 1850.", "source_ids": [2], "quote": "q"},
        {"claim": "Solid-state cells are safer.", "source_ids": [1], "quote": "q"},
    ]
    checks = [
        {"verdict": "verified", "score": 100.0, "source_id": 2, "span": None},
        {"verdict": "quote not found", "score": 41.0, "source_id": 2, "span": None},
        {"verdict": "verified", "score": 98.0, "source_id": 1, "span": None},
    ]
    checked = EvidenceChecked(round=1, checks=checks, timestamp=synthesis.timestamp)
    events[at : at + 1] = [dataclasses.replace(synthesis, evidence=evidence), checked]
    return write_session(load().sessions_dir, events)


async def test_a_report_citation_opens_the_claims_citing_that_source(
    keys: None, make_app: AppBuilder
) -> None:
    from textual.widgets import Input

    from tests.pilot_helpers import replayed, report_opened
    from tui.screens.report import GoToSourceScreen
    from tui.screens.source_detail import SourceDetailScreen

    app = make_app(open_session=_checked_session())
    async with app.run_test(size=(100, 30)) as pilot:
        await replayed(pilot)
        await pilot.press("r")
        report = await report_opened(pilot)
        doc = report.query_one("#report-doc")
        await wait_for(pilot, lambda: "source:2" in doc.shown)
        # A click on citation [2]: its two claims, the invented one first, nothing else.
        doc.document.post_message(Markdown.LinkClicked(doc.document, "source:2"))
        await wait_for(pilot, lambda: isinstance(app.screen, CheckScreen))
        check = app.screen
        assert check.source_id == 2
        options = check.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts == [
            "── quote not found (1)",
            "Sulfide cells were invented in 1850. [2]",
            "── verified (1)",
            "Sulfide electrolytes conduct best. [2]",
        ]
        title = str(check.query_one("#check-title").render())
        assert (
            title
            == "Claims citing [2] Sulfide electrolytes in practice: 1 verified, 1 quote not found"
        )
        # Enter shows the claim under the cursor against its source.
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CheckDetailScreen))
        assert "invented in 1850" in app.screen.query_one(Markdown).source
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is check)
        # s: source 2's own details over the claims; escapes lead back to the report.
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SourceDetailScreen))
        assert app.screen.source.source_id == 2
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is check)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is report)
        # The keyboard way: c and a number.
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, GoToSourceScreen))
        app.screen.query_one(Input).value = "1"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CheckScreen))
        assert app.screen.source_id == 1
        claims = app.screen.query_one(OptionList)
        assert claims.option_count == 2
        assert "Solid-state cells are safer." in str(claims.get_option_at_index(1).prompt)


async def test_the_unfiltered_check_view_has_no_source_key(
    keys: None, make_app: AppBuilder
) -> None:
    from tests.pilot_helpers import drained, replayed

    app = make_app(open_session=_checked_session())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await replayed(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CheckScreen))
        assert app.screen.source_id is None
        await pilot.press("s")
        await drained(pilot)  # the key was handled
        assert isinstance(app.screen, CheckScreen), "s does nothing without one source"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


def test_the_check_view_shows_the_models_judgment() -> None:
    import dataclasses

    item = dataclasses.replace(
        _item("verified", "Sihwa has ten turbines.", (14, 26)),
        judgment="partial",
        judge_reason="the page says ten, not which kind",
    )
    source = SourceAdded(
        round=1,
        source_id=1,
        url="https://a.example",
        title="S",
        snippet="The plant has ten turbines.",
    )
    text = check_markdown(item, {1: source})
    assert "**Model's judgment:** partial: the page says ten, not which kind" in text
    assert "Model's judgment" not in check_markdown(_item("verified", "x", (0, 3)), {1: source})
    screen = CheckScreen([item], {1: source})
    assert screen._title() == "Citation check: 1 verified; judged: 1 partial"
