"""An estimate of a research's spend before it starts, from the real prompt builders.

Why the real builders: the prompts are most of the input tokens, and they grow with the
round (the summary, the queries already searched, the sources shown). Each prompt is built
with representative stand-ins (a summary at its cap from round 2, a full mind-map context,
``breadth × results_per_search`` sources with full snippets) and counted at four characters
a token. Output sizes are fixed assumptions (``OUTPUT_TOKENS``).
"""

from __future__ import annotations

from dataclasses import dataclass

from core import prompts
from core.cost.prices import PriceTable
from core.events import SourceAdded
from core.evidence import Evidence

CHARS_PER_TOKEN = 4
OUTPUT_TOKENS: dict[str, int] = {"reasoning": 900, "synthesis": 900, "report": 2500}
"""Assumed output tokens per call (thinking included)."""
EVIDENCE_PER_ROUND = 6


def tokens_of(text: str) -> int:
    return max(1, len(text) // CHARS_PER_TOKEN)


@dataclass(frozen=True)
class Estimate:
    tokens_in: int = 0
    tokens_out: int = 0
    usd: float = 0.0

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(
            self.tokens_in + other.tokens_in,
            self.tokens_out + other.tokens_out,
            self.usd + other.usd,
        )


def _sources(count: int, first_id: int = 1) -> list[SourceAdded]:
    return [
        SourceAdded(
            round=1,
            source_id=first_id + i,
            url=f"https://example.org/article-{first_id + i}",
            title="A representative source title of a usual length",
            snippet="x" * prompts.SNIPPET_CHARS,
        )
        for i in range(count)
    ]


def _call(prices: PriceTable, model: str, prompt: str, purpose: str) -> Estimate:
    tokens_in = tokens_of(prompts.SYSTEM) + tokens_of(prompt)
    tokens_out = OUTPUT_TOKENS[purpose]
    return Estimate(tokens_in, tokens_out, prices.call(model, tokens_in, tokens_out))


def estimate_round(
    n: int,
    *,
    rounds: int,
    breadth: int,
    results_per_search: int,
    context_chars: int,
    prices: PriceTable,
    model: str,
    search_provider: str = "tavily",
    search_depth: str = "basic",
    topic: str = "a research topic of usual length",
) -> Estimate:
    """One round: reasoning, ``breadth`` searches, synthesis."""
    summary = "" if n == 1 else "s" * prompts.SUMMARY_CHARS
    per_round = min(breadth * results_per_search, prompts.SOURCES_IN_PROMPT)
    reasoning = prompts.reasoning_prompt(
        topic=topic,
        round_number=n,
        rounds=rounds,
        breadth=breadth,
        language="",
        summary=summary,
        context="c" * context_chars if n > 1 else "",
        previous_queries=["a planned search query of usual length"] * (breadth * (n - 1)),
        recent_sources=_sources(per_round) if n > 1 else [],
    )
    synthesis = prompts.synthesis_prompt(
        topic=topic,
        round_number=n,
        language="",
        summary=summary,
        reflection="r" * 1500,
        sources=_sources(per_round),
    )
    searches = Estimate(usd=breadth * prices.search(search_provider, search_depth))
    return (
        _call(prices, model, reasoning, "reasoning")
        + searches
        + _call(prices, model, synthesis, "synthesis")
    )


def estimate_report(
    rounds_done: int,
    *,
    breadth: int,
    results_per_search: int,
    prices: PriceTable,
    model: str,
    topic: str = "a research topic of usual length",
) -> Estimate:
    """The report call after ``rounds_done`` rounds."""
    sources = min(rounds_done * breadth * results_per_search, prompts.SOURCES_IN_REPORT)
    evidence = [
        Evidence("e" * 200, (1, 2))
        for _ in range(min(rounds_done * EVIDENCE_PER_ROUND, prompts.EVIDENCE_IN_REPORT))
    ]
    prompt = prompts.report_prompt(
        topic=topic,
        language="",
        summary="s" * prompts.SUMMARY_CHARS,
        evidence=evidence,
        sources=_sources(sources),
    )
    return _call(prices, model, prompt, "report")


def estimate_research(
    *,
    rounds: int,
    breadth: int,
    results_per_search: int,
    context_chars: int,
    prices: PriceTable,
    model: str,
    search_provider: str = "tavily",
    search_depth: str = "basic",
    topic: str = "a research topic of usual length",
) -> Estimate:
    """All ``rounds`` rounds and the report (an upper-side figure: no early "covered")."""
    total = Estimate()
    for n in range(1, rounds + 1):
        total += estimate_round(
            n,
            rounds=rounds,
            breadth=breadth,
            results_per_search=results_per_search,
            context_chars=context_chars,
            prices=prices,
            model=model,
            search_provider=search_provider,
            search_depth=search_depth,
            topic=topic,
        )
    return total + estimate_report(
        rounds,
        breadth=breadth,
        results_per_search=results_per_search,
        prices=prices,
        model=model,
        topic=topic,
    )
