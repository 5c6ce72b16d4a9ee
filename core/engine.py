"""The research engine: rounds of context → reasoning → search → synthesis, then a report.

Async and UI-free. Every step is an event (``core.events``) that is first saved (events.jsonl,
research_log.md), then queued for the mind map (written on its own thread, so a slow graph
never stalls the loop), then handed to ``on_event`` (the TUI or the CLI progress).
Because the event log is the source of truth, resuming is replaying it and going on from the
first round that did not finish.

Per round: one streaming reasoning call and one structured synthesis call; one more call for
the report. Every planned query runs, concurrently and bounded. Rate limits wait the server's
delay (emitted as ``RateLimited`` for a countdown); a spent daily quota pauses the session.

``pause``, ``unpause`` and ``stop`` may be called from any thread (the TUI's UI thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from core import ingest, prompts
from core.config import Config
from core.errors import (
    AuthError,
    BadOutputError,
    ProviderError,
    QuotaExhausted,
    RateLimitError,
)
from core.events import (
    ContextBuilt,
    Error,
    Event,
    LLMCallFinished,
    LLMChunk,
    MindMapUpdated,
    PhaseStarted,
    PlanReady,
    RateLimited,
    ReportChunk,
    ReportReady,
    RoundFinished,
    RoundStarted,
    SearchFinished,
    SearchStarted,
    SessionFinished,
    SessionStarted,
    SessionStatus,
    SourceAdded,
    StreamRestarted,
    SynthesisReady,
    Warning,
)
from core.llm.base import LLMProvider
from core.mindmap.base import GraphDelta, MindMapStore
from core.mindmap.projector import GraphProjector
from core.parsing import ReasoningStreamParser
from core.ratelimit import RateLimiter, call_with_retries, wait_cause
from core.redaction import scrub, secret_values
from core.report import fallback_report, finalise_report
from core.search.base import SearchHit, SearchProvider
from core.sessions import RunLock, SessionHandle, SessionRecorder, SessionStore
from core.state import SessionState
from core.synthesis_schema import validate_synthesis
from core.urls import normalise_url

T = TypeVar("T")

_MESSAGE_FIELDS = ("message", "reason", "error")
"""Event fields that carry error text from outside (and so might quote a secret)."""

GRAPH_WAIT_S = 15.0
"""Longest wait for the mind map to catch up; past it the research goes on without it."""
QueryReviewer = Callable[[int, list[str]], Awaitable[list[str]]]


@dataclass
class ResearchOptions:
    rounds: int = 3
    breadth: int = 4
    results_per_search: int = 5
    concurrency: int = 4
    language: str = ""

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> ResearchOptions:
        research = config.research
        options = cls(
            rounds=research.rounds,
            breadth=research.breadth,
            results_per_search=research.results_per_search,
            concurrency=research.concurrency,
            language=research.language,
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(options, key, value)
        return options


@dataclass
class RunResult:
    session_id: str
    status: SessionStatus
    report_path: str
    rounds: int
    llm_calls: int
    tokens_in: int
    tokens_out: int
    sources: int
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "status": self.status,
            "report_path": self.report_path,
            "rounds": self.rounds,
            "llm_calls": self.llm_calls,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "sources": self.sources,
        }


class _Stop(Exception):
    """Internal: the user asked to stop; go straight to the report."""


class _Paused(Exception):
    """Internal: a daily quota is spent; save and pause the session."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Failed(Exception):
    """Internal: the research cannot go on (bad key, model unavailable)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class ResearchEngine:
    def __init__(
        self,
        config: Config,
        *,
        llm: LLMProvider | None = None,
        search: SearchProvider | None = None,
        store: MindMapStore | None = None,
        sessions: SessionStore | None = None,
        on_event: Callable[[Event], None] | None = None,
        review_queries: QueryReviewer | None = None,
    ) -> None:
        self.config = config
        self._llm = llm
        self._search = search
        self._store = store
        self._store_given = store is not None
        self.sessions = sessions or SessionStore(config.sessions_dir)
        self.on_event = on_event
        self.review_queries = review_queries
        self.limiter = RateLimiter(config.gemini.rpm)
        self.session_id: str | None = None
        self.state = SessionState()
        self._handle: SessionHandle | None = None
        self._recorder: SessionRecorder | None = None
        self._log: Callable[[Event], None] | None = None
        self._seq = 0
        self._paused = False
        self._gate: asyncio.Event | None = None
        """Set while running, clear while paused; lives on the engine's own loop."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested = threading.Event()
        self._graph_failed = False
        self._projector: GraphProjector | None = None
        """Writes events into the mind map off the loop (see core/mindmap/projector.py)."""
        self.graph_wait_s = GRAPH_WAIT_S
        self._known_urls: dict[str, int] = {}
        self._url_fence = ingest.UrlFence()
        self._run_lock: RunLock | None = None
        self._secrets = secret_values(config)

    # --- control (thread-safe) -------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Hold before the next step (the call under way finishes)."""
        self._paused = True
        self._on_loop(lambda gate: gate.clear())

    def unpause(self) -> None:
        self._paused = False
        self._on_loop(lambda gate: gate.set())

    def stop(self) -> None:
        """Finish the call under way, then write a (partial) report and save."""
        self._stop_requested.set()
        self.unpause()

    def _on_loop(self, change: Callable[[asyncio.Event], None]) -> None:
        """Change the gate on the engine's loop, whichever thread asks."""
        gate, loop = self._gate, self._loop
        if gate is None or loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nothing to hold
            loop.call_soon_threadsafe(change, gate)

    def _open_gate(self) -> None:
        """Bind the gate to the running loop (called at the start of run/resume)."""
        self._loop = asyncio.get_running_loop()
        self._gate = asyncio.Event()
        if not self._paused:
            self._gate.set()

    async def _checkpoint(self, *, allow_stop: bool = True) -> None:
        if self._gate is not None:
            await self._gate.wait()
        if allow_stop and self._stop_requested.is_set():
            raise _Stop

    # --- providers -------------------------------------------------------------------

    @property
    def llm(self) -> LLMProvider:
        if self._llm is None:
            from core.llm.gemini import GeminiProvider

            gemini = self.config.gemini
            self._llm = GeminiProvider(gemini.api_key, gemini.model, base_url=gemini.base_url)
        return self._llm

    @property
    def search(self) -> SearchProvider:
        if self._search is None:
            from core.search.tavily import TavilySearch

            tavily = self.config.tavily
            self._search = TavilySearch(
                tavily.api_key,
                base_url=tavily.base_url,
                search_depth=tavily.search_depth,
                include_raw_content=tavily.include_raw_content,
                raw_content_chars=tavily.raw_content_chars,
                timeout_s=tavily.timeout_s,
            )
        return self._search

    async def _open_store(self) -> None:
        if self._store is not None:
            return
        from core.mindmap.factory import open_store

        try:
            self._store, warnings = await asyncio.to_thread(open_store, self.config)
        except Exception as exc:  # the research goes on without a graph
            self._graph_failed = True
            self._emit(Warning(message=f"Mind map unavailable: {exc}", kind="graph"))
            return
        for message in warnings:
            self._emit(Warning(message=message, kind="graph"))

    async def aclose(self) -> None:
        self._close_projector()
        for provider in (self._llm, self._search):
            if provider is not None:
                with contextlib.suppress(Exception):  # closing must never mask the outcome
                    await provider.aclose()
        if self._store is not None and not self._store_given:
            self._store.close()
            self._store = None

    # --- events ----------------------------------------------------------------------

    def _emit(self, event: Event) -> Event:
        """Stamp, save, project and publish one event. Saving comes first: nothing is lost."""
        self._seq += 1
        event = self._scrubbed(event).stamped(self.session_id or "", self._seq)
        if self._recorder is not None:
            self._recorder(event)
            self.state = self._recorder.state
        else:
            self.state.apply(event)
        if self._log is not None:
            try:
                self._log(event)
            except Exception as exc:  # the log is derived from the events: warn, go on
                self._log = None
                self._emit(
                    Warning(message=f"research_log.md is no longer updated: {exc}", kind="log")
                )
        if self._projector is not None and not self._graph_failed:
            self._projector.submit(event)
        if self.on_event is not None:
            with contextlib.suppress(Exception):  # a broken listener must not stop research
                self.on_event(event)
        return event

    def _scrubbed(self, event: Event) -> Event:
        """``event`` without any configured secret in its messages (providers scrub their
        own key already; this also covers gateway tokens in base URLs and the graph's
        password, whatever text an error quoted)."""
        changes = {}
        for name in _MESSAGE_FIELDS:
            text = getattr(event, name, None)
            if isinstance(text, str) and text:
                clean = scrub(text, self._secrets)
                if clean != text:
                    changes[name] = clean
        return dataclasses.replace(event, **changes) if changes else event

    # --- entry points ----------------------------------------------------------------

    async def run(self, topic: str, options: ResearchOptions | None = None) -> RunResult:
        """A new research on ``topic``, saved as a new session."""
        topic = ingest.clean_line(topic, ingest.TOPIC_CHARS)
        if not topic:
            raise ValueError("The topic is empty.")
        self._open_gate()
        self._attach(self.sessions.create(topic))
        try:
            return await self._start(
                topic, options or ResearchOptions.from_config(self.config), first_round=1
            )
        finally:
            self._release()

    async def resume(self, session_id: str) -> RunResult:
        """Go on with a paused, stopped or interrupted session from its first unfinished round."""
        self._open_gate()
        handle = self.sessions.open(session_id)
        self._attach(handle)
        state = self.state
        # Killed before its first event (while the graph opened): session.json has the topic.
        topic = state.topic or handle.read_info().topic
        if state.status == "done" or not topic:
            self._release()
            why = "is already finished" if topic else "holds no research (no topic was saved)"
            raise ValueError(f"Session {session_id} {why}; nothing to resume.")
        options = ResearchOptions.from_config(self.config)
        if state.rounds_planned:  # it started: go on with its own settings, not today's config
            options.rounds, options.breadth = state.rounds_planned, state.breadth
            options.language = state.language
        try:
            return await self._start(
                topic, options, first_round=state.completed_rounds() + 1, resumed=True
            )
        finally:
            self._release()

    async def _start(
        self, topic: str, options: ResearchOptions, *, first_round: int, resumed: bool = False
    ) -> RunResult:
        def started(prior: int) -> SessionStarted:
            return SessionStarted(
                topic=topic,
                rounds=options.rounds,
                breadth=options.breadth,
                language=options.language,
                model=self.config.gemini.model,
                search_provider="tavily",
                resumed=resumed,
                prior_evidence=prior,
            )

        try:
            await self._open_store()
            if self._store is not None and not self._graph_failed:
                self._projector = GraphProjector(self._store)
            prior = self.state.prior_evidence if resumed else await self._prior_evidence(topic)
        except (asyncio.CancelledError, KeyboardInterrupt):
            # Interrupted while opening the graph: still leave a session that says so.
            self._emit(started(self.state.prior_evidence))
            self._finish("interrupted", "interrupted while starting; resume to continue")
            raise
        self._emit(started(prior))
        if prior and not resumed:
            self._emit(
                Warning(
                    message=f"Known topic: {prior} evidence items from earlier researches "
                    "are part of this research's context.",
                    kind="info",
                )
            )
        try:
            return await self._research(topic, options, first_round=first_round)
        except Exception as exc:
            # A bug or an unexpected failure must not leave the session "running" forever:
            # say what happened, keep what was gathered, and end it as failed.
            reason = f"internal error: {type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):  # whatever broke, try to end the session
                self._emit(Error(kind="internal", message=reason, recoverable=False))
                self._fallback(topic, reason)
            return self._finish("failed", reason)

    def _attach(self, handle: SessionHandle) -> None:
        """Record into ``handle``; its saved events (if resuming) are the starting state.

        Claims the session first (``SessionBusy`` if another engine runs it), so two runs
        never write one events.jsonl.
        """
        from core.researchlog import ResearchLogWriter

        self._run_lock = handle.claim()
        try:
            self._handle = handle
            self.session_id = handle.id
            self._recorder = SessionRecorder(handle)
            self.state = state = self._recorder.state
            self._seq = state.last_seq
            self._log = ResearchLogWriter(handle.log_path, state=state)
        except BaseException:  # e.g. a corrupt log: the session must stay deletable
            self._release()
            raise
        self._known_urls = {normalise_url(s.url): n for n, s in state.sources.items()}

    def _release(self) -> None:
        self._close_projector()
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    async def _prior_evidence(self, topic: str) -> int:
        if self._store is None or self._graph_failed:
            return 0
        try:
            return await asyncio.to_thread(self._store.prior_evidence, topic)
        except Exception:
            return 0

    # --- the loop --------------------------------------------------------------------

    async def _research(self, topic: str, options: ResearchOptions, first_round: int) -> RunResult:
        status: SessionStatus = "done"
        reason = ""
        try:
            for round_number in range(first_round, options.rounds + 1):
                await self._checkpoint()
                covered = await self._round(topic, round_number, options)
                if covered and round_number < options.rounds:
                    self._emit(
                        Warning(
                            message=f"The model judged the topic covered after round "
                            f"{round_number}; writing the report.",
                            kind="info",
                            round=round_number,
                        )
                    )
                    break
        except _Stop:
            status, reason = "stopped", "stopped by the user"
        except _Paused as paused:
            return self._finish("paused", paused.reason)
        except _Failed as failed:
            self._emit(Error(kind=failed.kind, message=failed.reason, recoverable=False))
            self._fallback(topic, failed.reason)
            return self._finish("failed", failed.reason)
        except (asyncio.CancelledError, KeyboardInterrupt):
            self._finish("interrupted", "interrupted; resume to continue")
            raise
        if status == "done" and not self.state.sources:
            reason = (
                "no sources were retrieved: every search failed "
                "(check the Tavily key, its quota and the network)"
            )
            self._emit(Error(kind="search", message=reason, recoverable=True))
            self._fallback(topic, reason)
            return self._finish("failed", reason)
        try:
            await self._report(topic, options, stopped=status == "stopped")
        except _Paused as paused:
            self._fallback(topic, f"the daily quota is spent ({paused.reason})")
            return self._finish("paused", paused.reason)
        except (asyncio.CancelledError, KeyboardInterrupt):
            self._finish("interrupted", "interrupted while writing the report")
            raise
        await self._graph_current()  # the usual ending waits here, off the loop
        return self._finish(status, reason)

    def _finish(self, status: SessionStatus, reason: str) -> RunResult:
        if self._projector is not None and not self._graph_failed:
            # Blocking, but bounded, and the research is over: say now if the graph fell behind.
            self._graph_check(settled=self._projector.settle(self.graph_wait_s))
        self._emit(SessionFinished(status=status, reason=reason))
        state = self.state
        return RunResult(
            session_id=self.session_id or "",
            status=status,
            report_path=state.report_path,
            rounds=state.completed_rounds(),
            llm_calls=state.llm_calls,
            tokens_in=state.tokens_in,
            tokens_out=state.tokens_out,
            sources=len(state.sources),
            reason=reason,
        )

    async def _round(self, topic: str, n: int, options: ResearchOptions) -> bool:
        self._emit(RoundStarted(round=n))

        # 1. Context: fixed, parameterised queries, no LLM.
        self._emit(PhaseStarted(round=n, phase="context"))
        context_text, items = await self._context(topic)
        self._emit(ContextBuilt(round=n, text=context_text, items=items))
        await self._checkpoint()

        # 2. Reasoning: one streaming call, routed by section as it arrives.
        self._emit(PhaseStarted(round=n, phase="reasoning"))
        previous_round = self.state.rounds.get(n - 1)
        recent = (
            [self.state.sources[i] for s in previous_round.searches for i in s.source_ids]
            if previous_round
            else []
        )
        previous_queries = [
            q for r in self.state.rounds.values() if r.number < n for q in r.queries
        ]
        prompt = prompts.reasoning_prompt(
            topic=topic,
            round_number=n,
            rounds=options.rounds,
            breadth=options.breadth,
            language=options.language,
            summary=self.state.summary,
            context=context_text,
            previous_queries=previous_queries,
            recent_sources=recent,
        )
        parser = ReasoningStreamParser()

        def restart_parser() -> None:
            # A retried call streams its answer again from the start.
            nonlocal parser
            parser = ReasoningStreamParser()

        async def on_text(chunk: str) -> None:
            for section, text in parser.feed(chunk):
                if text:
                    self._emit(LLMChunk(round=n, section=section, text=text))

        await self._llm_call(
            n,
            "reasoning",
            lambda: self.llm.stream_text(prompt, system=prompts.SYSTEM, on_text=on_text),
            reset=restart_parser,
        )
        for section, text in parser.close():
            if text:
                self._emit(LLMChunk(round=n, section=section, text=text))
        queries = parser.queries[: options.breadth]
        if len(parser.queries) > options.breadth:
            self._emit(
                Warning(
                    message=f"The plan had {len(parser.queries)} searches; running the first "
                    f"{options.breadth} (breadth).",
                    kind="plan",
                    round=n,
                )
            )
        if not queries:
            queries = [topic] if n == 1 else []
            if queries:
                self._emit(
                    Warning(
                        message="The plan had no <SEARCH> tags; searching the topic.",
                        kind="plan",
                        round=n,
                    )
                )
        if self.review_queries is not None and queries:
            reviewed = await self.review_queries(n, list(queries))
            queries = [q.strip() for q in reviewed if q.strip()]
        self._emit(
            PlanReady(
                round=n,
                plan=parser.sections.get("plan", ""),
                execution=parser.sections.get("execution", ""),
                reflection=parser.sections.get("reflection", ""),
                queries=queries,
            )
        )
        await self._checkpoint()

        # 3. Search: every planned query, concurrently, de-duplicated by URL.
        self._emit(PhaseStarted(round=n, phase="search"))
        new_sources = await self._search_all(n, queries, options)
        await self._checkpoint()

        # 4. Synthesis: one structured call → summary, evidence, concepts → mind map.
        covered = False
        if len(new_sources) > prompts.SOURCES_IN_PROMPT:
            self._emit(
                Warning(
                    message=f"Round {n} found {len(new_sources)} sources; its synthesis reads "
                    f"the first {prompts.SOURCES_IN_PROMPT} (lower research.breadth or "
                    "research.results_per_search to keep them all).",
                    kind="synthesis",
                    round=n,
                )
            )
        if new_sources:
            self._emit(PhaseStarted(round=n, phase="synthesis"))
            covered = await self._synthesise(topic, n, options, new_sources, parser)
        else:
            self._emit(
                Warning(
                    message=f"Round {n} found no new sources; skipping its synthesis call.",
                    kind="search",
                    round=n,
                )
            )
        self._emit(RoundFinished(round=n))
        return covered

    async def _context(self, topic: str) -> tuple[str, int]:
        """What the mind map knows, once it holds every earlier event (the round's delta
        starts counting here)."""
        if self._store is None or not await self._graph_current():
            return "", 0
        self._graph_delta()
        try:
            context = await asyncio.to_thread(
                self._store.context, topic, budget_chars=self.config.research.context_chars
            )
        except Exception as exc:
            self._emit(Warning(message=f"Mind map context unavailable: {exc}", kind="graph"))
            return "", 0
        return context.render(self.config.research.context_chars), context.items

    async def _graph_current(self) -> bool:
        """Wait (bounded, off the loop) until the mind map holds every event so far.

        False when there is no usable graph; a graph that failed or fell silent is said once.
        """
        if self._projector is None or self._graph_failed:
            return False
        return self._graph_check(settled=await self._projector.settled(self.graph_wait_s))

    def _graph_check(self, *, settled: bool) -> bool:
        assert self._projector is not None
        if self._projector.error is not None:
            problem = f"Mind map write failed ({self._projector.error})"
        elif not settled:
            problem = f"The mind map did not answer within {self.graph_wait_s:g} s"
        else:
            return True
        self._graph_failed = True
        self._emit(
            Warning(
                message=f"{problem}; going on without it. "
                "`deepresearch-tui graph rebuild` restores it from the saved events.",
                kind="graph",
            )
        )
        return False

    def _graph_delta(self) -> GraphDelta:
        """What the mind map gained since the last call (none without a graph)."""
        return self._projector.take_delta() if self._projector is not None else GraphDelta()

    def _close_projector(self) -> None:
        if self._projector is not None:
            self._projector.close(self.graph_wait_s)
            self._projector = None

    def _announce_wait(self, scope: str, delay: float, error: ProviderError, attempt: int) -> None:
        """A retry is about to wait ``delay`` seconds: say so (the UI counts it down)."""
        self._emit(
            RateLimited(
                retry_in_s=round(delay, 2),
                scope=scope,
                message=str(error)[:300],
                attempt=attempt,
                cause=wait_cause(error),
            )
        )

    async def _llm_call(
        self,
        round_number: int,
        purpose: str,
        call: Callable[[], Awaitable[T]],
        *,
        reset: Callable[[], None] | None = None,
    ) -> T:
        """One LLM call with the limiter, retries (shown as RateLimited) and accounting.

        ``reset`` is for streamed calls: before a retry it restarts whatever consumes the
        stream, and a ``StreamRestarted`` event voids the text the failed attempt showed.
        """

        async def on_wait(delay: float, error: ProviderError, attempt: int) -> None:
            if reset is not None:
                reset()
                self._emit(StreamRestarted(round=round_number, purpose=purpose))
            self._announce_wait("llm", delay, error, attempt)

        pending = self.limiter.wait_needed()
        if pending >= 1.0:  # the client-side per-minute budget: show it as a countdown too
            self._emit(
                RateLimited(
                    retry_in_s=round(pending, 2),
                    scope="rpm",
                    message=f"waiting for the client-side limit of {self.config.gemini.rpm} "
                    "requests per minute (gemini.rpm)",
                )
            )
        try:
            response = await call_with_retries(
                call,
                max_retries=self.config.gemini.max_retries,
                on_wait=on_wait,
                limiter=self.limiter,
            )
        except QuotaExhausted as exc:
            raise _Paused(str(exc)) from exc  # it names Gemini and the quota already
        except RateLimitError as exc:
            if exc.unavailable:
                raise _Failed(
                    "model_unavailable",
                    f"The model {self.config.gemini.model!r} is not available on this API "
                    f"key's tier (quota limit 0). Choose another model "
                    f"(`deepresearch-tui config set gemini.model ...`). {exc}",
                ) from exc
            raise _Paused(f"Gemini kept answering 429: {exc}") from exc
        except AuthError as exc:
            raise _Failed("auth", str(exc)) from exc  # "Gemini rejected the API key (…)…"
        except BadOutputError as exc:
            raise _Failed("bad_output", f"Gemini gave no usable answer: {exc}") from exc
        except ProviderError as exc:
            raise _Failed("llm", f"Gemini call failed: {exc}") from exc
        self._emit(
            LLMCallFinished(
                round=round_number,
                purpose=purpose,  # type: ignore[arg-type]
                tokens_in=getattr(response, "tokens_in", 0),
                tokens_out=getattr(response, "tokens_out", 0),
                ms=getattr(response, "ms", 0),
                model=self.config.gemini.model,
            )
        )
        if getattr(response, "truncated", False):
            self._emit(
                Warning(
                    message=f"Gemini's {purpose} answer stopped at the model's output limit, "
                    "so it is cut short.",
                    kind="llm",
                    round=round_number,
                )
            )
        return response

    async def _search_all(
        self, n: int, queries: list[str], options: ResearchOptions
    ) -> list[SourceAdded]:
        """Every query, concurrently (bounded). Returns the round's sources: new ones, and
        ones an earlier, unfinished attempt at this same round had found (after a resume)."""
        gate = asyncio.Semaphore(max(1, options.concurrency))
        round_ids: set[int] = set()

        async def on_wait(delay: float, error: ProviderError, attempt: int) -> None:
            self._announce_wait("search", delay, error, attempt)

        async def one(query: str) -> None:
            async with gate:
                await self._checkpoint(allow_stop=False)
                self._emit(SearchStarted(round=n, query=query))
                started = time.monotonic()
                try:
                    hits = await call_with_retries(
                        lambda: self.search.search(query, max_results=options.results_per_search),
                        max_retries=2,
                        base_delay_s=0.5,
                        max_wait_s=30.0,
                        on_wait=on_wait,
                    )
                except AuthError as exc:  # not this query's fault: every search would fail
                    raise _Failed(
                        "auth", f"{exc} The research stopped: no search can run without it."
                    ) from exc
                except (ProviderError, QuotaExhausted) as exc:
                    ms = int((time.monotonic() - started) * 1000)
                    message = f"Search failed for {query!r}: {exc}"
                    self._emit(Warning(message=message, kind="search", round=n))
                    self._emit(SearchFinished(round=n, query=query, ms=ms, error=str(exc)[:300]))
                    return
                ids = self._add_sources(n, query, hits, round_ids)
                ms = int((time.monotonic() - started) * 1000)
                self._emit(
                    SearchFinished(round=n, query=query, source_ids=ids, results=len(hits), ms=ms)
                )

        try:
            # A TaskGroup, not gather: when one search raises (a bug, a quota pause), its
            # siblings are cancelled instead of emitting events after the session ended.
            async with asyncio.TaskGroup() as group:
                for query in queries:
                    group.create_task(one(query))
        except BaseExceptionGroup as failures:
            raise failures.exceptions[0] from None  # the engine's own handlers take it
        return [self.state.sources[i] for i in sorted(round_ids)]

    def _add_sources(
        self, n: int, query: str, hits: list[SearchHit], round_ids: set[int]
    ) -> list[int]:
        """Source ids for these hits, each URL once per research (normalised).

        A URL seen in an earlier round is skipped; one that an interrupted attempt at this
        same round already saved counts for this round again (so a resumed round still
        synthesises it). A URL that cannot be parsed is skipped with a warning.
        """
        ids: list[int] = []
        for hit in hits:
            url = self._url_fence.admit(hit.url, local=hit.provider == "local")
            if url is None:  # javascript:, file:, data: ...: never a source
                if (message := self._url_fence.warning()) is not None:
                    self._emit(Warning(message=message, kind="search", round=n))
                continue
            try:
                key = normalise_url(url)
            except ValueError:
                self._emit(
                    Warning(
                        message=f"Skipped a result with a broken URL: {hit.url[:200]!r}",
                        kind="search",
                        round=n,
                    )
                )
                continue
            known = self._known_urls.get(key)
            if known is not None:
                if self.state.sources[known].round == n and known not in round_ids:
                    round_ids.add(known)
                    ids.append(known)
                continue
            source_id = max(self.state.sources, default=0) + 1
            self._known_urls[key] = source_id
            snippet = hit.content
            if hit.raw_content:
                snippet = f"{hit.content}\n\n{hit.raw_content}"
            self._emit(
                SourceAdded(
                    round=n,
                    source_id=source_id,
                    url=url,
                    title=" ".join(hit.title.split()) or url,
                    snippet=snippet,
                    query=query,
                    score=hit.score,
                )
            )
            round_ids.add(source_id)
            ids.append(source_id)
        return ids

    async def _synthesise(
        self,
        topic: str,
        n: int,
        options: ResearchOptions,
        sources: list[SourceAdded],
        parser: ReasoningStreamParser,
    ) -> bool:
        prompt = prompts.synthesis_prompt(
            topic=topic,
            round_number=n,
            language=options.language,
            summary=self.state.summary,
            reflection=parser.sections.get("reflection", ""),
            sources=sources,
        )
        try:
            response = await self._llm_call(
                n,
                "synthesis",
                lambda: self.llm.generate_json(
                    prompt, schema=prompts.SYNTHESIS_SCHEMA, system=prompts.SYSTEM
                ),
            )
        except _Failed as failed:
            if failed.kind != "bad_output":
                raise
            # The round's sources stay saved; only its summary and evidence are missing.
            self._emit(
                Warning(
                    message=f"Round {n}'s synthesis was skipped: {failed.reason}",
                    kind="synthesis",
                    round=n,
                )
            )
            return False
        checked = validate_synthesis(
            response.data, valid_ids=self.state.sources, previous_summary=self.state.summary
        )
        if checked.warnings:
            verb = "was repaired" if checked.usable else "was skipped"
            message = f"Round {n}'s synthesis answer {verb}: " + "; ".join(checked.warnings)
            self._emit(Warning(message=message[:2000], kind="synthesis", round=n))
        if not checked.usable:
            return False
        self._emit(
            SynthesisReady(
                round=n,
                summary=checked.summary,
                evidence=checked.evidence,
                concepts=checked.concepts,
                relations=checked.relations,
                questions=checked.questions,
                covered=checked.covered,
            )
        )
        await self._graph_current()
        delta = self._graph_delta()
        self._emit(MindMapUpdated(round=n, nodes=delta.nodes, edges=delta.edges))
        return checked.covered

    # --- report ----------------------------------------------------------------------

    async def _report(self, topic: str, options: ResearchOptions, *, stopped: bool) -> None:
        self._stop_requested.clear()
        self._emit(PhaseStarted(round=self.state.current_round, phase="report"))
        state = self.state
        if not state.sources:
            self._fallback(topic, "no sources were retrieved")
            return
        prompt = prompts.report_prompt(
            topic=topic,
            language=options.language,
            summary=state.summary,
            evidence=state.evidence,
            sources=[state.sources[i] for i in sorted(state.sources)],
        )

        async def on_text(chunk: str) -> None:
            self._emit(ReportChunk(text=chunk))

        try:
            response = await self._llm_call(
                state.current_round,
                "report",
                lambda: self.llm.stream_text(prompt, system=prompts.SYSTEM, on_text=on_text),
                reset=lambda: None,  # nothing to restart here; StreamRestarted voids the text
            )
        except _Failed as failed:
            self._fallback(topic, failed.reason)
            return
        checked = finalise_report(response.text, state.sources)
        if checked.dropped:
            self._emit(
                Warning(
                    message="Removed citations to sources that were never retrieved: "
                    + ", ".join(f"[{i}]" for i in checked.dropped),
                    kind="report",
                )
            )
        text = checked.text
        if stopped:
            text = "> *Partial report: the research was stopped before all rounds ran.*\n\n" + text
        self._write_report(text, fallback=False, reason="stopped" if stopped else "")

    def _fallback(self, topic: str, reason: str) -> None:
        state = self.state
        text = fallback_report(
            topic=topic,
            reason=reason,
            summary=state.summary,
            evidence=state.evidence,
            sources=state.sources,
        )
        self._emit(Warning(message=f"Report written without the LLM: {reason}", kind="report"))
        self._write_report(text, fallback=True, reason=reason)

    def _write_report(self, text: str, *, fallback: bool, reason: str) -> None:
        assert self._handle is not None
        path = self._handle.report_path
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        self._emit(ReportReady(path=str(path), fallback=fallback, reason=reason))
