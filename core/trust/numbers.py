"""The numbers a claim states, read so that "1,000" equals "1000" and "12 %" equals "12%".

A quote can match its page and still not support its claim: the claim says 15% where the
page says 12%. A fuzzy match forgives one changed digit, so numbers are checked on their
own, as values: thousands separators dropped, trailing decimal zeros ignored, a percent
sign (or "percent", "per cent", "퍼센트", "프로") kept as part of the value.

Digits glued to a word ("GPT-4", "COVID-19", "H2O", "Q3") name something rather than
count it, and are not read as numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from core.trust.normalise import normalise

_NUMBER_RE = re.compile(
    r"(?<![\w.])(?<![^\W\d_]-)"  # not glued to a word: "gpt-4", "h2o", "q3"
    r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
    r"(\s?(?:%|percent\b|per cent\b|퍼센트|프로))?"
)


def _value(integer: str, fraction: str | None) -> str:
    text = integer.replace(",", "") + (fraction or "")
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only yields digits
        return text
    return (
        format(number.normalize(), "f")
        if number == number.to_integral()
        else str(number.normalize())
    )


def numbers_in(text: str) -> frozenset[str]:
    """The numbers in ``text`` as canonical strings: ``"1000"``, ``"12%"``, ``"2.5"``."""
    found: set[str] = set()
    for match in _NUMBER_RE.finditer(normalise(text)):
        integer, fraction, percent = match.groups()
        if integer.startswith("0") and len(integer) > 1 and not fraction:
            integer = integer.lstrip("0") or "0"  # "07" (a month, a day) reads as 7
        found.add(_value(integer, fraction) + ("%" if percent else ""))
    return frozenset(found)


def missing_numbers(claim: str, quote: str) -> tuple[str, ...]:
    """The numbers of ``claim`` that ``quote`` does not state, sorted.

    A bare number in the claim is satisfied by the same number as a percentage in the
    quote ("grew 12" / "grew 12%"); a percentage in the claim needs a percentage.
    """
    have = numbers_in(quote)
    missing = [n for n in numbers_in(claim) if n not in have and n + "%" not in have]
    return tuple(sorted(missing))
