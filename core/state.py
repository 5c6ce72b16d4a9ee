"""The session reducer: one pure function of the event stream, shared by replay and the live UI.

Why one reducer: reopening a saved research must show exactly what watching it live showed.
Both paths call ``SessionState.apply`` with the same events, so they cannot drift apart. No
I/O here; unknown events (a newer version's) are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from core.events import (
    PHASES,
    ContextBuilt,
    ErrorRaised,
    Event,
    EvidenceChecked,
    LLMCallFinished,
    LLMChunk,
    MindMapUpdated,
    Phase,
    PhaseStarted,
    PlanReady,
    RateLimited,
    ReportChunk,
    ReportReady,
    RoundFinished,
    RoundStarted,
    SearchFinished,
    SearchStarted,
    Section,
    SessionFinished,
    SessionStarted,
    SessionStatus,
    SourceAdded,
    StreamRestarted,
    SynthesisReady,
    WarningRaised,
)
from core.evidence import Evidence

RoundStatus = Literal["running", "done", "failed", "stopped", "paused"]
PhaseStatus = Literal["pending", "running", "done", "failed", "stopped", "paused"]
SearchStatus = Literal["running", "done", "failed", "stopped", "paused"]
"""What cut a round, phase or search short: "failed" only when the research failed; a stop,
an interruption (both "stopped") or a pause ("paused") is not a failure and must not look
like one."""

_CUT_SHORT: dict[str, Literal["failed", "stopped", "paused"]] = {
    "failed": "failed",
    "paused": "paused",
    "stopped": "stopped",
    "interrupted": "stopped",
}

ROUND_PHASES: tuple[Phase, ...] = tuple(p for p in PHASES if p != "report")


@dataclass
class PhaseState:
    phase: Phase
    status: PhaseStatus = "pending"
    started: float | None = None
    finished: float | None = None

    def elapsed(self, now: float) -> float:
        """Seconds spent so far (``now`` for a phase still running)."""
        if self.started is None:
            return 0.0
        return max(0.0, (self.finished if self.finished is not None else now) - self.started)


@dataclass
class SearchState:
    query: str
    status: SearchStatus = "running"
    source_ids: list[int] = field(default_factory=list)
    results: int = 0
    ms: int = 0
    error: str = ""


def _empty_text() -> dict[Section, str]:
    return {"plan": "", "execution": "", "reflection": ""}


@dataclass
class RoundState:
    number: int
    status: RoundStatus = "running"
    started: float | None = None
    finished: float | None = None
    phases: dict[Phase, PhaseState] = field(default_factory=dict)
    text: dict[Section, str] = field(default_factory=_empty_text)
    queries: list[str] = field(default_factory=list)
    searches: list[SearchState] = field(default_factory=list)
    context: str = ""
    synthesis: SynthesisReady | None = None
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for phase in ROUND_PHASES:
            self.phases.setdefault(phase, PhaseState(phase))

    def close_phases(self, timestamp: float, status: PhaseStatus = "done") -> None:
        """Every running phase ends now (a phase ends when the next starts or the round ends)."""
        for phase in self.phases.values():
            if phase.status == "running":
                phase.status = status
                phase.finished = timestamp

    @property
    def running_phase(self) -> Phase | None:
        for phase in self.phases.values():
            if phase.status == "running":
                return phase.phase
        return None


@dataclass
class SessionState:
    session_id: str = ""
    topic: str = ""
    rounds_planned: int = 0
    breadth: int = 0
    language: str = ""
    model: str = ""
    search_provider: str = ""
    status: SessionStatus | Literal["new"] = "new"
    status_reason: str = ""
    started: float = 0.0
    updated: float = 0.0
    rounds: dict[int, RoundState] = field(default_factory=dict)
    current_round: int = 0
    current_phase: Phase | None = None
    sources: dict[int, SourceAdded] = field(default_factory=dict)
    summary: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    evidence_at: dict[int, int] = field(default_factory=dict)
    """Round -> index in ``evidence`` where its latest synthesis' items start."""
    questions: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    report: str = ""
    report_path: str = ""
    report_fallback: bool = False
    report_reason: str = ""
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    searches_done: int = 0
    rate_limited_until: float | None = None
    rate_limit_message: str = ""
    rate_limit_label: str = ""
    """What the wait is for, in words ("server error", "rate limited"; ``wait_label``)."""
    warnings: list[WarningRaised] = field(default_factory=list)
    errors: list[ErrorRaised] = field(default_factory=list)
    last_seq: int = 0
    prior_evidence: int = 0
    graph_nodes: int = 0
    graph_edges: int = 0
    active_s: float = 0.0
    """Seconds of the run segments that have ended (SessionStarted … SessionFinished)."""
    run_started: float | None = None
    """When the run under way started (None between runs): idle time between a stop and a
    resume is no research time."""

    # -- construction --------------------------------------------------------------------

    @classmethod
    def replay(cls, events: Iterable[Event], session_id: str = "") -> SessionState:
        state = cls(session_id=session_id)
        for event in events:
            state.apply(event)
        return state

    # -- queries -------------------------------------------------------------------------

    def completed_rounds(self) -> int:
        return sum(1 for r in self.rounds.values() if r.status == "done")

    @property
    def round(self) -> RoundState | None:
        return self.rounds.get(self.current_round)

    def elapsed(self, now: float | None = None) -> float:
        """Active research time: the ended run segments plus the one under way.

        The open segment counts up to ``now`` when this process runs it (the live clock),
        else up to the last event (a replay, or another window's run), so watching and
        reopening agree. Time between a stop or pause and the resume is not counted.
        """
        total = self.active_s
        if self.run_started is not None:
            end = self.updated if now is None else max(self.updated, now)
            total += max(0.0, end - self.run_started)
        elif not total and self.started:  # a log without SessionStarted (never written so)
            total = max(0.0, self.updated - self.started)
        return total

    # -- the reducer ---------------------------------------------------------------------

    def apply(self, event: Event) -> SessionState:
        """Fold one event into the state (in place) and return the state."""
        handler = _HANDLERS.get(type(event))
        if handler is None:
            return self  # unknown to this version: ignored
        if not self.session_id and event.session_id:
            self.session_id = event.session_id
        if not self.started:
            self.started = event.timestamp
        self.last_seq = max(self.last_seq, event.seq)
        handler(self, event)  # sees ``updated`` as of the previous event
        self.updated = max(self.updated, event.timestamp)
        return self

    def _round(self, number: int, timestamp: float) -> RoundState | None:
        """The round an event names, created if events arrive without its RoundStarted."""
        if number <= 0:
            return None
        found = self.rounds.get(number)
        if found is None:
            found = self.rounds[number] = RoundState(number=number, started=timestamp)
            self.current_round = max(self.current_round, number)
        return found

    def _clear_rate_limit(self) -> None:
        self.rate_limited_until = None
        self.rate_limit_message = ""
        self.rate_limit_label = ""

    # one method per event type ---------------------------------------------------------

    def _session_started(self, e: SessionStarted) -> None:
        if self.run_started is not None:
            # The previous run never said it ended (the app was killed): it ran until its
            # last event.
            self.active_s += max(0.0, self.updated - self.run_started)
        self.run_started = e.timestamp
        self.topic = e.topic or self.topic
        self.rounds_planned = e.rounds
        self.breadth = e.breadth
        self.language = e.language or self.language
        self.model = e.model or self.model
        self.search_provider = e.search_provider or self.search_provider
        self.prior_evidence = e.prior_evidence if not e.resumed else self.prior_evidence
        self.status = "running"
        self.status_reason = ""
        self._clear_rate_limit()

    def _session_finished(self, e: SessionFinished) -> None:
        self.status = e.status
        self.status_reason = e.reason
        self.current_phase = None
        self._clear_rate_limit()
        if self.run_started is not None:
            self.active_s += max(0.0, e.timestamp - self.run_started)
            self.run_started = None
        closing: PhaseStatus = "done" if e.status == "done" else _CUT_SHORT.get(e.status, "stopped")
        for rnd in self.rounds.values():
            rnd.close_phases(e.timestamp, closing)
            for search in rnd.searches:
                if search.status == "running":  # it never came back
                    search.status = closing
                    search.error = search.error or e.status
            if rnd.status == "running":
                rnd.status = closing
                rnd.finished = e.timestamp

    def _round_started(self, e: RoundStarted) -> None:
        # A resumed session restarts an unfinished round: it starts afresh.
        self.rounds[e.round] = RoundState(number=e.round, started=e.timestamp)
        self.current_round = e.round
        self.current_phase = None

    def _round_finished(self, e: RoundFinished) -> None:
        rnd = self._round(e.round, e.timestamp)
        if rnd is None:
            return
        rnd.close_phases(e.timestamp)
        rnd.status = "done"
        rnd.finished = e.timestamp
        if e.round == self.current_round:
            self.current_phase = None

    def _phase_started(self, e: PhaseStarted) -> None:
        self._clear_rate_limit()
        self.current_phase = e.phase
        if e.phase == "report":
            self.report = ""
            self.report_path = ""
            self.report_fallback = False
            self.report_reason = ""
        rnd = self.rounds.get(e.round) if e.phase == "report" else self._round(e.round, e.timestamp)
        if rnd is None:
            return
        rnd.close_phases(e.timestamp)
        phase = rnd.phases.setdefault(e.phase, PhaseState(e.phase))
        phase.status = "running"
        phase.started = e.timestamp
        phase.finished = None

    def _context_built(self, e: ContextBuilt) -> None:
        if rnd := self._round(e.round, e.timestamp):
            rnd.context = e.text

    def _llm_chunk(self, e: LLMChunk) -> None:
        self._clear_rate_limit()
        if rnd := self._round(e.round, e.timestamp):
            rnd.text[e.section] = rnd.text.get(e.section, "") + e.text

    def _llm_call_finished(self, e: LLMCallFinished) -> None:
        self._clear_rate_limit()
        self.llm_calls += 1
        self.tokens_in += e.tokens_in
        self.tokens_out += e.tokens_out
        if e.model and not self.model:
            self.model = e.model

    def _plan_ready(self, e: PlanReady) -> None:
        if rnd := self._round(e.round, e.timestamp):
            rnd.text = {"plan": e.plan, "execution": e.execution, "reflection": e.reflection}
            rnd.queries = list(e.queries)

    def _search_started(self, e: SearchStarted) -> None:
        if rnd := self._round(e.round, e.timestamp):
            rnd.searches.append(SearchState(query=e.query))

    def _search_finished(self, e: SearchFinished) -> None:
        self.searches_done += 1
        rnd = self._round(e.round, e.timestamp)
        if rnd is None:
            return
        search = next(
            (s for s in reversed(rnd.searches) if s.query == e.query and s.status == "running"),
            None,
        )
        if search is None:
            search = SearchState(query=e.query)
            rnd.searches.append(search)
        search.status = "failed" if e.error else "done"
        search.source_ids = list(e.source_ids)
        search.results = e.results
        search.ms = e.ms
        search.error = e.error

    def _source_added(self, e: SourceAdded) -> None:
        self.sources[e.source_id] = e

    def _synthesis_ready(self, e: SynthesisReady) -> None:
        if rnd := self._round(e.round, e.timestamp):
            rnd.synthesis = e
        if e.summary:
            self.summary = e.summary
        self.evidence_at[e.round] = len(self.evidence)
        self.evidence.extend(
            Evidence.from_dict(item, e.round) for item in e.evidence if isinstance(item, dict)
        )
        self.questions = list(e.questions)
        known = {c.casefold() for c in self.concepts}
        for concept in e.concepts:
            if concept.casefold() not in known:
                known.add(concept.casefold())
                self.concepts.append(concept)

    def _evidence_checked(self, e: EvidenceChecked) -> None:
        start = self.evidence_at.get(e.round)
        if start is None:
            return
        for i, check in enumerate(e.checks):
            at = start + i
            if at < len(self.evidence) and self.evidence[at].round == e.round:
                self.evidence[at] = self.evidence[at].with_check(check)

    def _mind_map_updated(self, e: MindMapUpdated) -> None:
        self.graph_nodes += e.nodes
        self.graph_edges += e.edges

    def _rate_limited(self, e: RateLimited) -> None:
        from core.ratelimit import wait_label

        self.rate_limited_until = e.timestamp + e.retry_in_s
        self.rate_limit_message = e.message
        self.rate_limit_label = wait_label(e)

    def _warning(self, e: WarningRaised) -> None:
        self.warnings.append(e)
        if rnd := self.rounds.get(e.round):
            rnd.warnings.append(e.message)

    def _error(self, e: ErrorRaised) -> None:
        self.errors.append(e)

    def _report_chunk(self, e: ReportChunk) -> None:
        self.report += e.text

    def _stream_restarted(self, e: StreamRestarted) -> None:
        """A retried stream starts over: drop what its failed attempt had shown."""
        if e.purpose == "report":
            self.report = ""
            return
        rnd = self._round(e.round, e.timestamp)
        if rnd is not None:
            rnd.text = _empty_text()

    def _report_ready(self, e: ReportReady) -> None:
        self.report_path = e.path
        self.report_fallback = e.fallback
        self.report_reason = e.reason
        if self.current_phase == "report":
            self.current_phase = None
        for rnd in self.rounds.values():
            phase = rnd.phases.get("report")
            if phase is not None and phase.status == "running":
                phase.status = "done"
                phase.finished = e.timestamp


_HANDLERS: dict[type[Event], Any] = {
    SessionStarted: SessionState._session_started,
    SessionFinished: SessionState._session_finished,
    RoundStarted: SessionState._round_started,
    RoundFinished: SessionState._round_finished,
    PhaseStarted: SessionState._phase_started,
    ContextBuilt: SessionState._context_built,
    LLMChunk: SessionState._llm_chunk,
    LLMCallFinished: SessionState._llm_call_finished,
    PlanReady: SessionState._plan_ready,
    SearchStarted: SessionState._search_started,
    SearchFinished: SessionState._search_finished,
    SourceAdded: SessionState._source_added,
    SynthesisReady: SessionState._synthesis_ready,
    MindMapUpdated: SessionState._mind_map_updated,
    EvidenceChecked: SessionState._evidence_checked,
    RateLimited: SessionState._rate_limited,
    WarningRaised: SessionState._warning,
    ErrorRaised: SessionState._error,
    ReportChunk: SessionState._report_chunk,
    ReportReady: SessionState._report_ready,
    StreamRestarted: SessionState._stream_restarted,
}
