"""Reasoning and search overlapped: each planned query is searched as soon as its
``<SEARCH>`` tag closes, while the model still writes the rest of its plan.

Why: the round's wall time was reasoning + searches + synthesis end to end, though the
first query is known long before the plan ends (issue 15). The searches are the same ones
``search_all`` would run (the first ``breadth`` planned queries, or the topic when round 1
planned none), with the same bound, gate, filters and failure handling.

A retried reasoning stream (a dropped connection, a 429) voids what its failed attempt
planned. Its searches are not run twice: a query the retry plans again takes over the
search already started (under way or done). The others are voided once the final plan is
known: one still under way is cancelled and ends with a ``SearchFinished`` whose error is
``search.VOIDED``; one already done stays on record (its ``SearchStarted``,
``SearchFinished`` and ``SourceAdded`` events were saved and cannot be taken back), but
its sources are left out of the round's synthesis and ``core.search_failures`` leaves
searches outside the plan out of the failed list. The final ``PlanReady`` lists only the
final plan's queries, which is what a resume goes on from.

With query review on, the user edits the queries first, so nothing starts early
(``engine._fresh_round`` keeps reasoning, then ``search_all``).
"""

from __future__ import annotations

from core.events import PhaseStarted, SourceAdded
from core.research.phases.context import Context
from core.research.phases.reasoning import Plan, reason
from core.research.phases.search import RoundSearches, Search
from core.research.run import Run


async def reason_and_search(run: Run, n: int, context: Context) -> tuple[Plan, list[SourceAdded]]:
    """Round ``n``'s plan and its sources, the searches started while the plan streams."""
    async with RoundSearches(run, n) as searches:
        heard: list[Search] = []
        """The searches of the reasoning attempt under way, in plan order."""

        def take(query: str, taken: list[Search]) -> Search:
            """The search for ``query``: one started already and not yet taken (a voided
            attempt's), else a new one."""
            for search in searches.started:
                if search.query == query and search not in taken and not search.voided:
                    return search
            return searches.start(query)

        def on_query(query: str) -> None:
            heard.append(take(query, heard))

        plan = await reason(run, n, context, on_query=on_query, on_restart=heard.clear)
        final: list[Search] = []
        for query in plan.queries:  # the planned ones are heard already; the topic may not be
            final.append(take(query, final))
        for search in searches.started:
            if search not in final:
                searches.void(search)
        await run.gate.checkpoint()
        run.emit(PhaseStarted(round=n, phase="search"))
    return plan, searches.sources()
