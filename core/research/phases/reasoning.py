"""Reasoning: one streaming call that plans the round; its sections are routed to the panes
as they arrive and its ``<SEARCH>`` tags become the round's queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core import prompts
from core.events import LLMChunk, PhaseStarted, PlanReady, WarningRaised
from core.parsing import ReasoningStreamParser
from core.research.phases.context import Context
from core.research.run import Run


@dataclass(frozen=True)
class Plan:
    plan: str = ""
    execution: str = ""
    reflection: str = ""
    queries: list[str] = field(default_factory=list)


async def reason(
    run: Run,
    n: int,
    context: Context,
    *,
    on_query: Callable[[str], None] | None = None,
    on_restart: Callable[[], None] | None = None,
) -> Plan:
    """The round's plan. ``on_query`` hears each planned query (up to breadth) as soon as
    its ``<SEARCH>`` tag closes, so its search can start while the model still writes;
    ``on_restart`` hears that a retried call voided the queries heard so far (the retry
    names them again, from its start)."""
    run.emit(PhaseStarted(round=n, phase="reasoning"))
    state, options = run.state, run.options
    previous_round = state.rounds.get(n - 1)
    recent = (
        [state.sources[i] for s in previous_round.searches for i in s.source_ids]
        if previous_round
        else []
    )
    previous_queries = [q for r in state.rounds.values() if r.number < n for q in r.queries]
    prompt = prompts.reasoning_prompt(
        topic=run.topic,
        round_number=n,
        rounds=options.rounds,
        breadth=options.breadth,
        language=options.language,
        summary=state.summary,
        context=context.text,
        previous_queries=previous_queries,
        recent_sources=recent,
        focus=options.focus,
    )
    parser = ReasoningStreamParser()
    heard = 0
    """Queries of this attempt handed to ``on_query`` so far."""

    def restart_parser() -> None:
        # A retried call streams its answer again from the start.
        nonlocal parser, heard
        parser, heard = ReasoningStreamParser(), 0
        if on_restart is not None:
            on_restart()

    def hear_queries() -> None:
        nonlocal heard
        if on_query is None:
            return
        while heard < min(len(parser.queries), options.breadth):
            heard += 1
            on_query(parser.queries[heard - 1])

    async def on_text(chunk: str) -> None:
        for section, text in parser.feed(chunk):
            if text:
                run.emit(LLMChunk(round=n, section=section, text=text))
        hear_queries()

    llm = run.providers.llm
    callbacks = run.llm_call.streaming(n, "reasoning", on_text, llm)
    await run.llm_call(
        n,
        "reasoning",
        lambda: llm.stream_text(prompt, system=prompts.SYSTEM, **callbacks),
        reset=restart_parser,
    )
    for section, text in parser.close():
        if text:
            run.emit(LLMChunk(round=n, section=section, text=text))
    hear_queries()
    queries = await _queries(run, n, parser.queries)
    plan = Plan(
        plan=parser.sections.get("plan", ""),
        execution=parser.sections.get("execution", ""),
        reflection=parser.sections.get("reflection", ""),
        queries=queries,
    )
    run.emit(
        PlanReady(
            round=n,
            plan=plan.plan,
            execution=plan.execution,
            reflection=plan.reflection,
            queries=queries,
        )
    )
    return plan


async def _queries(run: Run, n: int, planned: list[str]) -> list[str]:
    """The searches to run: the first ``breadth`` planned ones (the topic itself when round 1
    planned none), as the user edited them when query review is on."""
    breadth = run.options.breadth
    queries = planned[:breadth]
    if len(planned) > breadth:
        run.emit(
            WarningRaised(
                message=f"The plan had {len(planned)} searches; running the first "
                f"{breadth} (breadth).",
                kind="plan",
                round=n,
            )
        )
    if not queries:
        queries = [run.topic] if n == 1 else []
        if queries:
            run.emit(
                WarningRaised(
                    message="The plan had no <SEARCH> tags; searching the topic.",
                    kind="plan",
                    round=n,
                )
            )
    if run.review_queries is not None and queries:
        reviewed = await run.review_queries(n, list(queries))
        queries = [q.strip() for q in reviewed if q.strip()]
    return queries
