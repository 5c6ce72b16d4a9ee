"""The searches a research could not run: one list for the report, ``run --json`` and
``sessions show``, read from the session state, so a live run and a reopened one agree.

Why it matters: a research whose later rounds lost their searches still writes a report
that looks complete; saying which searches failed (and why) lets the reader judge it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core import ingest
from core.state import SessionState


@dataclass(frozen=True)
class FailedSearch:
    round: int
    query: str
    provider: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def failed_searches(state: SessionState) -> list[FailedSearch]:
    """Every search that came back with an error, in round order (not ones a stop, pause or
    interruption cut short: those were not answered, not refused; nor ones outside the
    round's plan: a retried reasoning call voided the plan that asked for them,
    ``core.research.phases.early_search``)."""
    found: list[FailedSearch] = []
    for number in sorted(state.rounds):
        rnd = state.rounds[number]
        for search in rnd.searches:
            if search.status != "failed" or not search.error:
                continue
            if rnd.planned and search.query not in rnd.queries:
                continue
            provider = search.provider or state.search_provider or "search"
            found.append(FailedSearch(number, search.query, provider, search.error))
    return found


def markdown_section(failures: list[FailedSearch]) -> str:
    """A "Failed searches" section for report.md (empty when none failed)."""
    if not failures:
        return ""
    lines = [
        "## Failed searches",
        "",
        f"{len(failures)} search(es) failed; this report was written without their results.",
        "",
    ]
    for failure in failures:
        lines.append(
            f"- Round {failure.round}, {ingest.md_inline(failure.provider)}: "
            f"“{ingest.md_inline(failure.query)}” — {ingest.md_inline(failure.reason)}"
        )
    return ingest.safe("\n".join(lines) + "\n")


def summary(failures: list[FailedSearch]) -> str:
    """One line for a status reason: "2 of the searches failed (tavily: …)"."""
    if not failures:
        return ""
    first = failures[0]
    return (
        f"{len(failures)} search(es) failed ({first.provider}: {first.reason[:160]})"
        if len(failures) > 1
        else f"1 search failed ({first.provider}: {first.reason[:160]})"
    )
