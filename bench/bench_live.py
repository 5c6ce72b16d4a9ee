"""The live screen under a fast stream: how long a key takes to show, against the idle app.

The real app runs headless (``App.run_test``) with the real engine against the loopback
fakes; the fake model streams a long reasoning answer (about 20k characters in chunks of a
few characters, 2 ms apart: thousands of characters a second). While the panes stream,
the bench types j and k into the steps list the way a terminal does (a ``Key`` through the
driver) and times each key from the moment it is sent to the first frame painted after the
list moved. The same keys on the same screen once the research has finished are the
baseline ("idle"), measured in the same run; the figure that matters is the ratio.

A frame is what ``App._display`` receives; headless Textual skips turning it into terminal
output, so the bench does that work itself (``render_segments``) to charge what a terminal
would cost. Also counted: frames painted per second while streaming, the longest stall of
the UI loop, and how often the selection the user moved was taken back before the next key.

Once idle, the bench also times the frame of a streamed pane (the pane repainted, nothing
else) drawn by Textual's compositor and by the app's (``tui.span_compositor``), on the same
screen in the same run.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import io
import pstats
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

TOPIC = "Heat pumps in cold climates"
CHUNK_DELAY_S = 0.002
PRESSES = 48
"""Keys per phase: a p95 of 48 is the third-slowest key (of 24 it was the second, and one
unlucky key moved the figure by half)."""
GAP_S = 0.09
"""Between keys: a person pressing j/k quickly (about ten keys a second)."""


def long_reasoning(prompt: str) -> str:
    """The fake's reasoning answer with every section grown to several screens of Markdown:
    paragraphs, lists and headings, the blocks a real model writes."""
    from tests.fakes.gemini_server import reasoning_text

    base = reasoning_text(prompt)
    head, _, rest = base.partition("**EXECUTION**\n")
    execution, _, reflection = rest.partition("**REFLECTION**\n")
    para = (
        "Cold-climate heat pumps keep a useful coefficient of performance well below "
        "freezing; field trials report seasonal figures between 2 and 3 [1][2]. "
    )
    plan_extra = "".join(f"- Check claim {i} against a second source.\n" for i in range(40))
    exec_extra = "".join(
        f"\n### Finding {i}\n\n{para * 3}\n\n- detail {i}a\n- detail {i}b\n" for i in range(30)
    )
    refl_extra = "".join(f"\n{para * 2}\n" for i in range(20))
    return (
        head
        + plan_extra
        + "\n**EXECUTION**\n"
        + execution
        + exec_extra
        + "\n**REFLECTION**\n"
        + reflection
        + refl_extra
    )


def responder(request: Any) -> Any:
    from tests.fakes.gemini_server import default_answer

    if request.task == "reasoning":
        return long_reasoning(request.prompt)
    return default_answer(request.prompt)


@dataclass
class Probe:
    """Hooks in one running app: frames painted, keys handled, stalls of its loop."""

    app: Any
    frames: list[float] = field(default_factory=list)
    handled_at: float | None = None
    stall_s: float = 0.0
    streaming_frames: int = 0
    streaming_s: float = 0.0

    def install(self) -> None:
        from textual._compositor import CompositorUpdate

        app = self.app
        display = app._display
        console = app.console

        def hooked(screen: Any, renderable: Any) -> None:
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(console)  # what a terminal driver would do
            display(screen, renderable)
            self.frames.append(time.perf_counter())

        app._display = hooked

    def watch_steps(self, steps: Any) -> None:
        """Note when the list handled a cursor key (j/k reach these two actions)."""
        for name in ("action_cursor_down", "action_cursor_up"):
            action = getattr(steps, name)

            def wrapped(action: Any = action) -> None:
                action()
                self.handled_at = time.perf_counter()

            setattr(steps, name, wrapped)

    async def heartbeat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.stall_s = max(self.stall_s, now - last - 0.005)
            last = now


@dataclass
class Presses:
    latencies: list[float] = field(default_factory=list)
    """Key sent to the frame that shows it."""
    handled: list[float] = field(default_factory=list)
    """Key sent to the list having moved (the rest is waiting for and painting a frame)."""
    taken_back: int = 0


async def _press(
    app: Any, probe: Probe, steps: Any, key: str, limit: float = 5.0
) -> tuple[float, float]:
    """Send ``key`` as the terminal driver does; seconds until the list handled it and until
    the frame that shows it."""
    from textual import events

    probe.handled_at = None
    event = events.Key(key, key)
    event.set_sender(app)
    sent = time.perf_counter()
    app._driver.send_message(event)
    deadline = sent + limit
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.001)
        handled = probe.handled_at
        if handled is not None and probe.frames and probe.frames[-1] >= handled:
            painted = next(t for t in probe.frames if t >= handled)
            return handled - sent, painted - sent
    return limit, limit


async def _type_keys(app: Any, probe: Probe, steps: Any, while_: Any, count: int) -> Presses:
    """Alternate j and k ``count`` times while ``while_()`` holds; count take-backs."""
    out = Presses()
    keys = ("k", "j")
    for n in range(count * 4):
        if len(out.latencies) >= count or not while_():
            break
        handled, latency = await _press(app, probe, steps, keys[n % 2])
        out.handled.append(handled)
        out.latencies.append(latency)
        moved_to = steps.highlighted
        await asyncio.sleep(GAP_S)
        if steps.highlighted != moved_to:
            out.taken_back += 1
    return out


def _fake_world() -> Any:
    from bench.bench_engine import fake_world

    return fake_world(chunk_delay_s=CHUNK_DELAY_S, responder=responder)


ROUNDS = 2
"""Two rounds: the keys are typed during the first streams; the second keeps a round to
stream while the first keys' backlog drains."""


