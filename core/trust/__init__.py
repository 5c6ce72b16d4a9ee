"""Checking that a cited source says what a claim says, in code and without a model.

Pure and small on purpose: another part of the engine (synthesis, follow-up answers, the
fallback report) hands in a claim, the quote the model gave for it and the stored text of
the cited source, and gets back a ``QuoteCheck``: a verdict, how close the best passage
came (0-100) and where that passage is in the original text, so a screen can highlight it.
"""

from core.trust.check import (
    MIN_QUOTE_CHARS,
    QUOTE_THRESHOLD,
    VERDICTS,
    QuoteCheck,
    Verdict,
    check_quote,
)
from core.trust.normalise import normalise, normalise_mapped
from core.trust.numbers import numbers_in

__all__ = [
    "MIN_QUOTE_CHARS",
    "QUOTE_THRESHOLD",
    "VERDICTS",
    "QuoteCheck",
    "Verdict",
    "check_quote",
    "normalise",
    "normalise_mapped",
    "numbers_in",
]
