"""The fallback report: built from the session's evidence without the model, so a research
that lost its LLM (quota, key, outage) still ends with a page, never an empty one."""

from __future__ import annotations

from core.atomic import SHARED, write_atomic
from core.events import ReportReady, WarningRaised
from core.report import fallback_report
from core.research.run import Run


def write_fallback(run: Run, reason: str) -> None:
    state = run.state
    text = fallback_report(
        topic=run.topic,
        reason=reason,
        summary=state.summary,
        evidence=state.evidence,
        sources=state.sources,
    )
    run.emit(WarningRaised(message=f"Report written without the LLM: {reason}", kind="report"))
    save_report(run, text, fallback=True, reason=reason)


def save_report(run: Run, text: str, *, fallback: bool, reason: str) -> None:
    """Write ``report.md`` whole (a reader never sees half of it), then say where it is.

    Searches that failed are listed at its end, so the report never looks more complete
    than the research was."""
    from core.search_failures import failed_searches, markdown_section

    section = markdown_section(failed_searches(run.state))
    if section:
        text = text.rstrip() + "\n\n" + section
    write_atomic(run.report_path, text, mode=SHARED)
    run.emit(ReportReady(path=str(run.report_path), fallback=fallback, reason=reason))
