"""Cost, estimate and budget end to end: the real clients against the fakes, whose token
counts are deterministic (``count_tokens``: a token per four characters of the prompt and
of the answer), so the expected spend is computed from what the fakes saw and sent."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from core.config import Config, load
from core.cost.estimate import estimate_report
from core.cost.prices import PriceTable
from core.cost.session import estimate_for, price_table
from core.events import Event, LLMCallFinished, SearchFinished, SessionFinished
from core.research import ResearchEngine, ResearchOptions
from core.sessions import SessionStore
from core.state import SessionState
from tests.fakes.gemini_server import FakeGemini, count_tokens, default_answer
from tests.fakes.tavily_server import FakeTavily

PRICES = "gemini-2.5-flash=100/400"
"""USD per million tokens, high so a short fake research costs dollars, not fractions of a
cent, and "exact to the cent" means something."""
PER_CREDIT = 0.05


@pytest.fixture
def config(fake_env: tuple[FakeGemini, FakeTavily]) -> Config:
    config = load()
    config.gemini.rpm = 0
    config.cost.prices = PRICES
    config.cost.tavily_usd_per_credit = PER_CREDIT
    return config


def run(config: Config, topic: str = "Heat pumps in cold climates", **options) -> tuple:
    seen: list[Event] = []
    engine = ResearchEngine(config, on_event=seen.append)

    async def go():
        try:
            return await engine.run(topic, ResearchOptions(**options))
        finally:
            await engine.aclose()

    return engine, seen, asyncio.run(go())


def expected_spend(gemini: FakeGemini, tavily: FakeTavily) -> float:
    """The spend recomputed from the fakes' own records, independently of the engine."""
    usd = 0.0
    for request in gemini.model_requests():
        answer = default_answer(request.prompt)
        text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        usd += (count_tokens(request.prompt) * 100 + count_tokens(text) * 400) / 1e6
    return usd + len(tavily.search_requests()) * PER_CREDIT


def test_cost_is_exact_to_the_cent_and_per_round(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, tavily = fake_env
    engine, seen, result = run(config, rounds=2, breadth=3)
    assert result.status == "done"
    expected = expected_spend(gemini, tavily)
    assert expected > 0.5  # dollars, so the cent comparison is not vacuous
    assert round(result.cost_usd, 2) == round(expected, 2)
    assert result.as_dict()["cost_usd"] == pytest.approx(expected, abs=0.005)
    # every call and search recorded its price; the rounds add up to the whole
    assert all(e.cost_usd >= 0 for e in seen if isinstance(e, LLMCallFinished))
    searches = [e for e in seen if isinstance(e, SearchFinished)]
    assert searches and all(e.provider == "tavily" and e.cost_usd == PER_CREDIT for e in searches)
    state = engine.state
    assert sum(r.cost_usd for r in state.rounds.values()) == pytest.approx(state.cost_usd)
    # replaying the saved log gives the same spend (reopening, sessions show)
    handle = SessionStore(config.sessions_dir).open(result.session_id)
    assert handle.resume_state().cost_usd == pytest.approx(state.cost_usd)


def test_an_old_log_without_costs_is_priced_from_its_tokens() -> None:
    old = LLMCallFinished(
        round=1, purpose="reasoning", tokens_in=1_000_000, model="gemini-2.5-flash"
    )
    state = SessionState.replay([old])
    assert old.cost_usd == -1.0
    assert state.cost_usd == pytest.approx(PriceTable.defaults().call("gemini-2.5-flash", 10**6, 0))
    assert state.cost_estimated


@pytest.mark.parametrize("rounds", [1, 2, 3, 5, 7, 10])
def test_estimate_is_within_a_factor_of_four_of_the_real_spend(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily], rounds: int
) -> None:
    estimate = estimate_for(config, rounds=rounds, breadth=2)
    _, _, result = run(config, rounds=rounds, breadth=2)
    assert result.rounds == rounds  # the fakes never judge the topic covered early
    ratio = estimate.usd / result.cost_usd
    print(f"ESTIMATE rounds={rounds} ratio={ratio:.2f}")
    assert 1 / 4 <= ratio <= 4, f"estimate {estimate.usd:.4f} vs spent {result.cost_usd:.4f}"


def per_round(config: Config, rounds: int) -> tuple[list[float], float]:
    engine, seen, _ = run(config, rounds=rounds, breadth=2)
    state = engine.state
    report = sum(
        e.cost_usd for e in seen if isinstance(e, LLMCallFinished) and e.purpose == "report"
    )
    return [state.rounds[n].cost_usd for n in sorted(state.rounds)], report


@pytest.mark.parametrize("stop_after", [2, 3, 4])
def test_a_budget_stops_before_the_round_that_would_not_fit_and_the_report_arrives(
    config: Config, stop_after: int
) -> None:
    rounds, _report = per_round(config, 5)
    # room for ``stop_after`` rounds and the report's reserve, and half a round more: not
    # for one more round
    reserve = estimate_report(
        stop_after + 1,
        breadth=2,
        results_per_search=5,
        prices=price_table(config),
        model="gemini-2.5-flash",
        topic="Heat pumps in cold climates",
    ).usd
    cap = sum(rounds[:stop_after]) + reserve + rounds[stop_after] * 0.5
    assert cap < sum(rounds[: stop_after + 1]) + reserve
    config.cost.max_usd = cap
    _engine, seen, result = run(config, rounds=5, breadth=2, max_usd=cap)
    assert result.status == "budget reached"
    assert result.rounds == stop_after
    assert result.report_path
    text = Path(result.report_path).read_text(encoding="utf-8")
    assert text.startswith("> *Budget reached:")
    finished = [e for e in seen if isinstance(e, SessionFinished)]
    assert finished[-1].status == "budget reached" and "budget" in finished[-1].reason
    over = result.cost_usd - cap
    print(f"BUDGET stop_after={stop_after} cap={cap:.4f} spent={result.cost_usd:.4f}")
    assert over <= 0


def test_a_paused_research_keeps_its_spend_when_resumed(
    config: Config, fake_env: tuple[FakeGemini, FakeTavily]
) -> None:
    gemini, _ = fake_env
    # round 1 runs, then the daily quota is spent at round 2's reasoning call: paused
    calls = {"n": 0}
    original = gemini.handle

    def handle(req, h):  # type: ignore[no-untyped-def]
        if ":" in req.path and "generateContent" in req.path:
            calls["n"] += 1
            if calls["n"] == 3:
                gemini.queue_rate_limit(per_day=True, times=1)
        return original(req, h)

    gemini.handle = handle  # type: ignore[method-assign]
    engine, _, paused = run(config, rounds=3, breadth=2)
    assert paused.status == "paused"
    spent = paused.cost_usd
    assert spent > 0
    gemini.handle = original  # type: ignore[method-assign]
    while gemini.errors.pop() is not None:  # nothing scripted is left for the resume
        pass
    again = ResearchEngine(config)

    async def go():
        try:
            return await again.resume(paused.session_id)
        finally:
            await again.aclose()

    resumed = asyncio.run(go())
    assert resumed.status == "done"
    assert resumed.cost_usd > spent  # the spend before the pause is still counted
    round_one = engine.state.rounds[1].cost_usd
    assert again.state.rounds[1].cost_usd == pytest.approx(round_one)
