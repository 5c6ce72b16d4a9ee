"""A 20-round research against the loopback fakes: does round 20 cost what round 3 does?

- Prompt size: the characters the model was sent in round 20 (reasoning + synthesis
  prompts, as the fake server received them) over those of round 3, the baseline of the
  same run. The context, the summary, the sources and the earlier queries are each capped,
  so the ratio must stay near 1 however much the mind map holds.
- Memory: the process's resident set (``/proc/self/statm``) when round 20 finished over
  when round 3 finished. The engine keeps its state in memory and the graph grows on disk,
  so what round 4-20 add must be small.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import threading
from dataclasses import dataclass, field
from typing import Any

from bench.bench_live import Figure

ROUNDS = 20
BASE_ROUND = 3
_ROUND_RE = re.compile(r"^ROUND:\s*(\d+)\s*$", re.MULTILINE)


def rss_bytes() -> int:
    """Resident set size now (not the peak): Linux ``/proc/self/statm``, else the peak."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class RoundsRun:
    prompt_chars: dict[int, int] = field(default_factory=dict)
    """Round -> characters of the reasoning and synthesis prompts the model received."""
    rss: dict[int, int] = field(default_factory=dict)
    """Round -> resident bytes when the round finished."""

    def ratio(self, table: dict[int, int]) -> float:
        return table[ROUNDS] / max(1, table[BASE_ROUND])


def one_run(rounds: int = ROUNDS) -> RoundsRun:
    """One research of ``rounds`` rounds; prompts counted where the fake model reads them."""
    from bench.bench_engine import fake_world
    from core.events import RoundFinished
    from core.research import ResearchEngine, ResearchOptions
    from tests.fakes.gemini_server import default_answer

    out = RoundsRun()
    lock = threading.Lock()

    def responder(request: Any) -> Any:
        prompt = request.prompt
        if request.task in ("reasoning", "synthesis"):
            found = _ROUND_RE.search(prompt)
            if found:
                number = int(found.group(1))
                with lock:
                    out.prompt_chars[number] = out.prompt_chars.get(number, 0) + len(prompt)
        return default_answer(prompt)

    def on_event(event: Any) -> None:
        if isinstance(event, RoundFinished):
            out.rss[event.round] = rss_bytes()

    with fake_world(responder=responder) as (_tmp, config):
        config.research.breadth = 3
        engine = ResearchEngine(config, on_event=on_event)

        async def go() -> None:
            try:
                await engine.run("Benchmark topic", ResearchOptions(rounds=rounds))
            finally:
                await engine.aclose()

        asyncio.run(go())
    return out


def measure(runs: int = 3) -> list[Figure]:
    done = [one_run() for _ in range(runs)]
    prompt = tuple(r.ratio(r.prompt_chars) for r in done)
    memory = tuple(r.ratio(r.rss) for r in done)
    return [
        Figure(
            f"round {BASE_ROUND} prompt chars (baseline)",
            tuple(float(r.prompt_chars[BASE_ROUND]) for r in done),
            "n",
        ),
        Figure(
            f"round {ROUNDS} prompt chars", tuple(float(r.prompt_chars[ROUNDS]) for r in done), "n"
        ),
        Figure(
            f"round-{ROUNDS} / round-{BASE_ROUND} prompt size",
            prompt,
            "x",
            "<= 1.5x",
            statistics.median(prompt) <= 1.5,
        ),
        Figure(
            f"RSS after round {BASE_ROUND} (baseline)",
            tuple(r.rss[BASE_ROUND] / 2**20 for r in done),
            "MB",
        ),
        Figure(
            f"RSS after {ROUNDS} rounds / round {BASE_ROUND}",
            memory,
            "x",
            "<= 1.3x",
            statistics.median(memory) <= 1.3,
        ),
    ]
