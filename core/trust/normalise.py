"""Text normalised for comparison, with a map back to the original characters.

A model quoting a page rarely reproduces it byte for byte: curly quotes become straight,
an en dash a hyphen, a line break a space, "ﬁ" two letters, full-width digits ASCII. None
of that changes what the page says, so both sides are normalised the same way before they
are compared. The map lets the caller turn a match in normalised text back into a span of
the original, which is what a screen highlights.
"""

from __future__ import annotations

import unicodedata

_QUOTES = {
    **dict.fromkeys("‘’‚‛′‵`´", "'"),
    **dict.fromkeys("“”„‟″‶«»＂", '"'),
}
_DASHES = dict.fromkeys("‐‑‒–—―−﹘﹣－", "-")
_UNIFY = str.maketrans({**_QUOTES, **_DASHES})


def _joins_previous(ch: str) -> bool:
    """True for a character NFKC may compose with the one before it: a combining mark, or a
    Hangul medial vowel / final consonant jamo (decomposed Korean syllables)."""
    return (
        unicodedata.combining(ch) != 0 or "\u1160" <= ch <= "\u11ff" or ("\ud7b0" <= ch <= "\ud7ff")
    )


def normalise_mapped(text: str) -> tuple[str, list[int]]:
    """``(normalised, offsets)``: ``offsets[i]`` is the index in ``text`` where the
    character that produced ``normalised[i]`` starts; ``offsets`` has one extra entry,
    ``len(text)``, so an end index maps too.

    Steps, per cluster of a base character and the marks that join it: NFKC, casefold,
    curly quotes to straight, dashes to "-"; then runs of whitespace become one space and
    the ends are stripped.
    """
    out: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    pending_space = False
    while i < n:
        j = i + 1
        while j < n and _joins_previous(text[j]):
            j += 1
        piece = unicodedata.normalize("NFKC", text[i:j]).casefold().translate(_UNIFY)
        for ch in piece:
            if ch.isspace():
                pending_space = bool(out)
                continue
            if pending_space:
                out.append(" ")
                offsets.append(i)
                pending_space = False
            out.append(ch)
            offsets.append(i)
        i = j
    offsets.append(n)
    return "".join(out), offsets


def normalise(text: str) -> str:
    """``text`` for comparison: NFKC, casefolded, quotes and dashes unified, whitespace
    collapsed to single spaces and stripped."""
    return normalise_mapped(text)[0]
