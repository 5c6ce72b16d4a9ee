"""Which evidence claim a report sentence states: a fuzzy match of words, in code.

The report is written by a model that was shown the evidence claims and their ``[n]``
sources; it paraphrases them, joins them and adds its own connecting prose. Nothing in
its answer says which claim a sentence rests on, so we read it back: for each ``[n]`` of a
sentence, the claims citing source ``n`` are scored against the sentence and the closest
one, if it is close enough (``CLAIM_MATCH_THRESHOLD``), is the claim that citation rests on.

The score is ``rapidfuzz.fuzz.token_set_ratio`` on the *content words* of both sides
(normalised as for quotes; citations and short ASCII function words such as "the", "of",
"was" dropped, numbers and non-Latin words kept). Set ratio because a sentence that
restates a claim inside longer prose still holds all of the claim's words; content words
because "the ... of the ... in" shared by any two English sentences lift an unrelated pair
to 40-50 (tests/core/trust/test_claim_match.py holds the table: a paraphrase of the same
claim scores 57-100, a sentence about another claim of the same source 30-50).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from rapidfuzz import fuzz

from core.trust.normalise import normalise

CLAIM_MATCH_THRESHOLD = 55.0
"""Lowest score (0-100) at which a sentence counts as stating a claim. Below it the
sentence is about none of that source's claims in particular (connecting prose, a summary
of several): the caller decides what that means."""

_CITATION = re.compile(r"\[\d{1,4}\]")
_WORD = re.compile(r"\w+", re.UNICODE)

T = TypeVar("T")


def content_words(text: str) -> str:
    """``text`` normalised, citations out, ASCII words of three letters or fewer dropped."""
    words = _WORD.findall(normalise(_CITATION.sub(" ", text)))
    return " ".join(w for w in words if w.isdigit() or not (w.isascii() and len(w) <= 3))


def match_score(sentence: str, claim: str) -> float:
    """How closely ``sentence`` states ``claim`` (0-100)."""
    a, b = content_words(sentence), content_words(claim)
    if not a or not b:
        return 0.0
    return round(fuzz.token_set_ratio(a, b), 1)


def closest(sentence: str, claims: Sequence[tuple[str, T]]) -> tuple[float, T | None]:
    """The best ``(score, item)`` among ``(claim, item)`` pairs; ``(0, None)`` when none
    reaches ``CLAIM_MATCH_THRESHOLD``. A tie keeps the first pair."""
    best_score, best = 0.0, None
    for claim, item in claims:
        score = match_score(sentence, claim)
        if score > best_score:
            best_score, best = score, item
    if best_score < CLAIM_MATCH_THRESHOLD:
        return best_score, None
    return best_score, best
