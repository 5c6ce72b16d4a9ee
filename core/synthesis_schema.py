"""The synthesis answer, checked against its schema: repaired where the intent is clear,
dropped where it is not, never a reason to fail the research.

A model asked for structured output mostly follows the schema (``prompts.SYNTHESIS_SCHEMA``),
but not always: a number where a list belongs, a list where a string belongs, source ids
that are negative, huge, fractional, text or simply not among the sources it was shown,
``"0.8"`` for a confidence, ``"false"`` for a boolean, objects nested a thousand levels deep.
One odd answer must cost at most that round's synthesis, so this module turns whatever came
back into a ``Synthesis`` whose fields have exactly the types the events and the mind map
expect, and lists what it had to change as warnings (the engine emits them).

Pure: no I/O, no engine state; the caller passes the ids that are valid.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from core import ingest

SUMMARY_CHARS = 8000
CLAIM_CHARS = 1000
QUOTE_CHARS = 1000
NAME_CHARS = 200
QUESTION_CHARS = 500
MAX_EVIDENCE = 100
MAX_IDS_PER_CLAIM = 50
MAX_ITEMS = 100
"""Concepts, relations and questions each; a model listing more is rambling."""
DEFAULT_CONFIDENCE = 0.5

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0", ""})


@dataclass
class Synthesis:
    """A synthesis answer with every field of its schema type (``usable`` False: skip it)."""

    summary: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    relations: list[dict[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    covered: bool = False
    usable: bool = True
    warnings: list[str] = field(default_factory=list)


def validate_synthesis(
    data: Any, *, valid_ids: Collection[int], previous_summary: str = ""
) -> Synthesis:
    """``data`` (the parsed JSON answer) as a ``Synthesis``; never raises.

    Not an object at all (a list of objects takes its first object): unusable. A missing
    or unreadable summary keeps ``previous_summary``. Source ids outside ``valid_ids`` are
    dropped, as is a claim without text. Every string passes ``core.ingest``.
    """
    result = Synthesis(summary=previous_summary)
    note = result.warnings.append
    if isinstance(data, list):
        first = next((item for item in data if isinstance(item, dict)), None)
        if first is not None:
            note("the answer was a list; its first object was used")
            data = first
    if not isinstance(data, dict):
        result.usable = False
        note(f"the answer is not a JSON object but {_kind(data)}")
        return result

    summary = _text(data.get("summary"), SUMMARY_CHARS, joiner="\n\n")
    if summary is None:
        note(f"'summary' was {_kind(data.get('summary'))}; the previous summary is kept")
    elif summary.strip():
        result.summary = summary.strip()

    result.evidence = _evidence(data.get("evidence"), set(valid_ids), note)
    result.concepts = _strings(data.get("concepts"), "concepts", NAME_CHARS, note)
    result.questions = _strings(data.get("questions"), "questions", QUESTION_CHARS, note)
    result.relations = _relations(data.get("relations"), note)
    result.covered = _flag(data.get("covered"), note)
    return result


def _kind(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _text(value: Any, limit: int, *, joiner: str = " ") -> str | None:
    """A string field: text as is, a number as its digits, a list of strings joined;
    None for anything else (an object, a nested list)."""
    if isinstance(value, str):
        return ingest.clean_text(value, limit)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return ingest.clean_text(_number_text(value), limit)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value[:MAX_ITEMS]):
        return ingest.clean_text(joiner.join(value[:MAX_ITEMS]), limit)
    return None


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, int) and abs(value) > 10**30:  # str() of a giant int is slow
        return ""
    return str(value)


def _items(value: Any, name: str, note: Any) -> list[Any]:
    """A list field: a list as is (bounded), one lone item as a list of it, else empty."""
    if value is None:
        return []
    if isinstance(value, list):
        if len(value) > MAX_ITEMS * 10:
            note(f"'{name}' had {len(value)} items; the first {MAX_ITEMS * 10} were read")
        return value[: MAX_ITEMS * 10]
    if isinstance(value, dict | str):
        note(f"'{name}' was {_kind(value)}, not a list; it was read as one item")
        return [value]
    note(f"'{name}' was {_kind(value)}, not a list; it was ignored")
    return []


def _strings(value: Any, name: str, limit: int, note: Any) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    skipped = 0
    for item in _items(value, name, note):
        text = _text(item, limit) if not isinstance(item, list) else None
        line = ingest.clean_line(text, limit) if text is not None else ""
        if not line:
            skipped += item not in ("", None)
            continue
        if line.casefold() not in seen and len(out) < MAX_ITEMS:
            seen.add(line.casefold())
            out.append(line)
    if skipped:
        note(f"{skipped} item(s) of '{name}' were not text and were dropped")
    return out


def source_id(value: Any) -> int | None:
    """``value`` as a source id: a positive int, an integral float or digits in a string;
    None for anything else (a bool, a fraction, NaN, a negative, text, a giant number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    elif isinstance(value, str):
        text = value.strip().lstrip("[").rstrip("]").strip()
        if not text.isdigit() or len(text) > 12:
            return None
        value = int(text)
    if not isinstance(value, int) or value <= 0 or value >= 10**12:
        return None
    return value


def confidence(value: Any) -> float:
    """A confidence in [0, 1]: numbers clamped, numeric text read, a percentage scaled;
    ``DEFAULT_CONFIDENCE`` for anything unreadable."""
    if isinstance(value, bool):
        return DEFAULT_CONFIDENCE
    if isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%").strip())
        except ValueError:
            return DEFAULT_CONFIDENCE
        value = number / 100 if percent else number
    if not isinstance(value, int | float):
        return DEFAULT_CONFIDENCE
    try:
        number = float(value)
    except OverflowError:
        return 1.0 if value > 0 else 0.0
    if math.isnan(number):
        return DEFAULT_CONFIDENCE
    return max(0.0, min(1.0, number))


def _evidence(value: Any, valid: set[int], note: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    unknown = no_claim = 0
    for item in _items(value, "evidence", note):
        if isinstance(item, str):
            item = {"claim": item, "source_ids": []}
        if not isinstance(item, dict):
            no_claim += 1
            continue
        claim = _text(item.get("claim"), CLAIM_CHARS)
        if claim is None or not claim.strip():
            no_claim += 1
            continue
        raw_ids = item.get("source_ids")
        if not isinstance(raw_ids, list):
            raw_ids = [] if raw_ids is None else [raw_ids]
        ids: list[int] = []
        for raw in raw_ids[: MAX_IDS_PER_CLAIM * 4]:
            n = source_id(raw)
            if n is None or n not in valid:
                unknown += 1
            elif n not in ids and len(ids) < MAX_IDS_PER_CLAIM:
                ids.append(n)
        if len(out) < MAX_EVIDENCE:
            kept: dict[str, Any] = {
                "claim": claim.strip(),
                "source_ids": ids,
                "confidence": confidence(item.get("confidence")),
            }
            quote = (_text(item.get("quote"), QUOTE_CHARS) or "").strip()
            if quote:  # no quote: the check says "quote not found"
                kept["quote"] = quote
            out.append(kept)
    if unknown:
        note(f"{unknown} source id(s) were not ids of this research's sources and were dropped")
    if no_claim:
        note(f"{no_claim} evidence item(s) had no claim text and were dropped")
    return out


def _relations(value: Any, note: Any) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    dropped = 0
    for item in _items(value, "relations", note):
        if not isinstance(item, dict):
            dropped += 1
            continue
        fields = {
            key: ingest.clean_line(_text(item.get(key), NAME_CHARS) or "", NAME_CHARS)
            for key in ("source", "target", "relation")
        }
        if not fields["source"] or not fields["target"]:
            dropped += 1
            continue
        if len(out) < MAX_ITEMS:
            out.append(fields)
    if dropped:
        note(f"{dropped} relation(s) without a source and a target were dropped")
    return out


def _flag(value: Any, note: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    note(f"'covered' was {_kind(value)}; read as false")
    return False
