"""The engine's hot paths, each against a baseline measured in the same run.

- Event log: ``SessionHandle.append`` (flush + fsync per event, the durability we promise)
  against the same JSON lines written without fsync — the price of "nothing lost".
- Streaming parser: ``ReasoningStreamParser`` fed chunk by chunk against the naive approach
  of re-parsing the whole text received so far on every chunk (quadratic).
- Replay: rebuilding ``SessionState`` from events.jsonl (reopening a research) against
  just reading and JSON-decoding the same lines.
- A whole research against the loopback fakes: wall time and events per second.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from core import events as ev
from core.parsing import ReasoningStreamParser, parse_reasoning
from core.sessions import SessionStore, load_events
from core.state import SessionState


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _reasoning_text(rounds: int = 1) -> str:
    block = (
        "## 연구 라운드\n\n**PLANNING**\n"
        + "".join(
            f"{i}. Step about aspect {i} <SEARCH>aspect {i} evidence</SEARCH>\n" for i in range(6)
        )
        + "\n**EXECUTION**\n"
        + "Findings so far with citations [1][2]. " * 40
        + "\n\n**REFLECTION**\n"
        + "What is missing and what comes next. " * 30
    )
    return block * rounds


def _chunks(text: str, size: int = 24) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def bench_parser(repeat: int) -> None:
    text = _reasoning_text(3)
    chunks = _chunks(text)

    def streaming() -> None:
        parser = ReasoningStreamParser()
        for chunk in chunks:
            parser.feed(chunk)
        parser.close()

    def naive() -> None:
        received = ""
        for chunk in chunks:
            received += chunk
            parse_reasoning(received)

    ours = _best(streaming, repeat)
    base = _best(naive, max(1, repeat // 4))
    print(f"parser   {len(text):>7} chars in {len(chunks)} chunks")
    print(
        f"         streaming {ours * 1000:8.2f} ms   naive re-parse {base * 1000:8.2f} ms"
        f"   ratio {base / ours:6.1f}x faster"
    )


def bench_event_log(events: int) -> None:
    sample = [
        ev.LLMChunk(round=1, section="execution", text="chunk of streamed text " * 2).stamped(
            "bench", i
        )
        for i in range(events)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        handle = SessionStore(Path(tmp)).create("bench")
        started = time.perf_counter()
        for event in sample:
            handle.append(event)
        durable = time.perf_counter() - started

        plain_path = Path(tmp) / "plain.jsonl"
        started = time.perf_counter()
        with plain_path.open("a", encoding="utf-8") as out:
            for event in sample:
                out.write(ev.to_json(event) + "\n")
                out.flush()
        plain = time.perf_counter() - started

        started = time.perf_counter()
        replayed = SessionState.replay(load_events(handle.events_path))
        replay = time.perf_counter() - started
        started = time.perf_counter()
        with handle.events_path.open(encoding="utf-8") as lines:
            decoded = [json.loads(line) for line in lines]
        decode = time.perf_counter() - started
        assert replayed.last_seq == events - 1 and len(decoded) == events

    print(f"eventlog {events} events")
    print(
        f"         fsync per event {durable / events * 1e6:8.1f} us/event   "
        f"no fsync {plain / events * 1e6:8.1f} us/event   cost of durability "
        f"{durable / max(plain, 1e-9):6.1f}x"
    )
    print(
        f"replay   {replay * 1000:8.1f} ms for {events} events   json decode only "
        f"{decode * 1000:8.1f} ms   ratio {replay / max(decode, 1e-9):5.1f}x of decoding"
    )


@contextlib.contextmanager
def fake_world(**gemini: Any) -> Iterator[tuple[Path, Any]]:
    """A temporary data folder and the loopback fakes, with a config pointing at them.

    ``gemini``: options for the fake model (``chunk_delay_s``, ``responder``)."""
    from tests.fakes.gemini_server import DEFAULT_GEMINI_KEY, FakeGemini
    from tests.fakes.tavily_server import DEFAULT_TAVILY_KEY, FakeTavily

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DEEPRESEARCH_TUI_DATA"] = tmp
        os.environ["DEEPRESEARCH_TUI_CONFIG"] = str(Path(tmp) / "config.toml")
        model, tavily = FakeGemini(**gemini).start(), FakeTavily().start()
        try:
            os.environ.update(
                GEMINI_API_KEY=DEFAULT_GEMINI_KEY,
                TAVILY_API_KEY=DEFAULT_TAVILY_KEY,
                GEMINI_BASE_URL=model.base_url,
                TAVILY_BASE_URL=tavily.base_url,
            )
            from core.config import load

            config = load()
            config.gemini.rpm = 0
            yield Path(tmp), config
        finally:
            model.stop()
            tavily.stop()


def bench_full_run(rounds: int) -> None:
    from core.research import ResearchEngine, ResearchOptions

    with fake_world() as (_tmp, config):
        engine = ResearchEngine(config)

        async def go() -> object:
            try:
                return await engine.run("Benchmark topic", ResearchOptions(rounds=rounds))
            finally:
                await engine.aclose()

        started = time.perf_counter()
        result = asyncio.run(go())
        wall = time.perf_counter() - started
    events = engine.state.last_seq
    print(
        f"research {rounds} rounds against the loopback fakes: {wall:6.2f} s wall, "
        f"{events} events ({events / wall:7.0f}/s), {result.llm_calls} LLM calls, "  # type: ignore[attr-defined]
        f"{result.sources} sources"
    )  # type: ignore[attr-defined]


class _SlowStore:
    """The embedded store plus a network round trip per query: a graph across a network.

    Like ``Neo4jStore``, each write batch costs two queries (count, then MERGE).
    """

    def __init__(self, inner: Any, delay_s: float) -> None:
        self._inner, self._delay_s = inner, delay_s

    def apply(self, event: Any) -> Any:
        from core.mindmap.projection import batch, writes_for

        time.sleep(self._delay_s * 2 * len(batch(writes_for(event))))
        return self._inner.apply(event)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def research_stall(config: Any, store: Any, rounds: int) -> tuple[float, float]:
    """(longest event-loop stall in ms, wall seconds) of one real research on ``store``: a
    heartbeat task ticks every 2 ms beside the engine and records the longest gap."""
    from core.research import ResearchEngine, ResearchOptions

    engine = ResearchEngine(config, store=store)
    worst = [0.0]

    async def heartbeat() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            worst[0] = max(worst[0], now - last)
            last = now

    async def go() -> None:
        beat = asyncio.create_task(heartbeat())
        try:
            await engine.run("Benchmark topic", ResearchOptions(rounds=rounds))
        finally:
            beat.cancel()
            await engine.aclose()

    started = time.perf_counter()
    asyncio.run(go())
    return worst[0] * 1000, time.perf_counter() - started


def bench_slow_graph(rounds: int, delay_ms: float = 20.0) -> None:
    """The longest the engine's event loop goes without running, with an instant graph and
    with one that takes ``delay_ms`` per query (a synthesis event is ~24 queries). Writes
    run on their own thread, so the second should stall the loop no longer than the first
    (ratio near 1); the wall time grows because each round reads its context only once the
    graph holds the round before."""
    from core.mindmap.ladybug_store import LadybugStore

    def stall_ms(delay_s: float) -> tuple[float, float]:
        with fake_world() as (tmp, config):
            store = LadybugStore(tmp / "graph" / "g.lbug")
            try:
                return research_stall(config, _SlowStore(store, delay_s), rounds)
            finally:
                store.close()

    import google.genai  # noqa: F401  (imported lazily by the engine: not a stall to count)

    def median_of_3(delay_s: float) -> tuple[float, float]:
        runs = [stall_ms(delay_s) for _ in range(3)]
        return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)

    instant, instant_wall = median_of_3(0.0)
    slow, slow_wall = median_of_3(delay_ms / 1000)
    print(
        f"longest event-loop stall (median of 3), instant graph (baseline) {instant:7.1f} ms, "
        f"{instant_wall:5.2f} s wall"
    )
    print(
        f"longest event-loop stall (median of 3), {delay_ms:g} ms per graph query {slow:7.1f} ms, "
        f"{slow_wall:5.2f} s wall   ratio {slow / max(instant, 1e-9):5.1f}x of baseline"
    )


def run(*, events: int = 2000, repeat: int = 20, rounds: int = 3) -> int:
    bench_parser(repeat)
    bench_event_log(events)
    bench_full_run(rounds)
    bench_slow_graph(rounds)
    return 0
