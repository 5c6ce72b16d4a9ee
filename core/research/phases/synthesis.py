"""Synthesis: one structured call turns the round's sources into an updated summary,
evidence (claims with source ids), concepts and relations, which then reach the mind map."""

from __future__ import annotations

from typing import Any

from core import prompts
from core.events import MindMapUpdated, PhaseStarted, SourceAdded, SynthesisReady, WarningRaised
from core.research.outcomes import Failed
from core.research.phases.reasoning import Plan
from core.research.run import Run


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
    data = response.data if isinstance(response.data, dict) else {}
    covered = bool(data.get("covered", False))
    run.emit(
        SynthesisReady(
            round=n,
            summary=str(data.get("summary") or run.state.summary),
            evidence=_evidence(data, set(run.state.sources)),
            concepts=_strings(data.get("concepts")),
            relations=_relations(data),
            questions=_strings(data.get("questions")),
            covered=covered,
        )
    )
    await run.graph.current()
    delta = run.graph.delta()
    run.emit(MindMapUpdated(round=n, nodes=delta.nodes, edges=delta.edges))
    return covered


def _evidence(data: dict[str, Any], valid_ids: set[int]) -> list[dict[str, Any]]:
    """Claims with text, citing only sources that exist, confidence clamped to 0..1."""
    evidence = []
    for item in data.get("evidence") or []:
        if not isinstance(item, dict) or not str(item.get("claim", "")).strip():
            continue
        ids = [int(i) for i in item.get("source_ids") or [] if _is_int(i) and int(i) in valid_ids]
        evidence.append(
            {
                "claim": str(item["claim"]).strip(),
                "source_ids": ids,
                "confidence": _confidence(item.get("confidence")),
            }
        )
    return evidence


def _relations(data: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {k: str(r.get(k, "")).strip() for k in ("source", "target", "relation")}
        for r in data.get("relations") or []
        if isinstance(r, dict) and r.get("source") and r.get("target")
    ]


def _strings(values: Any) -> list[str]:
    return [str(v).strip() for v in values or [] if str(v).strip()]


def _is_int(value: Any) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def _confidence(value: Any) -> float:
    try:
        return max(0.0, min(1.0, float(value)))
    except (TypeError, ValueError):
        return 0.5