@dataclass
class LiveRun:
    streaming: Presses
    idle: Presses
    frames_per_s: float
    stall_s: float
    chars_per_s: float
    pane_frame_stock_s: float = float("nan")
    """A streamed pane's frame, drawn by Textual's compositor (median)."""
    pane_frame_span_s: float = float("nan")
    """The same frame drawn by ``SpanCompositor`` (median)."""


def time_pane_frames(app: Any, screen: Any, repeat: int = 41) -> tuple[float, float]:
    """Seconds per frame of a repainted pane, Textual's compositor then the app's (medians,
    the two alternating so both see the same machine)."""
    from tests.pilot_helpers import partial_update

    compositor = screen._compositor
    pane = screen.query_one("#execution-doc")
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(repeat):
        for stock in (True, False):
            pane.refresh()  # its lines are drawn again, as when text arrived
            started = time.perf_counter()
            update = partial_update(compositor, [pane.region], textual=stock)
            if update is not None:
                update.render_segments(app.console)
            times[stock].append(time.perf_counter() - started)
    compositor._dirty_regions.clear()
    return statistics.median(times[True]), statistics.median(times[False])


async def _one_run(config: Any, profile: cProfile.Profile | None = None) -> LiveRun:
    from tests.pilot_helpers import wait_for
    from tui.app import DeepResearchApp
    from tui.screens.report import ReportScreen
    from tui.screens.research import ResearchScreen
    from tui.widgets.steps import StepsList

    config.research.rounds = ROUNDS
    config.research.breadth = 2
    app = DeepResearchApp(config, start_topic=TOPIC)
    async with app.run_test(size=(160, 48)) as pilot:
        probe = Probe(app)
        probe.install()
        beat = asyncio.create_task(probe.heartbeat())
        await wait_for(pilot, lambda: isinstance(app.screen, ResearchScreen), limit=30)
        screen = app.screen
        steps = screen.query_one(StepsList)
        probe.watch_steps(steps)

        def streaming() -> bool:
            return (
                app.screen is screen
                and screen.state.current_phase == "reasoning"
                and screen.state.status == "running"
            )

        await wait_for(pilot, lambda: streaming() and screen.state.current_round >= 1, limit=60)
        await wait_for(pilot, lambda: sum(map(len, _round_text(screen))) > 200, limit=30)
        probe.stall_s = 0.0
        frames_before, started = len(probe.frames), time.perf_counter()
        chars_before = sum(map(len, _round_text(screen)))
        if profile is not None:
            profile.enable()
        live = Presses()
        while len(live.latencies) < PRESSES and screen.state.status == "running":
            if not streaming():
                await asyncio.sleep(0.01)
                continue
            part = await _type_keys(app, probe, steps, streaming, PRESSES - len(live.latencies))
            live.latencies += part.latencies
            live.handled += part.handled
            live.taken_back += part.taken_back
        if profile is not None:
            profile.disable()
        elapsed = time.perf_counter() - started
        frames = len(probe.frames) - frames_before
        chars = sum(map(len, _round_text(screen))) - chars_before
        stall = probe.stall_s
        await wait_for(
            pilot, lambda: screen.state.status != "running" and not screen.running, limit=120
        )
        with contextlib.suppress(AssertionError):
            await wait_for(pilot, lambda: isinstance(app.screen, ReportScreen), limit=5)
        if app.screen is not screen:
            await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, limit=10)
        steps.focus()
        await pilot.pause()
        idle = await _type_keys(app, probe, steps, lambda: True, PRESSES)
        beat.cancel()
        stock_s, span_s = time_pane_frames(app, screen)
    return LiveRun(
        live,
        idle,
        frames / max(elapsed, 1e-9),
        stall,
        max(0, chars) / elapsed,
        stock_s,
        span_s,
    )


