"""The reasoning stream parser gives the same answer for every split of the same text.

Where a stream is cut is up to the network; the panes must not be. These are property
tests (hypothesis): texts built from the section grammar the model writes (headers in every
decoration we accept, ``<SEARCH>`` tags, near misses of both, long lines) are parsed whole
and in random pieces, and the pieces' output must equal the whole text's. The suite runs a
bounded number of examples; ``pytest -m fuzz_long`` runs many more.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.parsing import ReasoningStreamParser

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=4000, deadline=None, suppress_health_check=list(HealthCheck))

_KEYWORDS = ["PLANNING", "Planning", "planning", "EXECUTION", "Execution", "REFLECTION"]
_PREFIXES = ["", "## ", "### ", "**", "1. ", "2) ", "12. ", "1. **", "## 2. ", "  ", "#", "__"]
_SUFFIXES = ["", "**", ":", " (계획)", "**:", " (note)**", "：", "*", " ", "s", " is key"]
_WORDS = [
    "text",
    "1",
    "12",
    "1.",
    "<",
    "<se",
    "< sea",
    "</search>",
    "a < b",
    "*",
    "**bold**",
    "# ",
    "계획",
    "実行",
    "(",
    ")",
    ":",
    "PLANNINGS",
    "Plan",
    "x" * 90,
]


@st.composite
def headers(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(_PREFIXES)) + draw(st.sampled_from(_KEYWORDS))
    head += draw(st.sampled_from(_SUFFIXES))
    if draw(st.booleans()):
        head += " " + draw(st.sampled_from(_WORDS))
    return head


@st.composite
def tags(draw: st.DrawFn) -> str:
    space = st.sampled_from(["", " ", "  ", "\n", " " * 9])
    body = draw(st.lists(st.sampled_from(["quantum", "error", "\n", " ", "배터리", "x" * 300])))
    close = draw(st.sampled_from(["</SEARCH>", "</ search >", "< / search>", "", "<SEARCH>"]))
    return f"<{draw(space)}SEARCH{draw(space)}>{''.join(body)}{close}"


def plain() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(_WORDS), max_size=6).map(" ".join)


def texts() -> st.SearchStrategy[str]:
    piece = st.one_of(headers(), tags(), plain(), st.text(max_size=12))
    line = st.lists(piece, min_size=1, max_size=3).map("".join)
    return (
        st.lists(line, min_size=1, max_size=12)
        .flatmap(lambda lines: st.sampled_from(["\n", "\n\n"]).map(lambda sep: sep.join(lines)))
        .flatmap(lambda text: st.sampled_from(["", "\n"]).map(lambda end: text + end))
    )


def parse(chunks: list[str]) -> tuple[list[tuple[str, str]], dict[str, str], list[str]]:
    """(pieces with neighbours of one section merged, sections, queries)."""
    parser = ReasoningStreamParser()
    pieces: list[tuple[str, str]] = []
    for chunk in chunks:
        pieces += parser.feed(chunk)
    pieces += parser.close()
    merged: list[tuple[str, str]] = []
    for section, text in pieces:
        if merged and merged[-1][0] == section:
            merged[-1] = (section, merged[-1][1] + text)
        elif text:
            merged.append((section, text))
    return merged, dict(parser.sections), list(parser.queries)


def cut(text: str, points: list[int]) -> list[str]:
    bounds = sorted({0, len(text), *(p % (len(text) + 1) for p in points)})
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def test_a_heading_cut_after_its_list_number_still_switches_section() -> None:
    """The case found by hand: "1" then ". **EXECUTION**" routed Execution text to Plan."""
    text = "**PLANNING**\nplan text\n1. **EXECUTION**\nwhat we found\n"
    whole = parse([text])
    assert whole[1]["execution"] == "what we found\n"
    at = text.index(". **EXECUTION**")
    assert parse([text[:at], text[at:]]) == whole


def test_a_long_spaced_tag_and_a_far_close_do_not_depend_on_the_cut() -> None:
    """Bounded tag whitespace and a close beyond the tag bound: same result whole or cut."""
    spaced = "<" + " " * 45 + "search>q</search>\n"
    far = "<SEARCH>" + "y" * 610 + "</SEARCH> tail\n"
    for text in (spaced, far):
        whole = parse([text])
        for at in range(1, len(text), 7):
            assert parse([text[:at], text[at:]]) == whole, at


@FAST
@given(text=texts(), points=st.lists(st.integers(min_value=0), max_size=12))
def test_every_split_gives_the_one_chunk_output(text: str, points: list[int]) -> None:
    assert parse(cut(text, points)) == parse([text])


@FAST
@given(text=texts())
def test_one_character_at_a_time_gives_the_one_chunk_output(text: str) -> None:
    assert parse(list(text)) == parse([text])


@pytest.mark.fuzz_long
@LONG
@given(text=texts(), points=st.lists(st.integers(min_value=0), max_size=40))
def test_every_split_gives_the_one_chunk_output_long(text: str, points: list[int]) -> None:
    assert parse(cut(text, points)) == parse([text])
    assert parse(list(text)) == parse([text])
