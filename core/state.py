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
    DONE_STATUSES,
    PHASES,
    AnswerChunk,
    AnswerReady,
    ContextBuilt,
    ErrorRaised,
    Event,
    EvidenceChecked,
    EvidenceJudged,
    LLMCallFinished,
    LLMCallStarted,
    LLMChunk,
    LLMFirstToken,
    MindMapUpdated,
    Phase,
    PhaseStarted,
    PlanReady,
    QuestionAsked,
    RateLimited,
    ReportArchived,
    ReportChunk,
    ReportReady,
    ResearchHeld,
    ResearchReleased,
    RoundFinished,
    RoundResumed,
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
    ThinkingChunk,
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
    dropped: int = 0
    """Results the search filters dropped."""
    dropped_reasons: list[str] = field(default_factory=list)
    provider: str = ""


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
    thinking: dict[str, str] = field(default_factory=dict)
    """A reasoning model's thinking per call purpose ("reasoning", "synthesis", "report")."""
    planned: bool = False
    """The round's ``PlanReady`` is recorded: a resume need not ask the model again."""
    focus: str = ""
    """The "dig deeper" question this round was asked to focus on (empty: the topic)."""
    cost_usd: float = 0.0
    """What this round's calls and searches cost (the report's call counts in its round)."""
    tokens: int = 0
    """Tokens in and out of this round's calls."""

    def __post_init__(self) -> None:
        for phase in ROUND_PHASES:
            self.phases.setdefault(phase, PhaseState(phase))

    def close_phases(self, timestamp: float, status: PhaseStatus = "done") -> None:
        """Every running phase ends now (a phase ends when the next starts or the round ends)."""
        for phase in self.phases.values():
            if phase.status == "running":
                phase.status = status
                phase.finished = timestamp

    def finished_searches(self) -> list[SearchState]:
        """Searches whose ``SearchFinished`` is recorded (with results or an error)."""
        return [s for s in self.searches if s.status in ("done", "failed")]

    def unfinished_queries(self) -> list[str]:
        """Planned queries that never came back (each planned query once per finish)."""
        left = list(self.queries)
        for search in self.finished_searches():
            if search.query in left:
                left.remove(search.query)
        return left

    @property
    def running_phase(self) -> Phase | None:
        for phase in self.phases.values():
            if phase.status == "running":
                return phase.phase
        return None


