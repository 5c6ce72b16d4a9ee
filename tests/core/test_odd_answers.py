"""One odd model or server answer never sinks a research: synthesis output is checked
against its schema (repaired or skipped with a warning) and error bodies are read
defensively."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import pytest

from core.config import load
from core.events import SynthesisReady, WarningRaised
from core.llm.gemini import GeminiProvider, classify_rate_limit, parse_duration
from core.research import ResearchEngine, ResearchOptions
from core.synthesis_schema import confidence, source_id, validate_synthesis
from tests.fakes.gemini_server import DEFAULT_GEMINI_KEY, FakeGemini, default_answer
from tests.fakes.tavily_server import FakeTavily

VALID = {1, 2, 7}


# --- the schema check ----------------------------------------------------------------------


def test_absurd_source_ids_are_dropped_and_counted() -> None:
    ids: list[Any] = [-1, 0, 10**30, "7", 2.0, 2.5, True, None, "abc", 999, [1], {"id": 1}, "[1]"]
    checked = validate_synthesis(
        {"summary": "s", "evidence": [{"claim": "c", "source_ids": ids}]}, valid_ids=VALID
    )
    assert checked.evidence == [{"claim": "c", "source_ids": [7, 2, 1], "confidence": 0.5}]
    assert any("source id(s)" in w and w.startswith("10 ") for w in checked.warnings)


def test_a_number_where_a_list_belongs_is_ignored_with_a_warning() -> None:
    data = {"summary": "kept", "evidence": 5, "concepts": 3, "relations": 1.5, "questions": True}
    checked = validate_synthesis(data, valid_ids=VALID, previous_summary="old")
    assert checked.usable and checked.summary == "kept"
    assert (checked.evidence, checked.concepts, checked.relations, checked.questions) == (
        [],
        [],
        [],
        [],
    )
    assert len(checked.warnings) == 4


def test_strings_where_numbers_and_booleans_belong_are_read() -> None:
    assert confidence("0.8") == 0.8 and confidence("80%") == 0.8 and confidence("high") == 0.5
    assert confidence(7) == 1.0 and confidence(-2) == 0.0 and confidence(10**400) == 1.0
    assert confidence(math.nan) == 0.5 and confidence(True) == 0.5
    checked = validate_synthesis(
        {"summary": 42, "evidence": [{"claim": 3.5, "source_ids": "1"}], "covered": "false"},
        valid_ids=VALID,
    )
    assert checked.summary == "42" and checked.covered is False
    assert checked.evidence == [{"claim": "3.5", "source_ids": [1], "confidence": 0.5}]
    assert validate_synthesis({"covered": "true"}, valid_ids=VALID).covered is True
    assert validate_synthesis({"covered": {"x": 1}}, valid_ids=VALID).covered is False


def test_lone_items_and_lists_of_objects_are_repaired() -> None:
    checked = validate_synthesis(
        [{"summary": "first", "concepts": "one concept", "evidence": {"claim": "c"}}],
        valid_ids=VALID,
    )
    assert checked.usable and checked.summary == "first"
    assert checked.concepts == ["one concept"] and checked.evidence[0]["claim"] == "c"


@pytest.mark.parametrize("data", ["just text", 5, None, [], [1, 2], True])
def test_an_answer_that_is_no_object_is_skipped(data: Any) -> None:
    checked = validate_synthesis(data, valid_ids=VALID, previous_summary="old")
    assert not checked.usable and checked.warnings and checked.summary == "old"


def test_deep_nesting_is_never_recursed_into() -> None:
    deep: Any = "bottom"
    for _ in range(100_000):
        deep = [deep]
    nested: Any = {"claim": "c"}
    for _ in range(100_000):
        nested = {"x": nested}
    checked = validate_synthesis(
        {"summary": deep, "evidence": [nested, deep], "concepts": deep, "relations": [deep]},
        valid_ids=VALID,
        previous_summary="old",
    )
    assert checked.usable and checked.summary == "old" and checked.evidence == []


def test_source_id_accepts_only_plain_positive_integers() -> None:
    assert [source_id(v) for v in (3, "3", " 3 ", 3.0, "[3]")] == [3, 3, 3, 3, 3]
    for bad in (-3, 0, 3.5, math.inf, math.nan, True, "3a", "1" * 40, 10**13, None, [3]):
        assert source_id(bad) is None, bad


# --- through the engine ------------------------------------------------------------------


def run(config: Any, topic: str) -> tuple[Any, list[Any]]:
    seen: list[Any] = []
    engine = ResearchEngine(config, on_event=seen.append)

    async def go() -> Any:
        try:
            return await engine.run(topic, ResearchOptions(rounds=2, breadth=2))
        finally:
            await engine.aclose()

    return asyncio.run(go()), seen


def odd_synthesis(body: Any) -> Any:
    def responder(request: Any) -> Any:
        return body if request.task == "synthesis" else default_answer(request.prompt)

    return responder


def test_an_odd_synthesis_answer_is_repaired_and_the_research_goes_on(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    gemini, _ = fake_env
    gemini.responder = odd_synthesis(
        {
            "summary": ["part one", "part two"],
            "evidence": [{"claim": "A claim", "source_ids": [-5, "1", 10**20, "x"]}, 7],
            "concepts": 12,
            "relations": [{"source": "a"}, {"source": "a", "target": "b", "relation": 5}],
            "questions": "one question",
            "covered": "no",
        }
    )
    result, seen = run(load(), "Odd answers")
    assert result.status == "done", result.reason
    ready = [e for e in seen if isinstance(e, SynthesisReady)]
    assert len(ready) == 2
    assert ready[0].summary == "part one\n\npart two"
    assert ready[0].evidence == [{"claim": "A claim", "source_ids": [1], "confidence": 0.5}]
    assert ready[0].relations == [{"source": "a", "target": "b", "relation": "5"}]
    assert ready[0].questions == ["one question"] and ready[0].covered is False
    repaired = [e for e in seen if isinstance(e, WarningRaised) and "was repaired" in e.message]
    assert len(repaired) == 2 and all(e.kind == "synthesis" for e in repaired)


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"summary": ' + "9" * 5000 + "}", "42"],
    ids=["deep", "giant-int", "no-object"],
)
def test_json_too_deep_too_big_or_not_an_object_skips_only_that_synthesis(
    fake_env: tuple[FakeGemini, FakeTavily], text: str
) -> None:
    gemini, _ = fake_env
    gemini.responder = odd_synthesis(text)
    config = load()
    config.gemini.max_retries = 0
    result, seen = run(config, "Deep JSON")
    assert result.status == "done", result.reason
    assert not [e for e in seen if isinstance(e, SynthesisReady)]
    skipped = [e for e in seen if isinstance(e, WarningRaised) and "skipped" in e.message]
    assert len(skipped) == 2, [e.message for e in seen if isinstance(e, WarningRaised)]


# --- error bodies ------------------------------------------------------------------------

MALFORMED_429 = [
    {"error": {"code": "abc", "message": 5, "details": 7}},
    {"error": {"details": [{"@type": "x.QuotaFailure", "violations": 3}]}},
    {"error": {"details": [{"@type": "x.RetryInfo", "retryDelay": {"seconds": "nan"}}]}},
    {"error": {"details": [{"@type": "x.RetryInfo", "retryDelay": "9" * 400 + "s"}]}},
    {"error": "text only"},
    {"error": None},
    [1, 2],
    "plain string",
    None,
]


@pytest.mark.parametrize("body", MALFORMED_429, ids=range(len(MALFORMED_429)))
async def test_a_malformed_429_body_is_still_a_rate_limit(
    fake_gemini: FakeGemini, body: Any
) -> None:
    from core.errors import RateLimitError

    provider = GeminiProvider(DEFAULT_GEMINI_KEY, "gemini-2.5-flash", base_url=fake_gemini.base_url)
    fake_gemini.queue_error(429, body)
    try:
        with pytest.raises(RateLimitError) as caught:
            await provider.generate_json("TASK: synthesis\n", schema={"type": "object"})
    finally:
        await provider.aclose()
    delay = caught.value.retry_after_s
    assert delay is None or (math.isfinite(delay) and delay >= 0)


def test_a_malformed_429_mid_research_is_waited_out(
    fake_env: tuple[FakeGemini, FakeTavily],
) -> None:
    gemini, _ = fake_env
    gemini.queue_error(429, {"error": {"code": 429, "message": "slow down", "details": 7}})
    result, _ = run(load(), "Malformed rate limit")
    assert result.status == "done", result.reason


def test_parse_duration_refuses_what_is_no_duration() -> None:
    assert parse_duration("20s") == 20 and parse_duration({"seconds": 1, "nanos": 5e8}) == 1.5
    for bad in ("nan", {"seconds": "nan"}, {"seconds": "inf"}, -5, "9" * 100 + "s", True, [1]):
        assert parse_duration(bad) is None, bad


def test_classify_rate_limit_reads_any_body_shape() -> None:
    for body in ({"details": 7}, {"details": [None, 1, "x", {"violations": {"a": 1}}]}, {}):
        error = classify_rate_limit("Please retry in 1e999s", body)
        assert error.retry_after_s is None or math.isfinite(error.retry_after_s)
    assert classify_rate_limit("", {}).retry_after_s is None
    assert json.dumps(MALFORMED_429)  # the bodies are what a server can really send
