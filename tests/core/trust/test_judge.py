"""The optional model judgment (``trust.judge``): one batched call before the report, against
the fake Gemini through the real google-genai SDK. A scripted answer gives each verified
quote its judgment, saved and replayed and counted in the report; off (the default) no
call is made; a budget that cannot hold it skips it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.config import Config, load
from core.events import Event, EvidenceJudged, LLMCallFinished
from core.evidence import Evidence
from core.research import ResearchEngine, ResearchOptions
from core.sessions import SessionStore
from core.state import SessionState
from core.trust.judge import judge_prompt, read_judgments, to_judge
from tests.fakes import gemini_server
from tests.fakes.gemini_server import FakeGemini, default_answer, judge_data, task_of
from tests.fakes.tavily_server import FakeTavily


@pytest.fixture
def config(fake_env: tuple[FakeGemini, FakeTavily]) -> Config:
    config = load()
    config.gemini.rpm = 0
    return config


def _run(config: Config, **overrides: object) -> tuple[ResearchEngine, list[Event], object]:
    seen: list[Event] = []
    engine = ResearchEngine(config, on_event=seen.append)

    async def go() -> object:
        try:
            options = ResearchOptions.from_config(config, rounds=1, breadth=2, **overrides)
            return await engine.run("Tidal power in Korea", options)
        finally:
            await engine.aclose()

    return engine, seen, asyncio.run(go())


SCRIPTED = {1: "partial", 2: "contradicts"}
"""The judge's answer by prompt id; every other id "supported"."""


def test_judge_on_one_call_gives_each_verified_quote_its_judgment(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env

    def responder(req: gemini_server.RecordedRequest) -> object:
        if task_of(req.prompt) == "judge":
            return judge_data(req.prompt, SCRIPTED)
        return default_answer(req.prompt)

    gemini.responder = responder
    config.trust.judge = True
    engine, seen, result = _run(config)
    assert result.status == "done"
    assert len(gemini.model_requests("judge")) == 1
    evidence = engine.state.evidence
    assert len(evidence) >= 3 and all(e.verified for e in evidence)
    expected = [SCRIPTED.get(k, "supported") for k in range(1, len(evidence) + 1)]
    assert [e.judgment for e in evidence] == expected
    assert evidence[1].judge_reason == "scripted contradicts"
    # The call is one like any other: announced, costed, counted in usage.
    judged_calls = [e for e in seen if isinstance(e, LLMCallFinished) and e.purpose == "judge"]
    assert len(judged_calls) == 1 and judged_calls[0].tokens_in > 0
    assert engine.state.llm_calls == len(gemini.model_requests())
    (event,) = [e for e in seen if isinstance(e, EvidenceJudged)]
    assert [j["judgment"] for j in event.judgments] == expected
    # Saved and replayed.
    handle = SessionStore(config.sessions_dir).open(result.session_id)
    replayed = SessionState.replay(handle.load_events())
    assert [e.judgment for e in replayed.evidence] == expected
    assert replayed == engine.state
    # Counted in the report's Citation check section, the weaker ones listed.
    report = Path(result.report_path).read_text(encoding="utf-8")
    supported = len(evidence) - 2
    assert (
        f"Judged by the model ({len(evidence)} verified quotes): {supported} supported, "
        "1 partial, 1 contradicts." in report
    )
    assert f"- *contradicts*: {evidence[1].claim}" in report.replace("\\", "")


def test_judge_off_by_default_makes_no_extra_call(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    assert config.trust.judge is False
    engine, seen, result = _run(config)
    assert result.status == "done"
    assert gemini.model_requests("judge") == []
    # reasoning, synthesis and report: one round, three calls, no fourth
    assert len(gemini.model_requests()) == engine.state.llm_calls == 3
    assert not any(isinstance(e, EvidenceJudged) for e in seen)
    assert all(e.judgment == "" for e in engine.state.evidence)
    assert "Judged by the model" not in Path(result.report_path).read_text(encoding="utf-8")


def test_a_budget_without_room_for_the_judgment_skips_it(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The judgment is checked against the budget like a round: with its estimate made
    larger than the cap (the round and the report fit), it is skipped with a warning and
    the report still comes; with room, the same research is judged."""
    from core.cost.estimate import Estimate
    from core.research.phases import judge

    gemini, _ = fake_env
    config.trust.judge = True
    _engine, seen, result = _run(config, max_tokens=10**7)
    assert len(gemini.model_requests("judge")) == 1  # room: judged
    gemini.requests.clear()

    monkeypatch.setattr(judge, "judge_estimate", lambda *_: Estimate(0, 10**8, 0.0))
    _engine, seen, result = _run(config, max_tokens=10**7)
    assert result.status == "done", result.reason
    assert gemini.model_requests("judge") == []
    assert any("not judged" in getattr(e, "message", "") for e in seen)
    assert len(gemini.model_requests("report")) == 1 and Path(result.report_path).is_file()
    # Without a cap the same estimate is no reason to skip.
    gemini.requests.clear()
    _run(config)
    assert len(gemini.model_requests("judge")) == 1


def test_odd_judge_answers_are_read_safely() -> None:
    items = to_judge(
        [
            Evidence(claim="A.", quote="a", round=1, verdict="verified"),
            Evidence(claim="B.", quote="b", round=1, verdict="quote not found"),
            Evidence(claim="C.", quote="c", round=2, verdict="verified"),
            Evidence(claim="D.", quote="d", round=2, verdict="verified", judgment="supported"),
        ]
    )
    # only verified, not yet judged items, keyed by (round, index in the round)
    assert [(r, i, e.claim) for r, i, e in items] == [(1, 0, "A."), (2, 0, "C.")]
    prompt = judge_prompt(items)
    assert prompt.startswith("TASK: judge") and '<source id="2">' in prompt
    answer = {
        "judgments": [
            {"id": 1, "judgment": "Partial", "reason": "only half"},
            {"id": 1, "judgment": "contradicts"},  # a repeat: the first stands
            {"id": 7, "judgment": "supported"},  # never asked
            {"id": "2", "judgment": "maybe"},  # no such judgment
            "junk",
        ]
    }
    assert read_judgments(answer, items) == [
        {"round": 1, "index": 0, "judgment": "partial", "reason": "only half"}
    ]
    assert read_judgments("not json", items) == []
    assert read_judgments({"judgments": 3}, items) == []


def test_run_judge_flag_turns_it_on_for_that_run_only(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from core.config import config_path
    from tui.cli import main

    gemini, _ = fake_env
    args = ["run", "Tidal power in Korea", "--rounds", "1", "--breadth", "2", "--json"]
    assert main([*args, "--judge"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(gemini.model_requests("judge")) == 1
    assert data["llm_calls"] == 4  # reasoning, synthesis, judge, report
    assert not config_path().exists() or "judge" not in config_path().read_text("utf-8")
    gemini.requests.clear()
    assert main(args) == 0
    capsys.readouterr()
    assert gemini.model_requests("judge") == []