def _round_text(screen: Any) -> list[str]:
    rnd = screen.state.rounds.get(screen.state.current_round)
    return list(rnd.text.values()) if rnd is not None else []


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@dataclass(frozen=True)
class Figure:
    """One measured figure: the median of the runs, with their min and max."""

    name: str
    values: tuple[float, ...]
    unit: str = "ms"
    target: str = ""
    passed: bool | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def cells(self) -> tuple[str, str, str, str]:
        fmt = {
            "ms": "{:.1f} ms",
            "x": "{:.2f}x",
            "n": "{:.0f}",
            "/s": "{:.1f}/s",
            "s": "{:.2f} s",
            "MB": "{:.0f} MB",
            "USD": "${:.3f}",
        }
        f = fmt.get(self.unit, "{:.2f}").format
        spread = f"{f(min(self.values))} – {f(max(self.values))}"
        verdict = "" if self.passed is None else ("pass" if self.passed else "miss")
        return f(self.median), spread, self.target, verdict


def live_figures(runs: list[LiveRun]) -> list[Figure]:
    p50 = tuple(_pct(r.streaming.latencies, 0.5) * 1000 for r in runs)
    p95 = tuple(_pct(r.streaming.latencies, 0.95) * 1000 for r in runs)
    idle50 = tuple(_pct(r.idle.latencies, 0.5) * 1000 for r in runs)
    idle95 = tuple(_pct(r.idle.latencies, 0.95) * 1000 for r in runs)
    ratio = tuple(a / max(b, 1e-6) for a, b in zip(p95, idle95, strict=True))
    taken = tuple(float(r.streaming.taken_back) for r in runs)
    return [
        Figure("keypress p50 while streaming", p50),
        Figure(
            "keypress p95 while streaming",
            p95,
            target="< 50 ms",
            passed=statistics.median(p95) < 50,
        ),
        Figure(
            "  of which: key handled, p95",
            tuple(_pct(r.streaming.handled, 0.95) * 1000 for r in runs),
        ),
        Figure("keypress p50 idle (baseline)", idle50),
        Figure("keypress p95 idle (baseline)", idle95),
        Figure(
            "keypress p95 streaming / idle",
            ratio,
            "x",
            target="<= 2x",
            passed=statistics.median(ratio) <= 2,
        ),
        Figure(
            f"selection taken back (of {PRESSES} keys)",
            taken,
            "n",
            target="0",
            passed=max(taken) == 0,
        ),
        Figure("frames painted while streaming", tuple(r.frames_per_s for r in runs), "/s"),
        Figure("longest UI-loop stall while streaming", tuple(r.stall_s * 1000 for r in runs)),
        Figure(
            "chars streamed per second (UI)",
            tuple(r.chars_per_s for r in runs),
            "n",
        ),
        Figure(
            "pane frame: Textual's compositor (baseline)",
            tuple(r.pane_frame_stock_s * 1000 for r in runs),
        ),
        Figure(
            "pane frame: the app's span compositor",
            tuple(r.pane_frame_span_s * 1000 for r in runs),
        ),
        Figure(
            "pane frame: span / Textual's",
            tuple(r.pane_frame_span_s / r.pane_frame_stock_s for r in runs),
            "x",
        ),
    ]


def measure(runs: int = 3) -> list[Figure]:
    with _fake_world() as (_tmp, config):
        results = [asyncio.run(_one_run(config)) for _ in range(runs)]
    return live_figures(results)


def profile_streaming(top: int = 25) -> str:
    """cProfile of the UI thread while it streams and takes keys: the top functions."""
    profile = cProfile.Profile()
    with _fake_world() as (_tmp, config):
        asyncio.run(_one_run(config, profile))
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def print_table(figures: list[Figure]) -> None:
    rows = [("figure", "median", "min – max", "target", "")]
    rows += [(f.name, *f.cells()) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


def run(*, runs: int = 3, profile: bool = False) -> int:
    if profile:
        print(profile_streaming())
        return 0
    print_table(measure(runs))
    return 0