@dataclass
class QAState:
    """One follow-up question and its answer (streamed, then checked)."""

    question_id: int
    question: str
    asked: float = 0.0
    answer: str = ""
    done: bool = False
    citations: list[int] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


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
    filters: dict[str, Any] = field(default_factory=dict)
    """The search filters the research runs with (``SessionStarted.filters``)."""
    results_dropped: int = 0
    """Search results the filters dropped, over every search."""
    active_s: float = 0.0
    """Seconds of the run segments that have ended (SessionStarted … SessionFinished)."""
    run_started: float | None = None
    """When the run under way started (None between runs): idle time between a stop and a
    resume is no research time."""
    model_waiting_since: float | None = None
    """When the model call under way was sent, while it has produced no token yet (a slow
    local model loading); None otherwise."""
    model_waiting_purpose: str = ""
    focus: str = ""
    """The "dig deeper" question of the latest run that had one."""
    run_focus: str = ""
    """The focus of the run under way (or last run): its new rounds carry it."""
    reports_kept: list[str] = field(default_factory=list)
    """Earlier reports kept before a "dig deeper" rewrote ``report.md``, oldest first."""
    qa: list[QAState] = field(default_factory=list)
    """Follow-up questions asked about this research, in order."""
    held_since: float | None = None
    """When the pause under way took hold (``ResearchHeld``); None while it runs."""
    held_s: float = 0.0
    """Seconds spent held by pauses that have ended: no research time either."""
    cost_usd: float = 0.0
    """Spent so far: LLM calls and searches (``core.cost``); a resumed research keeps it."""
    search_cost_usd: float = 0.0
    cost_estimated: bool = False
    """Some calls were logged before costs were recorded: their cost is their tokens at
    today's default prices (and such old searches are not counted)."""
    usage_estimated: bool = False
    """Some calls' servers reported no token usage: their tokens were counted from the text."""
    max_usd: float = 0.0
    max_tokens: int = 0

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

    def sources_by_provider(self) -> dict[str, int]:
        """How many sources each search provider found, most first (``sessions show``,
        ``run --json``). Sources saved before providers were recorded are not counted."""
        counts: dict[str, int] = {}
        for source in self.sources.values():
            if source.provider:
                counts[source.provider] = counts.get(source.provider, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @property
    def round(self) -> RoundState | None:
        return self.rounds.get(self.current_round)

    def elapsed(self, now: float | None = None) -> float:
        """Active research time: the ended run segments plus the one under way.

        The open segment counts up to ``now`` when this process runs it (the live clock),
        else up to the last event (a replay, or another window's run), so watching and
        reopening agree. Time between a stop or pause and the resume is not counted.
        """
        total = self.active_s - self.held_s
        end = self.updated if now is None else max(self.updated, now)
        if self.run_started is not None:
            total += max(0.0, end - self.run_started)
        elif not total and self.started:  # a log without SessionStarted (never written so)
            total = max(0.0, self.updated - self.started)
        if self.held_since is not None:  # paused now: the clock stands still
            total -= max(0.0, end - self.held_since)
        return max(0.0, total)

    @property
    def held(self) -> bool:
        """A pause has taken hold: nothing runs until it is released."""
        return self.held_since is not None

    def _end_hold(self, timestamp: float) -> None:
        if self.held_since is not None:
            self.held_s += max(0.0, timestamp - self.held_since)
            self.held_since = None

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

    def _clear_model_wait(self) -> None:
        self.model_waiting_since = None
        self.model_waiting_purpose = ""

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
        self._end_hold(self.updated)
        self.run_started = e.timestamp
        self.topic = e.topic or self.topic
        self.rounds_planned = e.rounds
        self.breadth = e.breadth
        self.language = e.language or self.language
        self.model = e.model or self.model
        self.search_provider = e.search_provider or self.search_provider
        self.prior_evidence = e.prior_evidence if not e.resumed else self.prior_evidence
        if e.focus:
            self.focus = e.focus
        self.run_focus = e.focus
        if e.filters or not e.resumed:
            self.filters = dict(e.filters)
        self.max_usd, self.max_tokens = e.max_usd, e.max_tokens
        self.status = "running"
        self.status_reason = ""
        self._clear_rate_limit()
        self._clear_model_wait()

    def _session_finished(self, e: SessionFinished) -> None:
        self.status = e.status
        self.status_reason = e.reason
        self.current_phase = None
        self._clear_rate_limit()
        self._clear_model_wait()
        self._end_hold(e.timestamp)
        if self.run_started is not None:
            self.active_s += max(0.0, e.timestamp - self.run_started)
            self.run_started = None
        closing: PhaseStatus = (
            "done" if e.status in DONE_STATUSES else _CUT_SHORT.get(e.status, "stopped")
        )
        for rnd in self.rounds.values():
            rnd.close_phases(e.timestamp, closing)
            for search in rnd.searches:
                if search.status == "running":  # it never came back
                    search.status = closing
                    search.error = search.error or e.status
            if rnd.status == "running":  # cut short (searching ended early): not finished
                rnd.status = "stopped" if closing == "done" else closing
                rnd.finished = e.timestamp

    def _round_started(self, e: RoundStarted) -> None:
        # A resumed session restarts an unfinished round: it starts afresh.
        self.rounds[e.round] = RoundState(number=e.round, started=e.timestamp, focus=self.run_focus)
        self.current_round = e.round
        self.current_phase = None

    def _round_resumed(self, e: RoundResumed) -> None:
        """The round goes on where it was cut: the steps before ``e.step`` are done, and
        searches that never came back are dropped from the list (they run again)."""
        rnd = self._round(e.round, e.timestamp)
        if rnd is None:
            return
        rnd.status = "running"
        rnd.finished = None
        self.current_round = e.round
        self.current_phase = None
        finished: dict[str, tuple[Phase, ...]] = {
            "search": ("context", "reasoning"),
            "synthesis": ("context", "reasoning", "search"),
            "end": ROUND_PHASES,
        }
        for name in finished.get(e.step, ()):
            phase = rnd.phases[name]
            if phase.status != "pending":
                phase.status = "done"
                phase.finished = phase.finished or e.timestamp
        rnd.searches = rnd.finished_searches()

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

    def _llm_call_started(self, e: LLMCallStarted) -> None:
        self._clear_rate_limit()
        self.model_waiting_since = e.timestamp
        self.model_waiting_purpose = e.purpose

    def _llm_first_token(self, e: LLMFirstToken) -> None:
        self._clear_model_wait()

    def _thinking_chunk(self, e: ThinkingChunk) -> None:
        self._clear_model_wait()
        number = e.round if e.purpose != "report" else (e.round or self.current_round)
        if rnd := self._round(number, e.timestamp):
            rnd.thinking[e.purpose] = rnd.thinking.get(e.purpose, "") + e.text

    def _llm_chunk(self, e: LLMChunk) -> None:
        self._clear_rate_limit()
        self._clear_model_wait()
        if rnd := self._round(e.round, e.timestamp):
            rnd.text[e.section] = rnd.text.get(e.section, "") + e.text

    def _llm_call_finished(self, e: LLMCallFinished) -> None:
        self._clear_rate_limit()
        self._clear_model_wait()
        self.llm_calls += 1
        if e.usage_estimated:
            self.usage_estimated = True
        self.tokens_in += e.tokens_in
        self.tokens_out += e.tokens_out
        if e.model and not self.model:
            self.model = e.model
        cost = e.cost_usd
        if cost < 0:  # logged before costs were recorded
            from core.cost.prices import PriceTable

            cost = PriceTable.defaults().call(e.model or self.model, e.tokens_in, e.tokens_out)
            self.cost_estimated = True
        self.cost_usd += cost
        if rnd := self.rounds.get(e.round):
            rnd.cost_usd += cost
            rnd.tokens += e.tokens_in + e.tokens_out

    def _plan_ready(self, e: PlanReady) -> None:
        if rnd := self._round(e.round, e.timestamp):
            rnd.text = {"plan": e.plan, "execution": e.execution, "reflection": e.reflection}
            rnd.queries = list(e.queries)
            rnd.planned = True

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
        if e.cost_usd > 0:
            self.cost_usd += e.cost_usd
            self.search_cost_usd += e.cost_usd
            rnd.cost_usd += e.cost_usd
        elif e.cost_usd < 0:
            self.cost_estimated = True
        search.source_ids = list(e.source_ids)
        search.results = e.results
        search.ms = e.ms
        search.error = e.error
        search.dropped = e.dropped
        search.dropped_reasons = list(e.dropped_reasons)
        self.results_dropped += e.dropped
        search.provider = e.provider

    def _source_added(self, e: SourceAdded) -> None:
        self.sources[e.source_id] = e

    def _synthesis_ready(self, e: SynthesisReady) -> None:
        if rnd := self._round(e.round, e.timestamp):
            rnd.synthesis = e
        if e.summary:
            self.summary = e.summary
        # A round has one synthesis: a second one for the same round (a log written before
        # resume went on from the last step redid it) replaces the first, never adds to it.
        self.evidence = [item for item in self.evidence if item.round != e.round]
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

    def _evidence_judged(self, e: EvidenceJudged) -> None:
        from dataclasses import replace

        from core.trust.judge import JUDGMENTS

        for entry in e.judgments:
            start = self.evidence_at.get(entry.get("round"))  # type: ignore[arg-type]
            index = entry.get("index")
            judgment = entry.get("judgment")
            if start is None or not isinstance(index, int) or judgment not in JUDGMENTS:
                continue
            at = start + index
            if index >= 0 and at < len(self.evidence) and self.evidence[at].round == entry["round"]:
                reason = str(entry.get("reason") or "")
                self.evidence[at] = replace(
                    self.evidence[at], judgment=judgment, judge_reason=reason
                )

    def _mind_map_updated(self, e: MindMapUpdated) -> None:
        self.graph_nodes += e.nodes
        self.graph_edges += e.edges

    def _rate_limited(self, e: RateLimited) -> None:
        from core.ratelimit import wait_label

        if e.scope != "search":  # a retry of the model call: it waits for us now, not the model
            self._clear_model_wait()
        self.rate_limited_until = e.timestamp + e.retry_in_s
        self.rate_limit_message = e.message
        self.rate_limit_label = wait_label(e)

    def _research_held(self, e: ResearchHeld) -> None:
        if self.held_since is None:
            self.held_since = e.timestamp

    def _research_released(self, e: ResearchReleased) -> None:
        self._end_hold(e.timestamp)

    def _warning(self, e: WarningRaised) -> None:
        self.warnings.append(e)
        if rnd := self.rounds.get(e.round):
            rnd.warnings.append(e.message)

    def _error(self, e: ErrorRaised) -> None:
        self.errors.append(e)

    def _report_chunk(self, e: ReportChunk) -> None:
        self._clear_model_wait()
        self.report += e.text

    def _stream_restarted(self, e: StreamRestarted) -> None:
        """A retried stream starts over: drop what its failed attempt had shown."""
        self._clear_model_wait()
        if (rnd := self.rounds.get(e.round)) is not None:
            rnd.thinking.pop(e.purpose, None)
        if e.purpose == "report":
            self.report = ""
            return
        rnd = self._round(e.round, e.timestamp)
        if rnd is not None:
            rnd.text = _empty_text()

    def _report_archived(self, e: ReportArchived) -> None:
        if e.path not in self.reports_kept:
            self.reports_kept.append(e.path)

    def _question(self, question_id: int) -> QAState | None:
        return next((q for q in reversed(self.qa) if q.question_id == question_id), None)

    def _question_asked(self, e: QuestionAsked) -> None:
        self.qa.append(QAState(question_id=e.question_id, question=e.question, asked=e.timestamp))

    def _answer_chunk(self, e: AnswerChunk) -> None:
        if (qa := self._question(e.question_id)) is not None:
            qa.answer += e.text

    def _answer_ready(self, e: AnswerReady) -> None:
        qa = self._question(e.question_id)
        if qa is None:
            qa = QAState(question_id=e.question_id, question="")
            self.qa.append(qa)
        qa.answer = e.answer
        qa.done = True
        qa.citations = list(e.citations)
        qa.quotes = [dict(q) for q in e.quotes]
        qa.error = e.error

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
    LLMCallStarted: SessionState._llm_call_started,
    LLMFirstToken: SessionState._llm_first_token,
    ThinkingChunk: SessionState._thinking_chunk,
    LLMCallFinished: SessionState._llm_call_finished,
    PlanReady: SessionState._plan_ready,
    SearchStarted: SessionState._search_started,
    SearchFinished: SessionState._search_finished,
    SourceAdded: SessionState._source_added,
    SynthesisReady: SessionState._synthesis_ready,
    MindMapUpdated: SessionState._mind_map_updated,
    EvidenceChecked: SessionState._evidence_checked,
    EvidenceJudged: SessionState._evidence_judged,
    RateLimited: SessionState._rate_limited,
    WarningRaised: SessionState._warning,
    ErrorRaised: SessionState._error,
    ReportChunk: SessionState._report_chunk,
    ReportReady: SessionState._report_ready,
    StreamRestarted: SessionState._stream_restarted,
    RoundResumed: SessionState._round_resumed,
    ReportArchived: SessionState._report_archived,
    QuestionAsked: SessionState._question_asked,
    AnswerChunk: SessionState._answer_chunk,
    AnswerReady: SessionState._answer_ready,
    ResearchHeld: SessionState._research_held,
    ResearchReleased: SessionState._research_released,
}
