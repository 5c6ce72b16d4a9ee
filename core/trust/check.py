"""One claim, its quote and its source text in; a verdict out.

The order of the checks is the order of the verdicts' gravity for a reader:

1. No stored text for the source (nothing was fetched, or the page was empty):
   ``source text unavailable``: we cannot tell, and say so.
2. The quote is not in the text, allowing for normalisation and a little noise
   (``QUOTE_THRESHOLD``): ``quote not found``. The closest passage is still returned, so a
   screen can show how close it came.
3. The quote is there but a number of the claim is not in the quote, or a number of the
   quote is not in the passage it matched (a fuzzy match forgives "12%" quoted as "15%";
   this does not): ``number not in source``.
4. Otherwise ``verified``.

A quote may elide with "..." / "…"; each part must then match on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from core.trust.normalise import normalise, normalise_mapped
from core.trust.numbers import missing_numbers, numbers_in

Verdict = Literal["verified", "quote not found", "number not in source", "source text unavailable"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)

QUOTE_THRESHOLD = 90.0
"""Lowest ``rapidfuzz.fuzz.partial_ratio`` (0-100, on normalised text) at which a quote
counts as found. A verbatim quote scores 100; one with a dropped word or a typo in a
long sentence about 92-98; a paraphrase of the same facts 50-80 and an invented sentence
lower still (tests/core/trust/test_check.py holds the table). 90 keeps every real quote
and no paraphrase."""

MIN_QUOTE_CHARS = 12
"""A quote shorter than this (normalised) proves nothing: "the" or "2024" is in any page.
It counts as not found."""

_NUMBER_NOISE_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))|(?<=\d) (?=%)")
"""A thousands separator or the space before "%": dropped from both sides before the
fuzzy match, so "1,000" against "1000" or "12 %" against "12%" costs no points."""

_PASSAGE_MARGIN = 12
"""Characters either side of a matched passage also read for its numbers, so an
alignment that stops one digit short does not lose a number."""


@dataclass(frozen=True)
class QuoteCheck:
    """The verdict for one quote, how close its best passage came (0-100) and that
    passage's ``(start, end)`` in the ORIGINAL source text (None: no text, or no quote)."""

    verdict: Verdict
    score: float
    span: tuple[int, int] | None
    missing: tuple[str, ...] = ()
    """For ``number not in source``: the numbers that were not found."""


def _compact(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """``text`` without ``_NUMBER_NOISE_RE`` matches, ``offsets`` kept in step."""
    drop = {m.start() for m in _NUMBER_NOISE_RE.finditer(text)}
    if not drop:
        return text, offsets
    kept = [i for i in range(len(text)) if i not in drop]
    return "".join(text[i] for i in kept), [offsets[i] for i in kept] + [offsets[-1]]


def _parts(quote: str) -> list[str]:
    """The quote's parts between elisions, each normalised; short scraps dropped."""
    text = normalise(quote)
    text = _compact(text, list(range(len(text) + 1)))[0].replace("...", "\u2026")
    parts = [p.strip(" \"'") for p in text.split("\u2026")]
    kept = [p for p in parts if len(p) >= 3]
    return kept or [text.strip(" \"'")]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def check_quote(claim: str, quote: str, source_text: str | None) -> QuoteCheck:
    """The verdict for ``claim`` supported by ``quote`` taken from ``source_text``."""
    if source_text is None or not source_text.strip():
        return QuoteCheck("source text unavailable", 0.0, None)
    parts = _parts(quote or "")
    if sum(len(p) for p in parts) < MIN_QUOTE_CHARS:
        return QuoteCheck("quote not found", 0.0, None)
    source, offsets = _compact(*normalise_mapped(source_text))
    scores: list[float] = []
    starts: list[int] = []
    ends: list[int] = []
    for part in parts:
        at = source.find(part)
        if at >= 0:
            score, start, end = 100.0, at, at + len(part)
        else:
            # Imported here: most quotes are found verbatim, and the cost estimate on Home
            # (prompts -> evidence -> here) must not load rapidfuzz at start-up.
            from rapidfuzz import fuzz

            found = fuzz.partial_ratio_alignment(part, source)
            score, start, end = found.score, found.dest_start, found.dest_end
        scores.append(score)
        starts.append(start)
        ends.append(end)
    score = round(min(scores), 1)
    start, end = min(starts), max(ends)
    span = _trimmed(source_text, offsets[start], offsets[end])
    if score < QUOTE_THRESHOLD:
        return QuoteCheck("quote not found", score, span)
    missing = set(missing_numbers(claim, quote))
    passage = source[max(0, start - _PASSAGE_MARGIN) : end + _PASSAGE_MARGIN]
    have = numbers_in(passage)
    missing |= {n for n in numbers_in(quote) if n not in have}
    if missing:
        return QuoteCheck("number not in source", score, span, tuple(sorted(missing)))
    return QuoteCheck("verified", score, span)
