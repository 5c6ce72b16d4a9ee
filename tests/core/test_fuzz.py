"""Fuzz tests (hypothesis) of what reads outside text: the seed-log importer, the synthesis
schema check, the 429 body reader and the reasoning stream parser.

The properties: nothing raises but the documented errors, every text that comes out is free
of control characters, and every value has the type its consumer expects. Bounded so the
suite stays fast; ``pytest -m fuzz_long`` runs the same properties with many more examples.
"""

from __future__ import annotations

import itertools
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import RateLimitError
from core.events import Event, to_json
from core.llm.gemini import classify_rate_limit, parse_duration
from core.parsing import ReasoningStreamParser
from core.record.research_log import parse_seed_log
from core.synthesis_schema import validate_synthesis

FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
VALID = frozenset({1, 2, 3})

# --- strategies ---------------------------------------------------------------------------

NASTY = st.sampled_from(
    [
        "\x1b]52;c;ZXZpbA==\x07",
        "\x1b]0;title\x1b\\",
        "\x1b[2J",
        "\x9b31m",
        "\x00",
        "\r",
        "</source>",
        "<SEARCH>q</SEARCH>",
        "javascript:alert(1)",
        "9" * 40,
        "'",
        '"',
        "\\",
        "{",
        "[",
        "한국어",
    ]
)
TEXT = st.one_of(st.text(max_size=40), NASTY, st.lists(NASTY, max_size=4).map("".join))

_KEYS = [
    "summary",
    "evidence",
    "claim",
    "source_ids",
    "confidence",
    "concepts",
    "relations",
    "source",
    "target",
    "relation",
    "questions",
    "covered",
    "details",
    "@type",
    "retryDelay",
    "violations",
    "quotaId",
    "seconds",
    "nanos",
]


JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**40), max_value=10**40),
        st.floats(allow_nan=True, allow_infinity=True),
        TEXT,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.sampled_from(_KEYS) | TEXT, inner, max_size=6),
    ),
    max_leaves=30,
)


@st.composite
def synthesis_answers(draw: st.DrawFn) -> Any:
    """Mostly the right shape with odd values inside; sometimes anything at all."""
    if draw(st.integers(0, 4)) == 0:
        return draw(JSON)
    evidence_item = st.fixed_dictionaries(
        {"claim": JSON, "source_ids": JSON | st.lists(JSON, max_size=4), "confidence": JSON}
    )
    return draw(
        st.fixed_dictionaries(
            {},
            optional={
                "summary": JSON,
                "evidence": st.lists(evidence_item, max_size=4) | JSON,
                "concepts": JSON,
                "relations": JSON,
                "questions": JSON,
                "covered": JSON,
            },
        )
    )


@st.composite
def rate_limit_bodies(draw: st.DrawFn) -> Any:
    detail = st.fixed_dictionaries(
        {
            "@type": st.sampled_from(
                ["type.googleapis.com/google.rpc.RetryInfo", "x.QuotaFailure", "x.Help"]
            )
            | TEXT,
            "retryDelay": JSON | st.sampled_from(["20s", "0.2s", "150ms", "1m", "nan", "1e999s"]),
            "violations": JSON
            | st.lists(st.fixed_dictionaries({"quotaId": TEXT | st.just("PerDay")}), max_size=3),
        }
    )
    return draw(
        st.one_of(JSON, st.fixed_dictionaries({"details": st.lists(detail, max_size=3) | JSON}))
    )


_SECTIONS = [
    "Mind Map Initialization",
    "Reasoning Step",
    "Web Research Step",
    "Search Results",
    "Reasoning Error",
    "Mind Map Query Error",
    "Final Report Generation",
    "Final Report Generation Error",
    "Final Research Report",
    "Other",
]
_LABELS = [
    "Research Topic",
    "Current Summary",
    "Search Query",
    "Mind Map Context",
    "Reflection Context",
    "Planning Context",
    "Search API",
    "Raw Results",
    "Formatted Sources",
]


@st.composite
def raw_results(draw: st.DrawFn) -> str:
    item = st.fixed_dictionaries(
        {
            "title": TEXT,
            "url": TEXT | st.sampled_from(["https://a.example/x", "file:///etc/passwd"]),
            "content": TEXT,
            "score": st.integers(min_value=-(10**400), max_value=10**400)
            | st.floats()
            | TEXT
            | st.none(),
        }
    )
    value = draw(
        st.fixed_dictionaries(
            {"query": TEXT, "results": st.lists(item, max_size=3) | JSON, "error": JSON}
        )
    )
    text = repr(value)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]  # cut short: not a literal any more
    return text


