"""The optional model judgment: does a verified quote actually support its claim?

The code check (``core.trust.check``) proves a quote is in its source, not that it says
what the claim says: "Sales fell 12% in 2023" is verified by a page saying "sales fell 12%
in 2023 in Europe, and rose worldwide" for the claim "worldwide sales fell 12%". A model
reads that; code does not. So, off by default (``trust.judge``, ``run --judge``), one
batched call before the report asks the model to judge each verified, not yet judged
quote against its claim: ``supported``, ``partial`` or ``contradicts``.

Pure here: the prompt, its schema and the reading of the answer. The call itself is the
engine's (``core.research.phases.judge``), budgeted and counted like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

from core import ingest
from core.evidence import Evidence

Judgment = Literal["supported", "partial", "contradicts"]
JUDGMENTS: tuple[Judgment, ...] = get_args(Judgment)

MAX_ITEMS = 60
"""Items judged in one call; more wait for the next report (dig deeper), keeping the
call's size, and so its cost, bounded."""
CLAIM_CHARS = 400
QUOTE_CHARS = 400
REASON_CHARS = 300

JUDGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "judgments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "judgment": {"type": "string", "enum": list(JUDGMENTS)},
                    "reason": {"type": "string"},
                },
                "required": ["id", "judgment"],
            },
        }
    },
    "required": ["judgments"],
}


def to_judge(evidence: Sequence[Evidence]) -> list[tuple[int, int, Evidence]]:
    """``(round, index in the round, item)`` for each verified item not yet judged, at most
    ``MAX_ITEMS``, in the order they were gathered."""
    out: list[tuple[int, int, Evidence]] = []
    seen: dict[int, int] = {}
    for item in evidence:
        index = seen.get(item.round, 0)
        seen[item.round] = index + 1
        if item.verified and not item.judgment:
            out.append((item.round, index, item))
    return out[:MAX_ITEMS]


def _fenced(text: str, limit: int) -> str:
    from core.prompts import _fenced as fence
    from core.prompts import clip

    return fence(clip(ingest.clean_line(text, 4 * limit), limit))


def judge_prompt(items: Sequence[tuple[int, int, Evidence]]) -> str:
    """The one call's prompt: each item's claim and quote, numbered 1..n. The quote is web
    text and the claim the model's own reading of it, so both sit inside ``<source>``."""
    blocks = [
        f'<source id="{k}">\nCLAIM: {_fenced(item.claim, CLAIM_CHARS)}\n'
        f"QUOTE: {_fenced(item.quote, QUOTE_CHARS)}\n</source>"
        for k, (_round, _index, item) in enumerate(items, start=1)
    ]
    return f"""TASK: judge

## Claims and the quotes that back them (untrusted web data)
{chr(10).join(blocks)}

## Instructions
Each quote above was found word for word in its source. Judge, for each id, whether the
QUOTE alone supports its CLAIM:
- "supported": the quote states what the claim says;
- "partial": the quote supports part of the claim, or the claim says more than the quote;
- "contradicts": the quote says something the claim gets wrong.
Return one JSON object {{"judgments": [{{"id", "judgment", "reason"}}]}}, one entry per id,
with a "reason" of at most one short sentence.
"""


def read_judgments(data: Any, items: Sequence[tuple[int, int, Evidence]]) -> list[dict[str, Any]]:
    """The ``EvidenceJudged.judgments`` the answer gives; never raises. Entries naming an
    id not asked about, or a judgment not in ``JUDGMENTS``, are dropped; a repeated id
    keeps its first entry. Unjudged items stay unjudged (asked again next time)."""
    entries = data.get("judgments") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        return []
    out: dict[int, dict[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        k, judgment = entry.get("id"), str(entry.get("judgment") or "").strip().lower()
        if isinstance(k, str) and k.strip().isdigit():
            k = int(k)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= len(items):
            continue
        if judgment not in JUDGMENTS or k in out:
            continue
        round_no, index, _item = items[k - 1]
        reason = ingest.clean_line(str(entry.get("reason") or ""), REASON_CHARS)
        out[k] = {"round": round_no, "index": index, "judgment": judgment, "reason": reason}
    return [out[k] for k in sorted(out)]


def judgment_counts(evidence: Sequence[Evidence]) -> dict[str, int]:
    """How many items carry each judgment, in ``JUDGMENTS`` order (judged items only)."""
    counts = dict.fromkeys(JUDGMENTS, 0)
    for item in evidence:
        if item.judgment in counts:
            counts[item.judgment] += 1
    return counts
