"""Resume mid-round: go on from the round's last finished step, never redo a recorded one.

A research cut short (killed, interrupted, paused on quota) left its current round part
done. What the event log holds decides where it goes on: a recorded plan is not asked of
the model again, recorded searches are not run again (only the ones that never came back),
and a recorded synthesis is not called again (its evidence would count twice). This is
what makes resuming idempotent: replaying the log and going on records each step once.
"""

from __future__ import annotations

from core.events import MindMapUpdated, ResumeStep, RoundResumed
from core.research.phases.reasoning import Plan
from core.research.phases.search import search_all
from core.research.phases.synthesis import synthesise
from core.research.run import Run
from core.state import RoundState


def resume_step(rnd: RoundState | None) -> ResumeStep | None:
    """Where an unfinished round goes on; None when it must start afresh (nothing of it
    that costs a call is recorded: no plan yet)."""
    if rnd is None or rnd.status == "done" or not rnd.planned:
        return None
    if rnd.synthesis is not None:
        return "end"
    if not rnd.unfinished_queries():
        return "synthesis"
    return "search"


async def resume_round(run: Run, n: int, step: ResumeStep) -> bool:
    """The rest of round ``n`` from ``step``; True when the model judged the topic covered."""
    rnd = run.state.rounds[n]
    plan = Plan(
        plan=rnd.text.get("plan", ""),
        execution=rnd.text.get("execution", ""),
        reflection=rnd.text.get("reflection", ""),
        queries=list(rnd.queries),
    )
    recorded = sorted({i for s in rnd.finished_searches() for i in s.source_ids})
    left = rnd.unfinished_queries()
    synthesis = rnd.synthesis
    run.emit(RoundResumed(round=n, step=step))
    if step == "end":
        assert synthesis is not None
        # The graph may have lost the synthesis with the process that recorded it: hand it
        # over again (the projection merges, so a graph that has it gains nothing).
        await run.graph.caught_up()
        await run.graph.current()
        run.graph.delta()
        run.graph.submit(synthesis)
        await run.graph.current()
        delta = run.graph.delta()
        if delta.nodes or delta.edges:
            run.emit(MindMapUpdated(round=n, nodes=delta.nodes, edges=delta.edges))
        return synthesis.covered
    ids = set(recorded)
    if step == "search":
        await run.gate.checkpoint()
        ids |= {s.source_id for s in await search_all(run, n, left)}
    await run.gate.checkpoint()
    sources = [run.state.sources[i] for i in sorted(ids) if i in run.state.sources]
    return await synthesise(run, n, plan, sources)
