"""Evidence as a typed value: a claim, the sources it cites, the quote that backs it and
the verdict of checking that quote (``core.trust``).

Events keep evidence as plain JSON objects (``SynthesisReady.evidence``), so logs written
before quotes existed still load; they are converted here, at the edge, and everything
after the reducer (report, prompts, exports, screens) reads ``Evidence`` attributes.
Evidence never checked (an old log, or a check that has not run yet) says ``unchecked``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from core.trust import Verdict, check_quote

UNCHECKED = "unchecked"
EvidenceVerdict = Verdict | Literal["unchecked"]
DEFAULT_CONFIDENCE = 0.5


def _ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(v for v in value if isinstance(v, int) and not isinstance(v, bool) and v > 0)


def _float(value: Any, default: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


@dataclass(frozen=True)
class Evidence:
    """One claim of a synthesis round and, once checked, what its quote check found."""

    claim: str
    source_ids: tuple[int, ...] = ()
    confidence: float = DEFAULT_CONFIDENCE
    quote: str = ""
    round: int = 0
    verdict: EvidenceVerdict = UNCHECKED
    score: float = 0.0
    """How close the quote's best passage came (0-100)."""
    checked_source: int | None = None
    """The cited source whose text the verdict is about (the best match among them)."""
    span: tuple[int, int] | None = None
    """The best passage in that source's text (``SourceAdded.snippet``)."""
    judgment: str = ""
    """The model's word on whether the (verified) quote supports the claim: "supported",
    "partial" or "contradicts"; empty when not judged (``trust.judge`` is off by default)."""
    judge_reason: str = ""

    @property
    def verified(self) -> bool:
        return self.verdict == "verified"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], round_no: int = 0) -> Evidence:
        """From an event's evidence object; missing or odd fields take their defaults."""
        return cls(
            claim=str(data.get("claim") or "").strip(),
            source_ids=_ids(data.get("source_ids")),
            confidence=_float(data.get("confidence"), DEFAULT_CONFIDENCE),
            quote=str(data.get("quote") or ""),
            round=round_no or int(_float(data.get("round"), 0)),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON for exports: the event's fields plus the check."""
        return {
            "claim": self.claim,
            "source_ids": list(self.source_ids),
            "confidence": self.confidence,
            "quote": self.quote,
            "round": self.round,
            "verdict": self.verdict,
            "score": self.score,
            "checked_source": self.checked_source,
            "span": list(self.span) if self.span else None,
            "judgment": self.judgment,
            "judge_reason": self.judge_reason,
        }

    def with_check(self, check: Mapping[str, Any]) -> Evidence:
        """This evidence carrying one ``EvidenceChecked.checks`` entry."""
        span = check.get("span")
        source = check.get("source_id")
        return replace(
            self,
            verdict=check.get("verdict", UNCHECKED),
            score=_float(check.get("score"), 0.0),
            checked_source=source if isinstance(source, int) and source > 0 else None,
            span=(int(span[0]), int(span[1]))
            if isinstance(span, list) and len(span) == 2
            else None,
        )


_RANK = {"verified": 0, "number not in source": 1, "quote not found": 2}


def check_evidence(item: Evidence, texts: Mapping[int, str]) -> dict[str, Any]:
    """The check entry for ``item``: its quote against each cited source's text, best kept
    (verified first, then the closest passage). No cited source with text: unavailable."""
    best: dict[str, Any] | None = None
    for source_id in item.source_ids:
        found = check_quote(item.claim, item.quote, texts.get(source_id))
        entry = {
            "verdict": found.verdict,
            "score": found.score,
            "source_id": source_id,
            "span": list(found.span) if found.span else None,
        }
        if best is None or (_RANK.get(found.verdict, 3), -found.score) < (
            _RANK.get(best["verdict"], 3),
            -best["score"],
        ):
            best = entry
    if best is None:
        return {"verdict": "source text unavailable", "score": 0.0, "source_id": None, "span": None}
    return best


def verdict_counts(evidence: list[Evidence]) -> dict[str, int]:
    """How many items carry each verdict (``unchecked`` included), in a fixed order."""
    from core.trust import VERDICTS

    counts = dict.fromkeys((*VERDICTS, UNCHECKED), 0)
    for item in evidence:
        counts[item.verdict] = counts.get(item.verdict, 0) + 1
    return counts


def verdict_summary(evidence: list[Evidence]) -> str:
    """ "5 verified, 1 quote not found": the verdicts that occur, in ``verdict_counts``
    order; "none" for no evidence. The round lines of ``run`` and research_log.md."""
    counts = verdict_counts(evidence)
    return ", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n) or "none"


def round_verdicts(evidence: list[Evidence], round_no: int) -> str:
    """``verdict_summary`` of round ``round_no``'s evidence."""
    return verdict_summary([item for item in evidence if item.round == round_no])
