"""Quotes checked in the engine, end to end: real SDKs against the loopback fakes, each
quote variant of the fake Gemini gets its verdict, the verdicts are saved and replayed, and
the report ends with its citation check."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Config, load
from core.events import EvidenceChecked
from core.evidence import Evidence
from core.report import fallback_report
from core.sessions import SessionStore
from core.state import SessionState
from tests.engine_support import run_engine
from tests.fakes import gemini_server
from tests.fakes.gemini_server import FakeGemini, default_answer, synthesis_data, task_of
from tests.fakes.tavily_server import FakeTavily


@pytest.fixture
def config(fake_env: tuple[FakeGemini, FakeTavily]) -> Config:
    config = load()
    config.gemini.rpm = 0
    return config


def test_a_default_research_verifies_its_quotes_and_replay_equals_live(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    engine, seen, result = run_engine(config, "Tidal power in Korea", rounds=3)
    assert result.status == "done"
    checks = [e for e in seen if isinstance(e, EvidenceChecked)]
    assert [c.round for c in checks] == [1, 2, 3]
    evidence = engine.state.evidence
    assert evidence and all(e.verdict == "verified" for e in evidence), [
        (e.claim, e.verdict, e.score) for e in evidence if not e.verified
    ]
    handle = SessionStore(config.sessions_dir).open(result.session_id)
    replayed = SessionState.replay(handle.load_events())
    assert replayed == engine.state
    assert [e.verdict for e in replayed.evidence] == [e.verdict for e in evidence]
    report = Path(result.report_path).read_text(encoding="utf-8")
    assert "## Citation check" in report
    assert f"{len(evidence)} of {len(evidence)} evidence items verified" in report


@pytest.mark.parametrize(
    ("variant", "verdict"),
    [
        ("paraphrased", "quote not found"),
        ("invented", "quote not found"),
        ("changed number", "number not in source"),
    ],
)
def test_each_bad_quote_variant_gets_its_verdict_and_is_flagged_in_the_report(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily], variant: str, verdict: str
) -> None:
    gemini, _ = fake_env

    def responder(req: gemini_server.RecordedRequest) -> object:
        if task_of(req.prompt) == "synthesis":
            return synthesis_data(req.prompt, quotes=variant)
        return default_answer(req.prompt)

    gemini.responder = responder
    engine, _seen, result = run_engine(config, "Tidal power in Korea", rounds=1)
    evidence = engine.state.evidence
    assert evidence
    assert {e.verdict for e in evidence} == {verdict}
    report = Path(result.report_path).read_text(encoding="utf-8")
    assert "0 of" in report and f"*{verdict}*" in report
    assert "⚠" in report  # every cited sentence rests on unverified evidence


def test_old_evidence_without_a_quote_loads_unchecked_and_the_fallback_says_so() -> None:
    old = Evidence.from_dict({"claim": "Tides are predictable.", "source_ids": [1]}, 1)
    assert old.verdict == "unchecked" and old.quote == ""
    good = Evidence.from_dict({"claim": "Seas rise.", "source_ids": [2], "quote": "x"}, 1)
    good = good.with_check({"verdict": "verified", "score": 100.0, "source_id": 2, "span": [0, 5]})
    text = fallback_report(
        topic="t", reason="the LLM was down", summary="", evidence=[old, good], sources={}
    )
    assert text.index("Seas rise.") < text.index("Tides are predictable.")  # verified first
    assert "1 of 2 evidence items verified" in text
    assert "*unchecked*: Tides are predictable." in text
