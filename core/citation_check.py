"""The report's citation check: which sentences rest only on unverified evidence.

Decided per claim, not per source: one source often backs a verified claim and an
invented one, and only the sentence stating the invented one should be marked. The report
model says nothing about which claim a sentence restates, so it is read back in code
(``core.trust.claim_match``): for each ``[n]`` of a sentence, the claims citing source
``n`` are matched against the sentence's words and the closest one, if close enough, is
what that citation rests on; the citation is *backed* when that claim is verified. A
sentence close to none of the source's claims (connecting prose, a summary of several)
is judged by its source as a whole: backed when any claim citing it is verified, since
we cannot say which one it restates. A citation to a source no claim cites is unbacked.

A sentence none of whose citations is backed is marked in the text and counted, with the
verdict counts and each flagged claim, in a "Citation check" section at the end of
``report.md``. The LLM report and the fallback report both go through here, so they agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core import ingest
from core.events import SourceAdded
from core.evidence import UNCHECKED, Evidence, verdict_counts
from core.trust.claim_match import closest

MARK = "⚠"
"""Put after a flagged sentence's citations; the section explains it."""

_SENTENCE = re.compile(r"[^.!?。\n]*?(?:\[\d+\])+[.!?。]?", re.UNICODE)
_IDS = re.compile(r"\[(\d+)\]")
_REFERENCE_LINE = re.compile(r"^\s*[-*]\s*\[\d+\]")


def backed_sources(evidence: Sequence[Evidence]) -> set[int]:
    """Ids of the sources at least one verified evidence item cites."""
    return {i for item in evidence if item.verified for i in item.source_ids}


@dataclass(frozen=True)
class Marks:
    """What ``mark_unverified`` did: sentences marked, and sentences (marked or not) of
    which some citation matched no claim closely and was judged by its source."""

    marked: int = 0
    by_source: int = 0


def citation_backed(sentence: str, source_id: int, evidence: Sequence[Evidence]) -> bool | None:
    """Whether ``[source_id]`` in ``sentence`` rests on verified evidence: the closest claim
    citing that source decides; ``None`` when no claim is close (the caller judges the
    source as a whole). Verified claims are tried first, so an exact tie is backed."""
    claims = sorted(
        (item for item in evidence if source_id in item.source_ids and item.claim),
        key=lambda item: not item.verified,
    )
    if not claims:
        return False
    _score, item = closest(sentence, [(e.claim, e) for e in claims])
    return None if item is None else item.verified


def sentence_backed(
    sentence: str, ids: set[int], evidence: Sequence[Evidence]
) -> tuple[bool, bool]:
    """``(backed, judged_by_source)`` for a sentence citing ``ids``: backed when any of its
    citations is (``citation_backed``, or its source's when no claim was close)."""
    backed_ids = backed_sources(evidence)
    backed = by_source = False
    for source_id in sorted(ids):
        found = citation_backed(sentence, source_id, evidence)
        if found is None:
            by_source = True
            found = source_id in backed_ids
        backed = backed or found
    return backed, by_source


def mark_unverified(text: str, evidence: Sequence[Evidence]) -> tuple[str, Marks]:
    """``text`` with ``MARK`` after each cited sentence none of whose citations rests on
    verified evidence, and what was marked. Reference list lines and headings are left
    alone."""
    marked = by_source = 0
    out = []
    for line in text.splitlines(keepends=True):
        if _REFERENCE_LINE.match(line) or line.lstrip().startswith("#"):
            out.append(line)
            continue

        def mark(match: re.Match[str]) -> str:
            nonlocal marked, by_source
            sentence = match.group(0)
            ids = {int(i) for i in _IDS.findall(sentence)}
            if not ids:
                return sentence
            backed, judged_by_source = sentence_backed(sentence, ids, evidence)
            by_source += judged_by_source
            if backed:
                return sentence
            marked += 1
            return sentence + f" {MARK}"

        out.append(_SENTENCE.sub(mark, line))
    return "".join(out), Marks(marked, by_source)


def citation_check_section(
    evidence: Sequence[Evidence], sources: Mapping[int, SourceAdded], marks: Marks = Marks()
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
    if marks.marked:
        lines += [
            "",
            f"{marks.marked} sentence(s) marked {MARK}: each of their citations rests on an "
            "unverified claim (the claim of that source closest to the sentence).",
        ]
    if marks.by_source:
        lines += [
            "",
            f"{marks.by_source} sentence(s) matched none of their source's claims closely "
            "and were judged by the source: backed when any claim citing it is verified.",
        ]
    lines += judged_lines(evidence)
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


def judged_lines(evidence: Sequence[Evidence]) -> list[str]:
    """The model's judgments (``trust.judge``), when it judged any: counts, then each
    verified claim whose quote it found partial or contradicting."""
    from core.trust.judge import judgment_counts

    counts = judgment_counts(evidence)
    judged = sum(counts.values())
    if not judged:
        return []
    words = ", ".join(f"{n} {judgment}" for judgment, n in counts.items())
    lines = [
        "",
        f"Judged by the model ({judged} verified quotes): {words}. The model read each quote "
        "against its claim; a judgment is its opinion, not a check in code.",
    ]
    doubtful = [e for e in evidence if e.judgment in ("partial", "contradicts")]
    if doubtful:
        lines += ["", "Verified quotes the model judged weaker than their claim:", ""]
        for item in doubtful:
            why = f" ({ingest.md_inline(item.judge_reason)})" if item.judge_reason else ""
            lines.append(f"- *{item.judgment}*: {ingest.md_inline(item.claim)}{why}")
    return lines


def with_citation_check(
    text: str, evidence: Sequence[Evidence], sources: Mapping[int, SourceAdded]
) -> str:
    """The report marked and ending with its citation check (no evidence: unchanged)."""
    if not evidence:
        return text
    body, marks = mark_unverified(text, evidence)
    return body.rstrip() + "\n\n" + citation_check_section(evidence, sources, marks)
