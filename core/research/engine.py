"""The research engine: rounds of context → reasoning → search → synthesis, then a report.

Async and UI-free. Every step is an event (``core.events``) that is first saved (events.jsonl,
research_log.md), then queued for the mind map (written on its own thread, so a slow graph
never stalls the loop), then handed to ``on_event`` (the TUI or the CLI progress).
Because the event log is the source of truth, resuming is replaying it and going on from the
first round that did not finish, at its last finished step (``phases.resume``).

This module wires the parts together and holds the loop (``_rounds``) and its one routing
decision (``after_round``); each step lives in ``core.research.phases``, the pause/stop gate
in ``gate``, the model call and its error mapping in ``llm_call``, source ids in ``sources``
and the mind map in ``graph_link``.

``pause``, ``unpause`` and ``stop`` may be called from any thread (the TUI's UI thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, Literal

from core import ingest
from core.config import Config
from core.events import (
    DONE_STATUSES,
    ErrorRaised,
    Event,
    ResearchHeld,
    ResearchReleased,
    RoundFinished,
    RoundStarted,
    SessionFinished,
    SessionStarted,
    SessionStatus,
    WarningRaised,
)
from core.llm.base import LLMProvider
from core.mindmap.base import MindMapStore
from core.providers import llm_limits, search_label
from core.ratelimit import RateLimiter
from core.record import Derived, EventBus, Journal, SessionSummary
from core.redaction import secret_values
from core.research.budget_check import BudgetReached, budget_note, round_fits
from core.research.gate import RunGate
from core.research.graph_link import GraphLink
from core.research.llm_call import LLMCall
from core.research.options import ResearchOptions, RunResult
from core.research.outcomes import Failed, Paused, SearchUnusable, Stopped
from core.research.phases import (
    build_context,
    reason,
    search_all,
    synthesise,
    write_fallback,
    write_report,
)
from core.research.phases.early_search import reason_and_search
from core.research.phases.judge import judge_evidence
from core.research.phases.report import keep_earlier_report
from core.research.phases.resume import resume_round, resume_step
from core.research.providers import Providers
from core.research.run import QueryReviewer, Run
from core.research.sources import SourceBook
from core.search.base import SearchProvider
from core.search.filters import SearchFilters
from core.search_failures import failed_searches
from core.sessions import RunLock, SessionHandle, SessionStore, check_topic
from core.state import SessionState

Route = Literal["next_round", "report"]

FOCUS_CHARS = 500
"""A "dig deeper" question is one line of at most this many characters."""


def after_round(n: int, covered: bool, options: ResearchOptions) -> Route:
    """The one routing decision: another round, or the report."""
    return "next_round" if n < options.rounds and not covered else "report"


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
        self.on_event = on_event
        self.providers = Providers(config, llm, search, on_search_warning=self._search_warning)
        self.sessions = sessions or SessionStore(config.sessions_dir)
        self.review_queries = review_queries
        self.limits = llm_limits(config)
        """Pacing, retries and the provider's name in messages (``core.providers``)."""
        self.limiter = RateLimiter(self.limits.rpm)
        self.gate = RunGate()
        self.gate.on_hold = self._on_hold
        self.graph = GraphLink(store, self._emit)
        self.bus = EventBus(secret_values(config))
        self.bus.listeners.append(self._publish)
        self._handle: SessionHandle | None = None
        self._run_lock: RunLock | None = None

    # --- control (thread-safe) -------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self.gate.paused

    @property
    def held(self) -> threading.Event:
        """Set while the research waits at the gate (paused): nothing happens until unpause."""
        return self.gate.held

    def pause(self) -> None:
        """Hold before the next step (the call under way finishes)."""
        self.gate.pause()

    def unpause(self) -> None:
        self.gate.unpause()

    def stop(self) -> None:
        """Finish the call under way, then write a (partial) report and save."""
        self.gate.stop()

    def interrupt(self) -> None:
        """A signal: cancel at the next checkpoint at the latest (the session is saved as
        interrupted and can be resumed)."""
        self.gate.interrupt()

    @property
    def finishing(self) -> int:
        """Searches and model calls started before a pause that are still under way."""
        return self.gate.finishing

    def _on_hold(self, held: bool) -> None:
        """The gate took hold (or let go): on record, so the clock stops and the UI says
        "paused" only once nothing runs any more."""
        if self._handle is not None:
            self._emit(ResearchHeld() if held else ResearchReleased())

    @property
    def graph_wait_s(self) -> float:
        """Longest wait for the mind map to catch up (``graph_link.GRAPH_WAIT_S``)."""
        return self.graph.wait_s

    @graph_wait_s.setter
    def graph_wait_s(self, seconds: float) -> None:
        self.graph.wait_s = seconds

    @property
    def llm(self) -> LLMProvider:
        return self.providers.llm

    @property
    def search(self) -> SearchProvider:
        return self.providers.search

    async def aclose(self) -> None:
        self.graph.stop_feeding()
        await self.providers.aclose()
        self.graph.close()

    # --- events ----------------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        """The live state of the research, owned by the event bus."""
        return self.bus.state

    @property
    def session_id(self) -> str | None:
        return self.bus.session_id or None

    def _emit(self, event: Event) -> Event:
        return self.bus.emit(event)

    def _search_warning(self, message: str) -> None:
        """A search chain fell back to its next provider (one warning per episode)."""
        self._emit(WarningRaised(message=message, kind="search", round=self.state.current_round))

    # --- entry points ----------------------------------------------------------------

    async def run(self, topic: str, options: ResearchOptions | None = None) -> RunResult:
        """A new research on ``topic``, saved as a new session."""
        check_topic(topic)  # undecodable bytes are refused, not silently dropped by ingest
        topic = ingest.clean_line(topic, ingest.TOPIC_CHARS)
        if not topic:
            raise ValueError("The topic is empty.")
        self.gate.bind()
        self._attach(self.sessions.create(topic))
        try:
            return await self._start(
                topic, options or ResearchOptions.from_config(self.config), first_round=1
            )
        finally:
            self._release()

    async def resume(self, session_id: str, *, extra_rounds: int = 0, focus: str = "") -> RunResult:
        """Go on with a paused, stopped or interrupted session from its first unfinished round.

        With ``extra_rounds`` ("dig deeper"), a finished research gets that many more rounds,
        focused on ``focus`` when given; its report is rewritten from everything, and the
        earlier report is kept (``reports/report.<k>.md``, a ``ReportArchived`` event).
        """
        self.gate.bind()
        focus = ingest.clean_line(focus, FOCUS_CHARS) if focus else ""
        handle = self.sessions.open(session_id)
        self._attach(handle)
        state = self.state
        # Killed before its first event (while the graph opened): session.json has the topic.
        topic = state.topic or handle.read_info().topic
        if (state.status in DONE_STATUSES and not extra_rounds) or not topic:
            self._release()
            why = "is already finished" if topic else "holds no research (no topic was saved)"
            hint = " (dig deeper with --rounds N --focus ...)" if topic else ""
            raise ValueError(f"Session {session_id} {why}; nothing to resume{hint}.")
        options = ResearchOptions.from_config(self.config)
        if state.rounds_planned:  # it started: go on with its own settings, not today's config
            options.rounds, options.breadth = state.rounds_planned, state.breadth
            options.language = state.language
            options.filters = SearchFilters.from_dict(state.filters)
            options.max_usd, options.max_tokens = state.max_usd, state.max_tokens
        options.focus = focus or ("" if state.status in DONE_STATUSES else state.run_focus)
        if extra_rounds:
            finished = state.status in DONE_STATUSES
            done = state.completed_rounds()
            options.rounds = (done if finished else options.rounds) + extra_rounds
        try:
            return await self._start(
                topic,
                options,
                first_round=state.completed_rounds() + 1,
                resumed=True,
                keep_report=bool(extra_rounds),
            )
        finally:
            self._release()

    def _attach(self, handle: SessionHandle) -> None:
        """Record into ``handle``; its saved events (if resuming) are the starting state.

        Claims the session first (``SessionBusy`` if another engine runs it), so two runs
        never write one events.jsonl.
        """
        from core.record.research_log import ResearchLogWriter

        self._run_lock = handle.claim()
        try:
            self._handle = handle
            state = handle.resume_state()
            self.bus.attach(handle.id, state, Journal(handle))
            self.bus.derived = [
                Derived(SessionSummary(handle, state), "session.json is no longer updated"),
                Derived(
                    ResearchLogWriter(handle.log_path, state=state),
                    "research_log.md is no longer updated",
                ),
                Derived(self.graph.submit, "the mind map is no longer updated", kind="graph"),
            ]
        except BaseException:  # e.g. a corrupt log: the session must stay deletable
            self._release()
            raise

    def _publish(self, event: Event) -> None:
        """The last sink: whoever listens (the TUI, the CLI progress); read at each event
        so it can be set after the engine is built."""
        if self.on_event is not None:
            self.on_event(event)

    def _release(self) -> None:
        self.graph.stop_feeding()
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    def _new_run(self, topic: str, options: ResearchOptions) -> Run:
        assert self._handle is not None
        from core.cost.budget import Budget
        from core.cost.session import llm_model, price_table

        prices = price_table(self.config)
        return Run(
            topic=topic,
            options=options,
            config=self.config,
            state=self.state,
            emit=self._emit,
            gate=self.gate,
            llm_call=LLMCall(
                self._limits_for_run(),
                self.limiter,
                self._emit,
                self.gate,
                prices,
                llm_model(self.config),
            ),
            providers=self.providers,
            sources=SourceBook(self.state, self._emit),
            graph=self.graph,
            report_path=self._handle.report_path,
            review_queries=self.review_queries,
            prices=prices,
            budget=Budget(options.max_usd, options.max_tokens),
        )

    def _limits_for_run(self) -> Any:
        """``limits`` naming the model actually used (an injected provider may differ)."""
        import dataclasses

        model = getattr(self.providers.built_llm, "model", "") or self.limits.model
        return dataclasses.replace(self.limits, model=model)

    async def _start(
        self,
        topic: str,
        options: ResearchOptions,
        *,
        first_round: int,
        resumed: bool = False,
        keep_report: bool = False,
    ) -> RunResult:
        def started(prior: int) -> SessionStarted:
            return SessionStarted(
                topic=topic,
                rounds=options.rounds,
                breadth=options.breadth,
                language=options.language,
                model=run.llm_call.settings.model,
                search_provider=search_label(self.config),
                resumed=resumed,
                prior_evidence=prior,
                focus=options.focus,
                filters=options.filters.to_dict() if options.filters.active else {},
                max_usd=options.max_usd,
                max_tokens=options.max_tokens,
            )

        run = self._new_run(topic, options)
        fresh = not resumed and first_round == 1 and not self.state.rounds
        budget = self.config.research.context_chars

        async def open_graph() -> int:
            """Open the mind map and read what earlier researches hold: the prior evidence
            and, for a fresh research, round 1's context (``Run.opening_context``)."""
            await self.graph.open(self.config)
            if resumed:
                return self.state.prior_evidence
            prior = await self.graph.prior_evidence(topic)
            if fresh and budget > 0:
                run.opening_context = await self.graph.context(topic, budget)
            return prior

        try:
            prior, _ = await asyncio.gather(open_graph(), asyncio.to_thread(self.providers.prepare))
        except (asyncio.CancelledError, KeyboardInterrupt):
            # Interrupted while opening the graph: still leave a session that says so.
            self._emit(started(self.state.prior_evidence))
            self._finish("interrupted", "interrupted while starting; resume to continue")
            raise
        self._emit(started(prior))
        if keep_report:
            keep_earlier_report(run)
        if prior and not resumed:
            self._emit(
                WarningRaised(
                    message=f"Known topic: {prior} evidence items from earlier researches "
                    "are part of this research's context.",
                    kind="info",
                )
            )
        try:
            return await self._research(run, first_round)
        except Exception as exc:
            # A bug or an unexpected failure must not leave the session "running" forever:
            # say what happened, keep what was gathered, and end it as failed.
            reason = f"internal error: {type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):  # whatever broke, try to end the session
                self._emit(ErrorRaised(kind="internal", message=reason, recoverable=False))
                write_fallback(run, reason)
            return self._finish("failed", reason)

    # --- the loop --------------------------------------------------------------------

    async def _rounds(self, run: Run, first_round: int) -> None:
        """Round after round until the routing says "report"; the gate sits between steps."""
        gate = run.gate
        for n in range(first_round, run.options.rounds + 1):
            await gate.checkpoint()
            step = resume_step(run.state.rounds.get(n))
            if step is not None:  # resumed mid-round: from its last finished step
                covered = await resume_round(run, n, step)
            else:
                if not round_fits(run, n):
                    raise BudgetReached(budget_note(run, n))
                covered = await self._fresh_round(run, n)
            run.emit(RoundFinished(round=n))
            if after_round(n, covered, run.options) == "report":
                if covered and n < run.options.rounds:
                    run.emit(_covered_note(n))
                return

    @staticmethod
    async def _fresh_round(run: Run, n: int) -> bool:
        """Round ``n`` from its start: context, reasoning, search, synthesis. The searches
        start as the plan names them (``phases.early_search``), unless the user reviews the
        queries first."""
        gate = run.gate
        run.emit(RoundStarted(round=n))
        context = await build_context(run, n)
        await gate.checkpoint()
        if run.review_queries is None:
            plan, sources = await reason_and_search(run, n, context)
        else:
            plan = await reason(run, n, context)
            await gate.checkpoint()
            sources = await search_all(run, n, plan.queries)
        await gate.checkpoint()
        return await synthesise(run, n, plan, sources)

    async def _research(self, run: Run, first_round: int) -> RunResult:
        """The rounds, then the report; every way a research can end is decided here."""
        status: SessionStatus = "done"
        reason = cut_short = ""
        try:
            await self._rounds(run, first_round)
        except Stopped:
            status, reason = "stopped", "stopped by the user"
        except SearchUnusable as down:
            if not self.state.sources:  # nothing to write a report from
                kind = "auth" if down.auth else "search"
                self._emit(ErrorRaised(kind=kind, message=down.reason, recoverable=False))
                write_fallback(run, down.reason)
                return self._finish("failed", down.reason)
            cut_short = down.reason
            self._emit(
                WarningRaised(
                    message=f"{down.reason} The research stopped searching; the report is "
                    f"written from the {len(self.state.sources)} sources found so far.",
                    kind="search",
                )
            )
        except BudgetReached as reached:
            status, reason = "budget reached", reached.reason
            self._emit(WarningRaised(message=reached.reason, kind="budget"))
        except Paused as paused:
            return self._finish("paused", paused.reason)
        except Failed as failed:
            self._emit(ErrorRaised(kind=failed.kind, message=failed.reason, recoverable=False))
            write_fallback(run, failed.reason)
            return self._finish("failed", failed.reason)
        except (asyncio.CancelledError, KeyboardInterrupt):
            self._finish("interrupted", "interrupted; resume to continue")
            raise
        if status == "done" and not self.state.sources:
            reason = f"no sources were retrieved: every search failed ({_search_hint(self.config)})"
            self._emit(ErrorRaised(kind="search", message=reason, recoverable=True))
            write_fallback(run, reason)
            return self._finish("failed", reason)
        try:
            budget = reason if status == "budget reached" else ""
            if status != "stopped":  # a stop asks for the report now, not one more call
                await judge_evidence(run)
            await write_report(
                run, stopped=status == "stopped", cut_short=cut_short, budget_note=budget
            )
        except Paused as paused:
            write_fallback(run, f"the daily quota is spent ({paused.reason})")
            return self._finish("paused", paused.reason)
        except (asyncio.CancelledError, KeyboardInterrupt):
            self._finish("interrupted", "interrupted while writing the report")
            raise
        await self.graph.caught_up()  # the usual ending waits here, off the loop
        await self.graph.current()
        if status == "done":
            status, reason = with_warnings(self.state, cut_short)
        return self._finish(status, reason)

    def _finish(self, status: SessionStatus, reason: str) -> RunResult:
        self.graph.settle()
        self.graph.cancel_catch_up()
        self._emit(SessionFinished(status=status, reason=reason))
        return RunResult.from_state(self.session_id or "", self.state, status, reason)


def _search_hint(config: Config) -> str:
    """What to check when no search found anything, for the chain in use."""
    hints = {
        "tavily": "the Tavily key, its quota and the network",
        "ddgs": "the network (ddgs rate-limits without warning)",
        "searxng": f"that SearXNG answers at {config.searxng.base_url or 'its URL'}",
        "local": "that the document folders hold .md, .txt, .html or .pdf files",
    }
    chain = config.providers.search_chain or ["tavily"]
    return "check " + "; ".join(hints.get(name, name) for name in chain)


def with_warnings(state: SessionState, cut_short: str = "") -> tuple[SessionStatus, str]:
    """A research that reached its report ends "done", or "done with warnings" when the
    reader must know it is less than it looks: searches failed or stopped early, or the
    report was assembled without the model."""
    from core.search_failures import summary

    why = [cut_short] if cut_short else []
    if failures := failed_searches(state):
        why.append(summary(failures))
    if state.report_fallback:
        why.append(f"report written without the LLM ({state.report_reason})")
    if not why:
        return "done", ""
    return "done with warnings", "; ".join(why)


def _covered_note(n: int) -> WarningRaised:
    return WarningRaised(
        message=f"The model judged the topic covered after round {n}; writing the report.",
        kind="info",
        round=n,
    )
