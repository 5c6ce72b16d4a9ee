"""``python -m bench budget``: how close a budget-capped research comes to its cap.

The promise (issue 14): a research never ends over its cap by more than one call's
estimate error. This sweeps dollar caps from a tenth of an uncapped research's spend to all
of it, against the loopback fakes (deterministic token counts, prices set high so a short
research costs dollars), and prints:

- the largest overshoot (spent minus cap; negative is under the cap) over every capped run;
- the error of the one call that may overshoot: the report, written from whatever the
  research found, whose cost is reserved in advance from a static estimate (real / reserved;
  above 1.0 the reserve was short by that factor);
- how many capped runs still wrote their report.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from bench.bench_live import Figure, print_table

PRICES = "gemini-2.5-flash=100/400"
ROUNDS, BREADTH = 6, 2
TOPIC = "Heat pumps in cold climates"


def _research(config: Any, max_usd: float = 0.0) -> tuple[Any, list[Any], Any]:
    from core.research import ResearchEngine, ResearchOptions

    seen: list[Any] = []
    engine = ResearchEngine(config, on_event=seen.append)

    async def go() -> Any:
        try:
            options = ResearchOptions(rounds=ROUNDS, breadth=BREADTH, max_usd=max_usd)
            return await engine.run(TOPIC, options)
        finally:
            await engine.aclose()

    return engine, seen, asyncio.run(go())


def _report_error(config: Any, seen: list[Any], rounds_done: int) -> float | None:
    """The report call's real cost over the reserve the budget kept for it."""
    from core.cost.estimate import estimate_report
    from core.cost.session import llm_model, price_table
    from core.events import LLMCallFinished

    real = sum(e.cost_usd for e in seen if isinstance(e, LLMCallFinished) and e.purpose == "report")
    reserved = estimate_report(
        rounds_done,
        breadth=BREADTH,
        results_per_search=config.research.results_per_search,
        prices=price_table(config),
        model=llm_model(config),
        topic=TOPIC,
    ).usd
    return real / reserved if reserved and real > 0 else None


def measure(steps: int = 10) -> list[Figure]:
    from bench.bench_engine import fake_world

    overshoots: list[float] = []
    spent_share: list[float] = []
    errors: list[float] = []
    reports = 0
    with fake_world() as (_tmp, config):
        config.cost.prices = PRICES
        config.cost.tavily_usd_per_credit = 0.05
        _engine, _seen, full = _research(config)
        for i in range(1, steps + 1):
            cap = full.cost_usd * i / steps
            config.cost.max_usd = cap
            _engine, seen, result = _research(config, max_usd=cap)
            overshoots.append(result.cost_usd - cap)
            spent_share.append(result.cost_usd / cap)
            reports += bool(result.report_path)
            error = _report_error(config, seen, result.rounds)
            if error is not None:
                errors.append(error)
            print(
                f"  cap ${cap:.3f}: {result.status}, {result.rounds} rounds, "
                f"spent ${result.cost_usd:.3f} ({result.cost_usd - cap:+.3f})",
                file=sys.stderr,
            )
    worst = max(overshoots)
    return [
        Figure("uncapped research spend (baseline)", (full.cost_usd,), "USD"),
        Figure("largest overshoot over the cap", (worst,), "USD", "<= 0", worst <= 0),
        Figure("spent / cap", tuple(spent_share), "x", "<= 1.0x", max(spent_share) <= 1.0),
        Figure(
            "report call: real / reserved cost",
            tuple(errors) or (0.0,),
            "x",
            "<= 1.0x",
            bool(errors) and max(errors) <= 1.0,
        ),
        Figure(
            "capped runs that wrote their report",
            (reports / steps,),
            "",
            "1.0",
            reports == steps,
        ),
    ]


def run(steps: int = 10) -> int:
    print_table(measure(steps))
    return 0


if __name__ == "__main__":
    sys.exit(run())
