"""Report: one streaming call writes the cited report; citations to sources that were never
retrieved are removed. When the model cannot write it, the fallback report stands in."""

from __future__ import annotations

from core import prompts
from core.citation_check import with_citation_check
from core.events import PhaseStarted, ReportChunk, WarningRaised
from core.report import finalise_report
from core.research.outcomes import Failed
from core.research.phases.fallback import save_report, write_fallback
from core.research.run import Run

PARTIAL_NOTE = "> *Partial report: the research was stopped before all rounds ran.*\n\n"


async def write_report(run: Run, *, stopped: bool) -> None:
    """Raises ``Paused`` when a spent quota interrupts it (the loop writes the fallback)."""
    run.gate.clear_stop()
    state = run.state
    run.emit(PhaseStarted(round=state.current_round, phase="report"))
    if not state.sources:
        write_fallback(run, "no sources were retrieved")
        return
    prompt = prompts.report_prompt(
        topic=run.topic,
        language=run.options.language,
        summary=state.summary,
        evidence=state.evidence,
        sources=[state.sources[i] for i in sorted(state.sources)],
    )

    async def on_text(chunk: str) -> None:
        run.emit(ReportChunk(text=chunk))

    try:
        response = await run.llm_call(
            state.current_round,
            "report",
            lambda: run.providers.llm.stream_text(prompt, system=prompts.SYSTEM, on_text=on_text),
            reset=lambda: None,  # nothing to restart here; StreamRestarted voids the text
        )
    except Failed as failed:
        write_fallback(run, failed.reason)
        return
    checked = finalise_report(response.text, state.sources)
    if checked.dropped:
        run.emit(
            WarningRaised(
                message="Removed citations to sources that were never retrieved: "
                + ", ".join(f"[{i}]" for i in checked.dropped),
                kind="report",
            )
        )
    body = with_citation_check(checked.text, state.evidence, state.sources)
    text = (PARTIAL_NOTE if stopped else "") + body
    save_report(run, text, fallback=False, reason="stopped" if stopped else "")
