"""``python -m bench``: every figure of the performance issue this package can measure, in
one table, each the median of several runs with min and max, against a baseline measured
in the same run where the target is a ratio; written to ``bench/RESULTS.md`` as well.

Figures whose fix lies in the engine (searches starting as their tags close, a round no
longer than its critical path) are measured from a real run's events and reported as
they are. The mind map (context query at 11.6k nodes, the Tree's first page of a node
with 1,016 children), a 20-round research (round-20 / round-3 prompt size and RSS) and
``sessions list`` over 200 researches are measured here too (``bench_mindmap``,
``bench_rounds``, ``bench_sessions``).
"""

from __future__ import annotations

import asyncio
import datetime
import os
import platform
import statistics
import sys
from pathlib import Path

from bench.bench_live import Figure

RESULTS = Path(__file__).with_name("RESULTS.md")
NOT_MEASURED: tuple[tuple[str, str, str], ...] = ()
"""(figure, target, why) for any figure of the issue this package cannot measure: listed,
never left out. Every figure is measured now."""


def _critical_path(rounds: int = 3, runs: int = 3) -> list[Figure]:
    """Round wall time over its critical path (reasoning + slowest search + synthesis),
    from the events of real runs against the loopback fakes; calls per round; searches
    run per search planned."""
    from bench.bench_engine import fake_world
    from core.research import ResearchEngine, ResearchOptions

    first: list[float] = []
    later: list[float] = []
    calls: list[float] = []
    searched: list[float] = []
    for _ in range(runs):
        with fake_world(chunk_delay_s=0.002) as (_tmp, config):
            config.research.breadth = 3
            engine = ResearchEngine(config)

            async def go(engine: ResearchEngine = engine) -> None:
                try:
                    await engine.run("Benchmark topic", ResearchOptions(rounds=rounds))
                finally:
                    await engine.aclose()

            asyncio.run(go())
        state = engine.state
        ratios = []
        planned = run = 0
        for number in sorted(state.rounds):
            rnd = state.rounds[number]
            phases = rnd.phases
            spans = [
                (p.finished or 0) - (p.started or 0)
                for name in ("reasoning", "synthesis")
                if (p := phases.get(name)) is not None
            ]
            slowest = max((s.ms for s in rnd.searches), default=0) / 1000
            path = sum(spans) + slowest
            if rnd.started and rnd.finished and path > 0:
                ratios.append((rnd.finished - rnd.started) / path)
            planned += len(rnd.queries)
            run += sum(1 for s in rnd.searches if s.status == "done")
        if ratios:
            first.append(ratios[0])
            later.append(statistics.median(ratios[1:]) if len(ratios) > 1 else ratios[0])
        calls.append((state.llm_calls - 1) / max(1, len(state.rounds)))  # the report: +1
        searched.append(run / max(1, planned))
    return [
        Figure(
            "round 1 wall / critical path",
            tuple(first),
            "x",
            "<= 1.0x",
            statistics.median(first) <= 1.0,
        ),
        Figure(
            f"rounds 2-{rounds} wall / critical path",
            tuple(later),
            "x",
            "<= 1.0x",
            statistics.median(later) <= 1.0,
        ),
        Figure("LLM calls per round", tuple(calls), "", "<= 2", max(calls) <= 2),
        Figure("searches run / planned", tuple(searched), "", "1.0", min(searched) >= 1.0),
    ]


def _machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    import textual

    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores (load average "
        f"{load} at the end: the box is shared), Python {platform.python_version()}, "
        f"Textual {textual.__version__}"
    )


def _markdown(figures: list[Figure], command: str) -> str:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"- Machine: {_machine()}",
        f"- Date: {now}",
        f"- Command: `{command}`",
        "- Each figure: median of the runs, with min and max; ratios are to a baseline",
        "  measured in the same run (absolute times depend on the load of the machine).",
        "",
        "| figure | median | min – max | target | |",
        "|---|---|---|---|---|",
    ]
    for figure in figures:
        median, spread, target, verdict = figure.cells()
        lines.append(f"| {figure.name} | {median} | {spread} | {target} | {verdict} |")
    for name, target, why in NOT_MEASURED:
        lines.append(f"| {name} | not measured ({why}) | | {target} | |")
    return "\n".join(lines) + "\n"


def run(*, runs: int = 3, write: bool = True) -> int:
    from bench import (
        bench_live,
        bench_mindmap,
        bench_open,
        bench_rounds,
        bench_sessions,
        bench_trust,
    )

    figures = bench_live.measure(runs)
    figures += bench_open.measure(runs)
    figures += _critical_path(runs=runs)
    figures += bench_trust.measure(runs)
    figures += bench_mindmap.measure(nodes=11_600, repeat=max(3, runs))
    figures += bench_rounds.measure(runs)
    figures += bench_sessions.measure(runs)
    bench_live.print_table(figures)
    for name, target, why in NOT_MEASURED:
        print(f"{name}: not measured ({why})" + (f"; target {target}" if target else ""))
    if write:
        command = "python -m bench" + (f" --runs {runs}" if runs != 3 else "")
        RESULTS.write_text(_markdown(figures, command), encoding="utf-8")
        print("written to bench/RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(run())
