"""The final report: citation checking for the LLM's report and the no-LLM fallback.

The LLM writes the body and cites ``[n]``; we keep only citations to sources that were really
retrieved, and append the references list ourselves from the ids it cited, so every ``[n]`` in
report.md resolves. When the LLM cannot write at all (quota, outage), ``fallback_report``
builds one from the session's evidence and sources: never an empty page.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass

from core import ingest
from core.citation_check import MARK, citation_check_section
from core.events import SourceAdded
from core.evidence import Evidence

CITATION = re.compile(r"\[(\d{1,4})\](?!\()")
"""``[3]`` but not a markdown link ``[3](...)``."""
_MULTI_CITATION = re.compile(r"\[(\d{1,4}(?:\s*,\s*\d{1,4})+)\]")
_SPACED_CITATION = re.compile(r"([ \t]*)\[(\d{1,4})\](?!\()")
"""A citation with the spaces before it: a dropped one takes them along."""
_REFERENCES_HEADING = re.compile(r"^#{1,3}\s+\S.*$", re.MULTILINE)


@dataclass(frozen=True)
class CheckedReport:
    text: str
    cited: list[int]
    dropped: list[int]
    """Citations to ids that were never retrieved, removed from the text."""


def _split_multi(text: str) -> str:
    """``[1, 2]`` → ``[1][2]`` so every citation has one form."""
    return _MULTI_CITATION.sub(
        lambda m: "".join(f"[{n.strip()}]" for n in m.group(1).split(",")), text
    )


def cited_ids(text: str) -> list[int]:
    seen: dict[int, None] = {}
    for match in CITATION.finditer(_split_multi(text)):
        seen.setdefault(int(match.group(1)), None)
    return list(seen)


_REFERENCE_LINE = re.compile(
    r"^\s*(?:[-*+]\s*)?(?:\[\d{1,4}\]|(?:\d{1,4}[.)]|[-*+])\s*.*(?:https?://|www\.))"
)
"""``[3] Title`` or a numbered / bulleted line with a link: how reference lists look."""


def _strip_trailing_references(text: str) -> tuple[str, str]:
    """Split off the LLM's own references section, keeping its heading (in its language).

    Only the *last* heading counts, and only when nothing follows it (the prompt asks for
    that) or every line under it is a ``[n]`` entry or a list item with a link. A closing
    section that is merely a list ("## Open questions") is body text and stays.
    """
    headings = list(_REFERENCES_HEADING.finditer(text))
    if len(headings) < 2:  # the title alone is no references heading
        return text.rstrip(), ""
    last = headings[-1]
    lines = [line for line in text[last.end() :].splitlines() if line.strip()]
    if not lines or all(_REFERENCE_LINE.match(line) for line in lines):
        return text[: last.start()].rstrip(), last.group(0).strip()
    return text.rstrip(), ""


def references_block(heading: str, ids: Sequence[int], sources: Mapping[int, SourceAdded]) -> str:
    lines = [heading or "## References", ""]
    for n in ids:
        source = sources[n]
        title = ingest.md_inline(source.title) or ingest.md_url(source.url)
        lines.append(f"- [{n}] {title} — <{ingest.md_url(source.url)}>")
    return ingest.safe("\n".join(lines).rstrip() + "\n")


def drop_unknown_citations(text: str, known: Container[int]) -> tuple[str, list[int]]:
    """``text`` without its citations of ids not in ``known``, and those ids in order.

    The spaces before a dropped citation go with it: "is dropped [999]." reads "is
    dropped.", not "is dropped ." (a model cites an id it never saw now and then). Before
    another citation they stay: "fact [999][2]" keeps "fact [2]".
    """
    dropped: list[int] = []

    def keep(match: re.Match[str]) -> str:
        n = int(match.group(2))
        if n in known:
            return match.group(0)
        dropped.append(n)
        return match.group(1) if text.startswith("[", match.end()) else ""

    return _SPACED_CITATION.sub(keep, text), dropped


def finalise_report(text: str, sources: Mapping[int, SourceAdded]) -> CheckedReport:
    """Drop citations to unknown ids and append a references list of the cited sources."""
    body, heading = _strip_trailing_references(_split_multi(text))
    body, dropped = drop_unknown_citations(body, sources)
    ids = [n for n in cited_ids(body) if n in sources]
    ids.sort()
    parts = [body.rstrip(), ""]
    if ids:
        parts.append(references_block(heading, ids, sources))
    text = ingest.safe("\n".join(parts).rstrip() + "\n")  # report.md is shown in terminals
    return CheckedReport(text=text, cited=ids, dropped=dropped)


def fallback_report(
    *,
    topic: str,
    reason: str,
    summary: str,
    evidence: Sequence[Evidence],
    sources: Mapping[int, SourceAdded],
) -> str:
    """A report made without the LLM from what the session gathered, saying why at the top."""
    lines = [
        f"# {topic}",
        "",
        f"> **This report was assembled without the LLM** because {reason.rstrip('.')}. "
        "It lists the summary, evidence and sources the research gathered; resume the "
        "research to get a written report.",
        "",
    ]
    if summary.strip():
        lines += ["## Summary", "", summary.strip(), ""]
    # Verified evidence first, each unverified item marked (the same verdicts as the
    # LLM report's citation check, which ends this page too).
    known = sorted((e for e in evidence if e.claim), key=lambda e: not e.verified)
    if known:
        lines += ["## Evidence", ""]
        for item in known:
            ids = [i for i in item.source_ids if i in sources]
            marks = "".join(f"[{i}]" for i in ids)
            flag = "" if item.verified else f" {MARK} *({item.verdict})*"
            lines.append(f"- {item.claim} {marks}".rstrip() + flag)
        lines.append("")
    if not summary.strip() and not known:
        lines += ["No evidence was gathered before the research stopped.", ""]
    if sources:
        lines.append(references_block("## Sources", sorted(sources), sources))
    if known:
        lines.append(citation_check_section(known, sources))
    return ingest.safe("\n".join(lines).rstrip() + "\n")
