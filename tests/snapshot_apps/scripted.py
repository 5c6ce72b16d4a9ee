"""A scripted stand-in for ``core.research.ResearchEngine`` and a canned, deterministic session.

The fake has the engine's API (``run``/``resume``/``pause``/``unpause``/``stop``,
``paused``, ``session_id``) and saves through the real ``SessionRecorder``, so a research it
"ran" can be reopened like a real one. Its events carry fixed timestamps, which is what the
snapshot tests need (no clock anywhere on screen). ``gate`` lets a test hold the run at a
given event index and release it when it has looked at the screen; ``held`` says the run
is waiting at its pause checkpoint.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from pathlib import Path
from typing import Any

from core.events import (
    ContextBuilt,
    ErrorRaised,
    Event,
    LLMCallFinished,
    LLMChunk,
    MindMapUpdated,
    PhaseStarted,
    PlanReady,
    RateLimited,
    ReportChunk,
    ReportReady,
    ResearchHeld,
    ResearchReleased,
    RoundFinished,
    RoundStarted,
    SearchFinished,
    SearchStarted,
    SessionFinished,
    SessionStarted,
    SourceAdded,
    SynthesisReady,
    WarningRaised,
)

T0 = 1_763_900_000.0
TOPIC = "Solid-state batteries for electric cars"

SOURCES = {
    1: ("https://www.nature.com/articles/solid-state-review", "Solid-state batteries: a review"),
    2: ("https://example-energy.org/sulfide-electrolytes", "Sulfide electrolytes in practice"),
    3: ("https://news.example.com/toyota-2027", "Toyota targets 2027 for solid-state cars"),
    4: ("https://arxiv.org/abs/2401.00001", "Dendrite growth in lithium metal anodes"),
    5: ("https://www.energy.gov/batteries/ssb", "DOE overview of next-generation batteries"),
    6: ("https://example-lab.edu/interfaces", "Interface resistance at the cathode"),
}

PLANS = {
    1: (
        "Map the field first: what makes a battery *solid-state*, which electrolytes "
        "compete, and who is closest to production.\n\n"
        "- electrolytes: oxide, sulfide, polymer\n- manufacturers' timelines\n",
        "I will search broadly, then narrow down:\n\n"
        "`🔎 solid-state battery electrolytes comparison`\n\n"
        "`🔎 solid-state battery car production timeline`\n",
        "Nothing is known yet; the first round sets the map of the topic.\n",
    ),
    2: (
        "Round 1 found the main electrolyte families and Toyota's 2027 target. "
        "Open question: **why** cells still fail (dendrites, interfaces).\n",
        "Dig into failure modes:\n\n`🔎 lithium dendrite solid electrolyte`\n\n"
        "`🔎 cathode interface resistance solid-state`\n",
        "The evidence on timelines rests on press releases; the technical claims are "
        "better supported. Interfaces look like the main open problem.\n",
    ),
}
QUERIES = {
    1: [
        "solid-state battery electrolytes comparison",
        "solid-state battery car production timeline",
    ],
    2: ["lithium dendrite solid electrolyte", "cathode interface resistance solid-state"],
}
ROUND_SOURCES = {1: {0: [1, 2], 1: [3]}, 2: {0: [4, 5], 1: [6]}}

REPORT = (
    "# Solid-state batteries for electric cars\n\n"
    "## Summary\n\nSolid-state batteries replace the liquid electrolyte with a solid one, "
    "promising higher energy density and safety [1]. Sulfide electrolytes lead in "
    "conductivity [2], and Toyota targets 2027 for the first cars [3].\n\n"
    "## Open problems\n\nDendrites still grow through some electrolytes [4], and the "
    "cathode interface adds resistance [6]; public programmes fund both [5].\n"
)


def canned_events(*, topic: str = TOPIC, rounds: int = 2, with_report: bool = True) -> list[Event]:
    """A whole research as the engine would emit it, with fixed timestamps (unstamped)."""
    events: list[Event] = []
    clock = [T0]

    def add(event: Event, dt: float = 0.4) -> None:
        clock[0] += dt
        events.append(dataclasses.replace(event, timestamp=clock[0]))

    add(
        SessionStarted(
            topic=topic,
            rounds=rounds,
            breadth=2,
            model="gemini-2.5-flash",
            search_provider="tavily",
        )
    )
    for n in range(1, rounds + 1):
        plan, execution, reflection = PLANS[1 + (n - 1) % 2]
        add(RoundStarted(round=n))
        add(PhaseStarted(round=n, phase="context"))
        add(ContextBuilt(round=n, text="" if n == 1 else "- Toyota targets 2027", items=n - 1))
        add(PhaseStarted(round=n, phase="reasoning"))
        for section, text in (("plan", plan), ("execution", execution), ("reflection", reflection)):
            # Two chunks per section: streaming is exercised, the text stays exact.
            half = len(text) // 2
            add(LLMChunk(round=n, section=section, text=text[:half]), 0.3)
            add(LLMChunk(round=n, section=section, text=text[half:]), 0.3)
        add(
            LLMCallFinished(
                round=n, purpose="reasoning", tokens_in=1800 * n, tokens_out=420, ms=2400
            )
        )
        queries = QUERIES[1 + (n - 1) % 2]
        add(
            PlanReady(
                round=n, plan=plan, execution=execution, reflection=reflection, queries=queries
            )
        )
        add(PhaseStarted(round=n, phase="search"))
        for query in queries:
            add(SearchStarted(round=n, query=query), 0.1)
        for index, query in enumerate(queries):
            ids = ROUND_SOURCES[1 + (n - 1) % 2][index] if n <= 2 else []
            for source_id in ids:
                url, title = SOURCES[source_id]
                add(
                    SourceAdded(
                        round=n,
                        source_id=source_id,
                        url=url,
                        title=title,
                        snippet=f"Snippet of “{title}”: key facts about {query}.",
                        query=query,
                        score=0.8,
                        provider="tavily",
                    ),
                    0.05,
                )
            add(
                SearchFinished(
                    round=n, query=query, source_ids=ids, results=len(ids) + 3, ms=900 + 100 * index
                )
            )
        if n == 1:
            add(
                WarningRaised(
                    message="Search “battery recall 2025” returned no results.",
                    kind="search",
                    round=n,
                )
            )
        add(PhaseStarted(round=n, phase="synthesis"))
        ids = [i for group in ROUND_SOURCES[1 + (n - 1) % 2].values() for i in group]
        add(LLMCallFinished(round=n, purpose="synthesis", tokens_in=2500, tokens_out=600, ms=3100))
        add(
            SynthesisReady(
                round=n,
                summary=f"After round {n}: solid electrolytes trade conductivity for stability.",
                evidence=[
                    {
                        "claim": f"Claim {n}.{k} supported by source {i}",
                        "source_ids": [i],
                        "confidence": 0.7 + 0.05 * k,
                    }
                    for k, i in enumerate(ids)
                ],
                concepts=["sulfide electrolyte", "dendrites", "interface resistance"][: n + 1],
                relations=[
                    {"source": "dendrites", "target": "sulfide electrolyte", "relation": "limits"}
                ],
                questions=["How stable are interfaces over 1000 cycles?"],
            )
        )
        add(MindMapUpdated(round=n, nodes=12, edges=18))
        add(RoundFinished(round=n))
    if with_report:
        add(PhaseStarted(round=rounds, phase="report"))
        half = len(REPORT) // 2
        add(ReportChunk(text=REPORT[:half]), 0.5)
        add(ReportChunk(text=REPORT[half:]), 0.5)
        add(
            LLMCallFinished(round=rounds, purpose="report", tokens_in=4000, tokens_out=900, ms=5200)
        )
        add(ReportReady(path="REPORT_PATH"))
        add(SessionFinished(status="done"))
    return events


def write_session(sessions_dir: Path, events: list[Event], *, report: str | None = None) -> str:
    """Save ``events`` as a session (stamped, fsynced, session.json kept) and return its id."""
    from core.record import SessionRecorder
    from core.sessions import SessionStore

    store = SessionStore(sessions_dir)
    handle = store.create(TOPIC)
    recorder = SessionRecorder(handle)
    for seq, event in enumerate(events, start=1):
        if isinstance(event, ReportReady):
            handle.report_path.write_text(report or REPORT, encoding="utf-8")
            event = dataclasses.replace(event, path=str(handle.report_path))
        recorder(event.stamped(handle.id, seq))
    return handle.id


def mid_run_events() -> list[Event]:
    """Round 2 of 3 while its searches run: the "Research mid-run" snapshot."""
    events = canned_events(rounds=3, with_report=False)
    cut = next(i for i, e in enumerate(events) if isinstance(e, SearchFinished) and e.round == 2)
    limited = RateLimited(retry_in_s=20, message="429", timestamp=events[cut].timestamp)
    return [*events[:cut], limited]


AUTH = (
    "Gemini rejected the API key: API key not valid. Please pass a valid API key. "
    "Check GEMINI_API_KEY or the config file (the whole sentence must stay readable)."
)


def failed_events() -> list[Event]:
    """Round 1's plan is streaming when Gemini refuses the key: the research fails."""
    events = canned_events(with_report=False)
    cut = next(i for i, e in enumerate(events) if isinstance(e, LLMChunk))
    at = events[cut].timestamp
    return [
        *events[: cut + 1],
        ErrorRaised(kind="auth", message=AUTH, timestamp=at + 1),
        SessionFinished(status="failed", reason=AUTH, timestamp=at + 1),
    ]


