"""Judge: the optional batched call (``trust.judge``) before the report that asks the model
whether each verified quote supports its claim (``core.trust.judge``).

Off by default: then nothing is called. On, it is a call like any other: through
``LLMCall`` (rate limit, retries, ``LLMCallFinished`` with its cost, so usage and the
budget count it), and skipped with a warning when it would not fit the budget next to the
report's reserve, or when the model's answer is unusable. The report is never put at risk
for it: a failed judgment is a warning, not a failed research.
"""

from __future__ import annotations

from core import prompts
from core.cost.estimate import Estimate, tokens_of
from core.cost.prices import PriceTable
from core.events import EvidenceJudged, WarningRaised
from core.research.budget_check import report_reserve
from core.research.outcomes import Failed
from core.research.run import Run
from core.trust.judge import JUDGE_SCHEMA, judge_prompt, read_judgments, to_judge

OUTPUT_TOKENS_PER_ITEM = 40
"""Assumed answer size per judged item (an id, a word and a short reason)."""


def judge_estimate(run: Run, prompt: str, items: int) -> Estimate:
    """What the call will cost, at the run's prices (four characters a token)."""
    from core.cost.session import llm_model

    tokens_in = tokens_of(prompts.SYSTEM) + tokens_of(prompt)
    tokens_out = OUTPUT_TOKENS_PER_ITEM * items + 50
    prices = run.prices or PriceTable.defaults()
    usd = prices.call(llm_model(run.config), tokens_in, tokens_out)
    return Estimate(tokens_in, tokens_out, usd)


async def judge_evidence(run: Run) -> int:
    """Judge the verified, not yet judged evidence in one call; how many were judged."""
    if not run.options.judge:
        return 0
    state = run.state
    items = to_judge(state.evidence)
    if not items:
        return 0
    prompt = judge_prompt(items)
    budget = run.budget
    if budget is not None and budget.capped:
        need = judge_estimate(run, prompt, len(items)) + report_reserve(
            run, state.completed_rounds()
        )
        if not budget.fits(state.cost_usd, state.tokens_in + state.tokens_out, need):
            run.emit(
                WarningRaised(
                    message="The quotes were not judged by the model: the call would not "
                    f"fit the budget ({budget.describe()}) next to the report.",
                    kind="budget",
                )
            )
            return 0
    try:
        response = await run.llm_call(
            state.current_round,
            "judge",
            lambda: run.providers.llm.generate_json(
                prompt, schema=JUDGE_SCHEMA, system=prompts.SYSTEM
            ),
        )
    except Failed as failed:
        run.emit(
            WarningRaised(message=f"The quotes were not judged: {failed.reason}", kind="report")
        )
        return 0
    judgments = read_judgments(response.data, items)
    if len(judgments) < len(items):
        run.emit(
            WarningRaised(
                message=f"The model judged {len(judgments)} of {len(items)} quotes; "
                "the others stay unjudged.",
                kind="report",
            )
        )
    if judgments:
        run.emit(EvidenceJudged(judgments=judgments))
    return len(judgments)
