"""Whether the next round fits the research's budget, keeping the report's share in reserve.

Kept out of the engine loop so the rule reads on its own: a round runs only if the spend so
far, the round (its estimate, or the last round's real spend if larger) and the report's
estimate for the rounds done by then all fit under every cap that is set.
"""

from __future__ import annotations

from core.cost.budget import next_round_need
from core.cost.estimate import estimate_report, estimate_round
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
    estimate = estimate_round(
        n,
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
    last = state.rounds.get(n - 1)
    need = next_round_need(
        estimate, last.cost_usd if last else 0.0, last.tokens if last else 0
    ) + estimate_report(
        n,
        breadth=options.breadth,
        results_per_search=options.results_per_search,
        prices=prices,
        model=model,
        topic=run.topic,
    )
    return budget.fits(state.cost_usd, state.tokens_in + state.tokens_out, need)


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
