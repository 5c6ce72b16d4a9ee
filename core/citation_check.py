"""The report's citation check: which sentences rest only on unverified evidence.

A source counts as *backed* when at least one piece of verified evidence cites it. A report
sentence whose every ``[n]`` points at an unbacked source is marked in the text and listed,
with the verdict counts and each flagged claim, in a "Citation check" section at the end of
``report.md``. The LLM report and the fallback report both go through here, so they agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from core import ingest
from core.events import SourceAdded
from core.evidence import UNCHECKED, Evidence, verdict_counts

MARK = "⚠"
"""Put after a flagged sentence's citations; the section explains it."""

_SENTENCE = re.compile(r"[^.!?。\n]*?(?:\[\d+\])+[.!?。]?", re.UNICODE)
_IDS = re.compile(r"\[(\d+)\]")
_REFERENCE_LINE = re.compile(r"^\s*[-*]\s*\[\d+\]")


def backed_sources(evidence: Sequence[Evidence]) -> set[int]:
    """Ids of the sources at least one verified evidence item cites."""
    return {i for item in evidence if item.verified for i in item.source_ids}


def mark_unverified(text: str, evidence: Sequence[Evidence]) -> tuple[str, int]:
    """``text`` with ``MARK`` after each cited sentence none of whose sources is backed,
    and how many were marked. Reference list lines and headings are left alone."""
    backed = backed_sources(evidence)
    marked = 0
    out = []
    for line in text.splitlines(keepends=True):
        if _REFERENCE_LINE.match(line) or line.lstrip().startswith("#"):
            out.append(line)
            continue

        def mark(match: re.Match[str]) -> str:
            nonlocal marked
            ids = {int(i) for i in _IDS.findall(match.group(0))}
            if ids and not ids & backed:
                marked += 1
                return match.group(0) + f" {MARK}"
            return match.group(0)

        out.append(_SENTENCE.sub(mark, line))
    return "".join(out), marked


def citation_check_section(
    evidence: Sequence[Evidence], sources: Mapping[int, SourceAdded], marked: int = 0
) -> str:
    """The "## Citation check" section: counts per verdict, then each unverified claim
    with its source."""
    counts = verdict_counts(list(evidence))
    total = len(evidence)
    lines = [
        "## Citation check",
        "",
        f"{counts['verified']} of {total} evidence items verified: their quote was found in "
        "the cited source's text (and every number of the claim in the quote).",
        "",
    ]
    lines += [f"- {verdict}: {n}" for verdict, n in counts.items() if n or verdict != UNCHECKED]
    if marked:
        lines += [
            "",
            f"{marked} sentence(s) marked {MARK} cite only sources no verified evidence backs.",
        ]
    flagged = [item for item in evidence if not item.verified]
    if flagged:
        lines += ["", "Claims not verified:", ""]
        for item in flagged:
            cited = ", ".join(
                f"[{i}] {ingest.md_inline(sources[i].title) or ingest.md_url(sources[i].url)}"
                for i in item.source_ids
                if i in sources  # an id never retrieved is no source to name
            )
            line = f"- *{item.verdict}*: {ingest.md_inline(item.claim)} — {cited}"
            lines.append(line.rstrip(" —"))
    return "\n".join(lines) + "\n"


def with_citation_check(
    text: str, evidence: Sequence[Evidence], sources: Mapping[int, SourceAdded]
) -> str:
    """The report marked and ending with its citation check (no evidence: unchanged)."""
    if not evidence:
        return text
    body, marked = mark_unverified(text, evidence)
    return body.rstrip() + "\n\n" + citation_check_section(evidence, sources, marked)