@st.composite
def seed_logs(draw: st.DrawFn) -> str:
    lines = [f"# Research Process: {draw(TEXT)}", f"Started at: {draw(_timestamps())}", ""]
    for _ in range(draw(st.integers(0, 6))):
        lines.append(f"## {draw(st.sampled_from(_SECTIONS) | TEXT)} - {draw(_timestamps())}")
        for _ in range(draw(st.integers(0, 4))):
            label = draw(st.sampled_from(_LABELS))
            value = draw(raw_results()) if label == "Raw Results" else draw(TEXT)
            lines.append(f"{label}: {value}")
        if draw(st.booleans()):
            lines.append(f"* {draw(TEXT)} : {draw(TEXT | st.just('https://b.example/'))}")
        lines.append(draw(TEXT))
    return "\n".join(lines)


def _timestamps() -> st.SearchStrategy[str]:
    return st.sampled_from(
        ["2025-03-14 10:02:11", "2025-13-45 99:99:99", "0001-01-01 00:00:00", "9999-12-31T23:59:59"]
    )


# --- properties ---------------------------------------------------------------------------


def check_synthesis(data: Any) -> None:
    checked = validate_synthesis(data, valid_ids=VALID, previous_summary="before")
    assert isinstance(checked.summary, str) and isinstance(checked.covered, bool)
    assert all(isinstance(w, str) for w in checked.warnings)
    if not checked.usable:
        assert checked.summary == "before" and checked.warnings
        return
    for item in checked.evidence:
        assert isinstance(item["claim"], str) and item["claim"].strip()
        assert set(item["source_ids"]) <= VALID
        assert all(type(i) is int for i in item["source_ids"])
        assert 0.0 <= item["confidence"] <= 1.0
    for name in ("concepts", "questions"):
        assert all(isinstance(x, str) and x for x in getattr(checked, name))
    for relation in checked.relations:
        assert set(relation) == {"source", "target", "relation"}
        assert all(isinstance(v, str) for v in relation.values())
    for text in [checked.summary, *checked.concepts, *checked.questions]:
        assert not CONTROL.search(text.replace("\n", "").replace("\t", ""))


def check_rate_limit(message: str, body: Any) -> None:
    error = classify_rate_limit(message, body if isinstance(body, dict) else {})
    assert isinstance(error, RateLimitError)
    delay = error.retry_after_s
    assert delay is None or (math.isfinite(delay) and delay >= 0)
    assert not CONTROL.search(error.message.replace("\n", "").replace("\t", ""))


def check_duration(value: Any) -> None:
    seconds = parse_duration(value)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


def check_import(text: str) -> None:
    try:
        events = parse_seed_log(text)
    except ValueError:
        return  # "not a research log": the documented refusal
    for event in events:
        assert isinstance(event, Event)
        line = to_json(event)  # every event still serialises
        assert "\\u001b" not in line and "\\u009b" not in line
        url = getattr(event, "url", None)
        if url is not None and type(event).__name__ == "SourceAdded":
            assert url.startswith(("http://", "https://")), url


def check_parser(text: str, cuts: list[int]) -> None:
    def run(chunks: list[str]) -> tuple[dict[str, str], list[str]]:
        parser = ReasoningStreamParser()
        for chunk in chunks:
            parser.feed(chunk)
        parser.close()
        return dict(parser.sections), list(parser.queries)

    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    assert run(pieces) == run([text])


@FAST
@given(data=synthesis_answers())
def test_fuzz_synthesis_validation(data: Any) -> None:
    check_synthesis(data)


@FAST
@given(message=TEXT, body=rate_limit_bodies())
def test_fuzz_429_body(message: str, body: Any) -> None:
    check_rate_limit(message, body)


@FAST
@given(value=JSON)
def test_fuzz_retry_delay(value: Any) -> None:
    check_duration(value)


@FAST
@given(text=seed_logs())
def test_fuzz_seed_log_importer(text: str) -> None:
    check_import(text)


@FAST
@given(text=st.text(max_size=300), cuts=st.lists(st.integers(min_value=0), max_size=8))
def test_fuzz_reasoning_parser_any_text(text: str, cuts: list[int]) -> None:
    check_parser(text, cuts)


@pytest.mark.fuzz_long
@LONG
@given(data=synthesis_answers(), message=TEXT, body=rate_limit_bodies(), value=JSON)
def test_fuzz_long_llm_outputs(data: Any, message: str, body: Any, value: Any) -> None:
    check_synthesis(data)
    check_rate_limit(message, body)
    check_duration(value)


@pytest.mark.fuzz_long
@LONG
@given(text=seed_logs())
def test_fuzz_long_seed_log_importer(text: str) -> None:
    check_import(text)


@pytest.mark.fuzz_long
@LONG
@given(text=st.text(max_size=2000), cuts=st.lists(st.integers(min_value=0), max_size=30))
def test_fuzz_long_reasoning_parser_any_text(text: str, cuts: list[int]) -> None:
    check_parser(text, cuts)