class ScriptedEngine:
    """Emits ``events`` through the real session recorder, honouring pause/stop.

    ``hold_at``: index of the event before which the run waits for ``release()`` (a test
    looks at the screen mid-run). ``delay``: seconds between events (0 = just yield).
    """

    def __init__(
        self,
        config: Any,
        *,
        on_event: Any = None,
        review_queries: Any = None,
        store: Any = None,
        sessions: Any = None,
        events: list[Event] | None = None,
        hold_at: int | None = None,
        delay: float = 0.0,
        fail_with: Exception | None = None,
    ) -> None:
        self.config = config
        self.on_event = on_event
        self.review_queries = review_queries
        self.store = store
        self.script = events if events is not None else canned_events()
        self.hold_at = hold_at
        self.delay = delay
        self.fail_with = fail_with
        self.session_id: str | None = None
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self.gate = threading.Event()
        self.holding = threading.Event()
        self.held = threading.Event()
        """Set while the run waits at its pause checkpoint: a test can wait for "paused and
        nothing more happens" instead of sleeping and counting."""
        self.reviewed: list[tuple[int, list[str]]] = []
        self.emitted: list[Event] = []
        self.started = threading.Event()

    # --- control, thread-safe like the real engine ----------------------------------------

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()

    def unpause(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()
        self.gate.set()

    def release(self) -> None:
        self.gate.set()

    # --- running --------------------------------------------------------------------------

    async def run(self, topic: str, options: Any = None) -> Any:
        from core.record import SessionRecorder
        from core.sessions import SessionStore

        handle = SessionStore(self.config.sessions_dir).create(topic)
        self._handle = handle
        self._recorder = SessionRecorder(handle)
        self.session_id = handle.id
        self._seq = 0
        script = [
            dataclasses.replace(e, topic=topic) if isinstance(e, SessionStarted) else e
            for e in self.script
        ]
        return await self._play(script)

    async def resume(self, session_id: str) -> Any:
        from core.record import SessionRecorder
        from core.sessions import SessionStore

        handle = SessionStore(self.config.sessions_dir).open(session_id)
        self._handle = handle
        self._recorder = SessionRecorder(handle)
        self.session_id = handle.id
        state = self._recorder.state
        self._seq = state.last_seq
        done = state.completed_rounds()
        rest: list[Event] = [
            SessionStarted(
                topic=state.topic, rounds=state.rounds_planned, breadth=state.breadth, resumed=True
            )
        ]
        started = False
        for event in self.script:
            if isinstance(event, RoundStarted) and event.round == done + 1:
                started = True
            if started:
                rest.append(event)
        return await self._play(rest)

    def _emit(self, event: Event) -> None:
        self._seq += 1
        if isinstance(event, ReportReady):
            text = self._recorder.state.report or REPORT
            self._handle.report_path.write_text(text, encoding="utf-8")
            event = dataclasses.replace(event, path=str(self._handle.report_path))
        event = event.stamped(self.session_id or "", self._seq)
        self._recorder(event)
        self.emitted.append(event)
        if self.on_event is not None:
            self.on_event(event)

    async def _play(self, script: list[Event]) -> Any:
        self.started.set()
        if self.fail_with is not None:
            raise self.fail_with
        for index, event in enumerate(script):
            if self.hold_at is not None and index == self.hold_at:
                self.holding.set()
                await asyncio.to_thread(self.gate.wait)
            if self.paused:
                self._emit(ResearchHeld())  # as the engine does: on record, then held
                self.held.set()
                while self.paused:  # noqa: ASYNC110 - mirrors the engine's checkpoint
                    await asyncio.sleep(0.01)
                self.held.clear()
                self._emit(ResearchReleased())
            if self._stop.is_set():
                return self._stopped()
            if isinstance(event, PlanReady) and self.review_queries is not None:
                queries = await self.review_queries(event.round, list(event.queries))
                self.reviewed.append((event.round, queries))
                event = dataclasses.replace(event, queries=queries)
            self._emit(event)
            await asyncio.sleep(self.delay)
        return _Result(self.session_id or "", "done")

    def _stopped(self) -> Any:
        state = self._recorder.state
        self._emit(PhaseStarted(round=state.current_round, phase="report"))
        self._emit(ReportChunk(text="> *Partial report: the research was stopped.*\n\n"))
        self._emit(ReportReady(path="", reason="stopped"))
        self._emit(SessionFinished(status="stopped", reason="stopped by the user"))
        return _Result(self.session_id or "", "stopped")


@dataclasses.dataclass
class _Result:
    session_id: str
    status: str


def scripted_factory(**options: Any) -> Any:
    """An ``engine_factory`` for ``DeepResearchApp`` building :class:`ScriptedEngine`."""

    def factory(config: Any, **kwargs: Any) -> ScriptedEngine:
        return ScriptedEngine(config, **kwargs, **options)

    return factory
