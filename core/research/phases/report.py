"""Report: one streaming call writes the cited report; citations to sources that were never
retrieved are removed. When the model cannot write it, the fallback report stands in."""

from __future__ import annotations

import shutil

from core import ingest, prompts
from core.citation_check import with_citation_check
from core.events import PhaseStarted, ReportArchived, ReportChunk, WarningRaised
from core.report import finalise_report
from core.research.outcomes import Failed
from core.research.phases.fallback import save_report, write_fallback
from core.research.run import Run

REPORTS_DIR = "reports"
"""Earlier reports of a research, kept when "dig deeper" rewrites ``report.md``."""


def keep_earlier_report(run: Run) -> None:
    """Copy ``report.md`` to ``reports/report.<k>.md`` before more rounds rewrite it.

    A copy, not a move: until the new report is written, ``report.md`` stays what it was.
    A failed copy is a warning; the research goes on.
    """
    current = run.report_path
    if not current.is_file():
        return
    state = run.state
    kept = current.parent / REPORTS_DIR / f"report.{len(state.reports_kept) + 1}.md"
    try:
        kept.parent.mkdir(exist_ok=True)
        shutil.copy2(current, kept)
    except OSError as exc:
        run.emit(WarningRaised(message=f"The earlier report was not kept: {exc}", kind="report"))
        return
    run.emit(ReportArchived(path=str(kept), rounds=state.completed_rounds()))


PARTIAL_NOTE = "> *Partial report: the research was stopped before all rounds ran.*\n\n"


async def write_report(
    run: Run, *, stopped: bool, cut_short: str = "", budget_note: str = ""
) -> None:
    """Raises ``Paused`` when a spent quota interrupts it (the loop writes the fallback).

    ``cut_short``: why the searching ended early (a search provider that can never
    answer); ``budget_note``: why the budget ended the research. Both are said at the top
    of the report."""
    run.gate.clear_stop()
    state = run.state
    run.emit(PhaseStarted(round=state.current_round, phase="report"))
    if not state.sources:
        write_fallback(run, budget_note or "no sources were retrieved")
        return
    prompt = prompts.report_prompt(
        topic=run.topic,
        language=run.options.language,
        summary=state.summary,
        evidence=state.evidence,
        sources=[state.sources[i] for i in sorted(state.sources)],
        focus=[r.focus for r in state.rounds.values() if r.focus],
    )

    async def on_text(chunk: str) -> None:
        run.emit(ReportChunk(text=chunk))

    try:
        llm = run.providers.llm
        callbacks = run.llm_call.streaming(state.current_round, "report", on_text, llm)
        response = await run.llm_call(
            state.current_round,
            "report",
            lambda: llm.stream_text(prompt, system=prompts.SYSTEM, **callbacks),
            reset=lambda: None,  # nothing to restart here; StreamRestarted voids the text
        )
    except Failed as failed:
        write_fallback(run, f"{failed.reason} ({budget_note})" if budget_note else failed.reason)
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
    note = PARTIAL_NOTE if stopped else ""
    if cut_short:
        note += f"> *Partial report: searching stopped early. {ingest.md_inline(cut_short)}*\n\n"
    if budget_note:
        note += f"> *Budget reached: {budget_note}*\n\n"
    text = note + with_citation_check(checked.text, state.evidence, state.sources)
    save_report(run, text, fallback=False, reason="stopped" if stopped else "")
