"""Synthesis: one structured call turns the round's sources into an updated summary,
evidence (claims with source ids), concepts and relations, which then reach the mind map.
The answer is checked field by field (``core.synthesis_schema``): what is repaired or
dropped is said in a warning, and an answer that is no object at all is skipped."""

from __future__ import annotations

from core import prompts
from core.events import (
    EvidenceChecked,
    PhaseStarted,
    SourceAdded,
    SynthesisReady,
    WarningRaised,
)
from core.evidence import Evidence, check_evidence
from core.research.outcomes import Failed
from core.research.phases.reasoning import Plan
from core.research.run import Run
from core.synthesis_schema import validate_synthesis


async def synthesise(run: Run, n: int, plan: Plan, sources: list[SourceAdded]) -> bool:
    """True when the model judged the topic covered. No sources: no call (and a warning)."""
    if len(sources) > prompts.SOURCES_IN_PROMPT:
        run.emit(
            WarningRaised(
                message=f"Round {n} found {len(sources)} sources; its synthesis reads "
                f"the first {prompts.SOURCES_IN_PROMPT} (lower research.breadth or "
                "research.results_per_search to keep them all).",
                kind="synthesis",
                round=n,
            )
        )
    if not sources:
        run.emit(
            WarningRaised(
                message=f"Round {n} found no new sources; skipping its synthesis call.",
                kind="search",
                round=n,
            )
        )
        return False
    run.emit(PhaseStarted(round=n, phase="synthesis"))
    prompt = prompts.synthesis_prompt(
        topic=run.topic,
        round_number=n,
        language=run.options.language,
        summary=run.state.summary,
        reflection=plan.reflection,
        sources=sources,
    )
    try:
        response = await run.llm_call(
            n,
            "synthesis",
            lambda: run.providers.llm.generate_json(
                prompt, schema=prompts.SYNTHESIS_SCHEMA, system=prompts.SYSTEM
            ),
        )
    except Failed as failed:
        if failed.kind != "bad_output":
            raise
        # The round's sources stay saved; only its summary and evidence are missing.
        run.emit(
            WarningRaised(
                message=f"Round {n}'s synthesis was skipped: {failed.reason}",
                kind="synthesis",
                round=n,
            )
        )
        return False
    checked = validate_synthesis(
        response.data, valid_ids=run.state.sources, previous_summary=run.state.summary
    )
    if checked.warnings:
        verb = "was repaired" if checked.usable else "was skipped"
        message = f"Round {n}'s synthesis answer {verb}: " + "; ".join(checked.warnings)
        run.emit(WarningRaised(message=message[:2000], kind="synthesis", round=n))
    if not checked.usable:
        return False
    run.emit(
        SynthesisReady(
            round=n,
            summary=checked.summary,
            evidence=checked.evidence,
            concepts=checked.concepts,
            relations=checked.relations,
            questions=checked.questions,
            covered=checked.covered,
        )
    )
    emit_checks(run, n, checked.evidence)
    run.graph.later(n)
    if n < run.options.rounds and not checked.covered and run.config.research.context_chars > 0:
        # The next round's context reads the graph: the write is on the path either way,
        # and waiting here keeps its time in this round. Otherwise it overlaps what comes
        # next (the next round's reasoning, the report).
        await run.graph.caught_up()
    return checked.covered


def emit_checks(run: Run, n: int, evidence: list[dict]) -> None:
    """Check each quote of round ``n`` against the stored text of the sources it cites
    (``SourceAdded.snippet``: what the search returned, raw page text when asked for)
    and say so in one event, so replay restores the verdicts without re-checking."""
    texts = {sid: src.snippet for sid, src in run.state.sources.items()}
    checks = [check_evidence(Evidence.from_dict(item, n), texts) for item in evidence]
    run.emit(EvidenceChecked(round=n, checks=checks))
