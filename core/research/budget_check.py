"""Whether the next round fits the research's budget, keeping the report's share in reserve.

Kept out of the engine loop so the rule reads on its own: a round runs only if the spend so
far, the round and the report's estimate for the rounds done by then all fit under every cap
that is set. Before any round has run the estimates are the static ones (``core.cost.estimate``,
on the high side); after that they are calibrated by the ratio of the last round's real spend
to its estimate, so a model that answers shorter than assumed is not stopped early.
"""

from __future__ import annotations

from core.cost.estimate import Estimate, estimate_report, estimate_round
from core.cost.prices import PriceTable
from core.cost.session import first_search_provider, llm_model
from core.research.run import Run


class BudgetReached(Exception):
    """The next round would not fit: write the report from what there is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def round_fits(run: Run, n: int) -> bool:
    budget = run.budget
    if budget is None or not budget.capped:
        return True
    config, options, state = run.config, run.options, run.state
    prices = run.prices or PriceTable.defaults()
    model = llm_model(config)

    def round_estimate(number: int) -> Estimate:
        return estimate_round(
            number,
            rounds=options.rounds,
            breadth=options.breadth,
            results_per_search=options.results_per_search,
            context_chars=config.research.context_chars,
            prices=prices,
            model=model,
            search_provider=first_search_provider(config),
            search_depth=config.tavily.search_depth,
            topic=run.topic,
        )

    need = round_estimate(n)
    last = state.rounds.get(n - 1)
    if last is not None and last.status == "done" and (last.cost_usd or last.tokens):
        before = round_estimate(n - 1)
        need = calibrated(
            need,
            last.cost_usd / before.usd if before.usd else 1.0,
            last.tokens / before.tokens if before.tokens else 1.0,
        )
    # The report's reserve stays the static (high-side) estimate: it is the one call that
    # must always fit, and no earlier call tells how long the model writes a report.
    need = need + report_reserve(run, n)
    return budget.fits(state.cost_usd, state.tokens_in + state.tokens_out, need)


def report_reserve(run: Run, rounds_done: int) -> Estimate:
    """What is kept back for the report after ``rounds_done`` rounds."""
    from core.cost.session import llm_model as model_of

    return estimate_report(
        rounds_done,
        breadth=run.options.breadth,
        results_per_search=run.options.results_per_search,
        prices=run.prices or PriceTable.defaults(),
        model=model_of(run.config),
        topic=run.topic,
    )


def calibrated(need: Estimate, usd_scale: float, token_scale: float) -> Estimate:
    """``need`` scaled by how the last round's real spend compared with its estimate, with
    a margin (``MARGIN``) for rounds growing faster than the estimate says."""
    usd_scale, token_scale = usd_scale * MARGIN, token_scale * MARGIN
    return Estimate(
        int(need.tokens_in * token_scale), int(need.tokens_out * token_scale), need.usd * usd_scale
    )


MARGIN = 1.15
"""Safety margin on calibrated estimates."""


def budget_note(run: Run, n: int) -> str:
    from core.cost.prices import format_usd

    budget = run.budget
    assert budget is not None
    done = n - 1
    return (
        f"the budget ({budget.describe()}) would not cover round {n} and the report, so the "
        f"research stopped after {done} round{'s' if done != 1 else ''} "
        f"(spent {format_usd(run.state.cost_usd)}, "
        f"{run.state.tokens_in + run.state.tokens_out:,} tokens)"
    )
