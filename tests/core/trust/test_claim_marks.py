"""⚠ marks per claim, table-driven: one source backs a verified claim and an invented one;
the report sentence restating the verified claim is not marked, the one restating the
invented claim is. Plus the sentence-to-claim scores the threshold rests on."""

from __future__ import annotations

import pytest

from core.citation_check import MARK, mark_unverified, with_citation_check
from core.events import SourceAdded
from core.evidence import Evidence
from core.trust.claim_match import CLAIM_MATCH_THRESHOLD, match_score


def _item(claim: str, ids: tuple[int, ...], verdict: str) -> Evidence:
    return Evidence(claim=claim, source_ids=ids, quote="q", round=1, verdict=verdict)  # type: ignore[arg-type]


REAL = "Korea's Sihwa Lake station generates 254 MW of tidal power."
INVENTED = "The Sihwa station was secretly built by aliens in 1850."
PREDICTABLE = "Tidal energy is predictable because tides follow the moon."

EVIDENCE = [
    _item(REAL, (1,), "verified"),
    _item(INVENTED, (1,), "quote not found"),
    _item(PREDICTABLE, (2,), "number not in source"),
]

# (name, report sentence, marked?)
CASES = [
    ("the verified claim, verbatim", "Korea's Sihwa Lake station generates 254 MW [1].", False),
    (
        "the verified claim, paraphrased",
        "The Sihwa Lake plant, the largest of its kind, produces 254 MW [1].",
        False,
    ),
    ("the invented claim, verbatim", "The Sihwa station was secretly built by aliens [1].", True),
    (
        "the invented claim, paraphrased",
        "According to some accounts, aliens built the station in 1850 [1].",
        True,
    ),
    # Close to no claim of [1]: judged by the source, which backs a verified claim.
    ("connecting prose", "Many questions remain open for coastal planners [1].", False),
    # The only claim citing [2] is unverified, so [2] backs nothing; [1]'s closest is real.
    (
        "two sources, one backed",
        "Sihwa Lake generates 254 MW, tides follow the moon [1][2].",
        False,
    ),
    ("the unverified claim of [2]", "Tides are predictable since they follow the moon [2].", True),
    ("a source no claim cites", "Something else entirely [3].", True),
]


@pytest.mark.parametrize(("name", "sentence", "marked"), CASES, ids=[c[0] for c in CASES])
def test_a_sentence_is_marked_by_the_claim_it_states(
    name: str, sentence: str, marked: bool
) -> None:
    text, marks = mark_unverified(f"Intro.\n\n{sentence}\n", EVIDENCE)
    assert (MARK in text) is marked, (name, text)
    assert marks.marked == int(marked)


def test_in_one_paragraph_only_the_invented_sentence_is_marked() -> None:
    paragraph = (
        "Korea's Sihwa Lake station generates 254 MW of tidal power [1]. "
        "It was secretly built by aliens in 1850 [1]."
    )
    sources = {1: SourceAdded(round=1, source_id=1, url="https://example.org/a", title="A")}
    report = with_citation_check(f"# T\n\n{paragraph}\n", EVIDENCE[:2], sources)
    real, invented = report.split("\n\n")[1].split(". ", 1)
    assert MARK not in real
    assert invented.endswith(f"[1]. {MARK}")
    assert "1 sentence(s) marked" in report


# (sentence, claim, at least / below the threshold)
SCORES = [
    ("The Sihwa Lake plant, the largest of its kind, produces 254 MW [1].", REAL, True),
    ("Aliens built the station in 1850, some say [1].", INVENTED, True),
    ("Tides are predictable since they follow lunar cycles [1].", PREDICTABLE, True),
    (
        "2023년 한국의 태양광 설비는 12% 증가했다 [1].",
        "한국의 태양광 설비는 2023년 12% 증가했다.",
        True,
    ),
    ("The Sihwa Lake plant, the largest of its kind, produces 254 MW [1].", INVENTED, False),
    ("According to some accounts, aliens built the station in 1850 [1].", REAL, False),
    ("Tides are predictable since they follow lunar cycles [1].", REAL, False),
    ("Many questions remain open for coastal planners [1].", REAL, False),
]


@pytest.mark.parametrize(("sentence", "claim", "close"), SCORES)
def test_sentence_claim_scores_fall_on_the_right_side(
    sentence: str, claim: str, close: bool
) -> None:
    assert (match_score(sentence, claim) >= CLAIM_MATCH_THRESHOLD) is close
