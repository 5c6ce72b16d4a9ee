"""Typed events: the one contract between the engine, the session log, the mind map and the UI.

Every event is a frozen dataclass with ``session_id``, ``seq`` and ``timestamp``. The engine
stamps ``session_id`` and ``seq``; everything else is the event's payload. Events serialise to
one JSON object per line (``events.jsonl``) and replaying that file rebuilds the whole view,
so reopening a research is the same code path as watching it run.

Why dataclasses and not pydantic: the payloads are small and flat, the standard library
round-trips them, and ``core`` stays light to import.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import time
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

Section = Literal["plan", "execution", "reflection"]
Phase = Literal["context", "reasoning", "search", "synthesis", "report"]
SessionStatus = Literal[
    "running",
    "paused",
    "done",
    "stopped",
    "interrupted",
    "failed",
    "done with warnings",
    "budget reached",
]
DONE_STATUSES: frozenset[str] = frozenset({"done", "done with warnings", "budget reached"})
"""Statuses of a research that ran to its report (nothing left to resume). "budget reached":
the next round would not fit the research's budget (``cost.max_usd``, ``cost.max_tokens``),
so it stopped researching and wrote the report from what it had."""

SECTIONS: tuple[Section, ...] = ("plan", "execution", "reflection")
PHASES: tuple[Phase, ...] = ("context", "reasoning", "search", "synthesis", "report")

_REGISTRY: dict[str, type[Event]] = {}


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event. ``type`` (the class name) is the JSON discriminator."""

    session_id: str = ""
    seq: int = 0
    timestamp: float = field(default_factory=time.time)

    type: ClassVar[str] = "Event"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.type = cls.__name__
        _REGISTRY[cls.__name__] = cls

    def stamped(self, session_id: str, seq: int) -> Event:
        """A copy carrying the session id and sequence number (the engine stamps events)."""
        return dataclasses.replace(self, session_id=session_id, seq=seq)


# --- session lifecycle -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SessionStarted(Event):
    topic: str
    rounds: int
    breadth: int
    language: str = ""
    model: str = ""
    search_provider: str = ""
    resumed: bool = False
    prior_evidence: int = 0
    """How many evidence items earlier researches on the same topic already hold."""
    focus: str = ""
    """"Dig deeper": the follow-up question the rounds of this run focus on (empty for a
    plain run or resume). Kept so a replay shows what the extra rounds were asked."""
    filters: dict[str, Any] = field(default_factory=dict)
    """The research's search filters (``SearchFilters.to_dict``; {} when none), saved so a
    resumed research filters as it began."""
    max_usd: float = 0.0
    """The research's budget in USD (0: none); a resumed research keeps its own."""
    max_tokens: int = 0
    """The research's budget in tokens, input and output (0: none)."""


@dataclass(frozen=True, kw_only=True)
class SessionFinished(Event):
    status: SessionStatus
    reason: str = ""


# --- rounds and phases -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RoundStarted(Event):
    round: int


@dataclass(frozen=True, kw_only=True)
class PhaseStarted(Event):
    round: int
    phase: Phase


@dataclass(frozen=True, kw_only=True)
class ContextBuilt(Event):
    round: int
    text: str
    items: int = 0


@dataclass(frozen=True, kw_only=True)
class LLMChunk(Event):
    round: int
    section: Section
    text: str


@dataclass(frozen=True, kw_only=True)
class LLMCallFinished(Event):
    round: int
    purpose: Literal["reasoning", "synthesis", "report", "ask", "judge"]
    tokens_in: int = 0
    tokens_out: int = 0
    ms: int = 0
    model: str = ""
    cost_usd: float = -1.0
    """What the call cost at the prices in force then; -1 in logs written before costs were
    recorded (the reducer then prices the tokens at today's defaults)."""
    usage_estimated: bool = False
    """The server reported no token usage: the tokens (and so the cost) were counted from
    the text (``LLMResponse.usage_estimated``)."""


@dataclass(frozen=True, kw_only=True)
class StreamRestarted(Event):
    """A streamed call failed midway and is retried: text streamed so far is void.

    ``purpose`` is "reasoning" (the round's section texts restart) or "report".
    """

    round: int
    purpose: str


@dataclass(frozen=True, kw_only=True)
class LLMCallStarted(Event):
    """An attempt at a model call was sent (after the client-side rate limit let it go).

    Until its ``LLMFirstToken`` (or its end) the model is working on it without a word: a
    local model loading its weights can take minutes, and the UI counts that wait up."""

    round: int
    purpose: str
    model: str = ""


@dataclass(frozen=True, kw_only=True)
class LLMFirstToken(Event):
    """The first streamed token of the attempt under way, ``ms`` after it was sent."""

    round: int
    purpose: str
    ms: int = 0


@dataclass(frozen=True, kw_only=True)
class ThinkingChunk(Event):
    """A reasoning model's thinking (``<think>`` text or ``reasoning_content``): shown apart
    and collapsed, never part of the plan, the synthesis or the report."""

    round: int
    purpose: str
    text: str


@dataclass(frozen=True, kw_only=True)
class PlanReady(Event):
    """The full text of each section and every planned query, once the reasoning call ends.

    Chunks are for watching; this is what the mind map, the research log and a resumed
    session read, so none of them has to re-assemble a stream.
    """

    round: int
    plan: str
    execution: str
    reflection: str
    queries: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class SearchStarted(Event):
    round: int
    query: str


@dataclass(frozen=True, kw_only=True)
class SearchFinished(Event):
    round: int
    query: str
    source_ids: list[int] = field(default_factory=list)
    results: int = 0
    ms: int = 0
    error: str = ""
    dropped: int = 0
    """Results the search filters turned away (``results`` counts those kept)."""
    dropped_reasons: list[str] = field(default_factory=list)
    """"url: reason" for each dropped result (the first 20)."""
    provider: str = ""
    """The search provider that answered or failed (empty in logs written before it)."""
    cost_usd: float = -1.0
    """What the search cost (Tavily credits × price); -1 in logs written before costs were."""


@dataclass(frozen=True, kw_only=True)
class SourceAdded(Event):
    round: int
    source_id: int
    url: str
    title: str
    snippet: str = ""
    query: str = ""
    score: float = 0.0
    provider: str | None = None
    """The search provider that found it (``tavily``, ``ddgs``, ``searxng``, ``local``);
    None in logs written before it was recorded (shown as nothing)."""

    @property
    def domain(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.url).hostname or ""


@dataclass(frozen=True, kw_only=True)
class SynthesisReady(Event):
    """The structured result of a round: what the mind map is built from."""

    round: int
    summary: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    """Each: {"claim": str, "source_ids": [int], "confidence": float, "quote": str};
    "quote" (verbatim from the cited source) is missing in logs written before it."""
    concepts: list[str] = field(default_factory=list)
    relations: list[dict[str, str]] = field(default_factory=list)
    """Each: {"source": concept, "target": concept, "relation": free text}."""
    questions: list[str] = field(default_factory=list)
    covered: bool = False


@dataclass(frozen=True, kw_only=True)
class EvidenceChecked(Event):
    """Each quote of a round's ``SynthesisReady`` checked against its source's text.

    ``checks[i]`` is about ``evidence[i]`` of that round's latest ``SynthesisReady``:
    {"verdict": one of ``core.trust.VERDICTS``, "score": 0-100, "source_id": int | None,
    "span": [start, end] in that source's snippet, or None}.
    """

    round: int
    checks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class EvidenceJudged(Event):
    """The model's judgment of whether each verified quote supports its claim (``trust.judge``,
    off by default; one batched call before the report, ``core.trust.judge``).

    Each entry: {"round": the evidence's round, "index": its place in that round's latest
    ``SynthesisReady.evidence``, "judgment": "supported" | "partial" | "contradicts",
    "reason": a short why}. Saved like every event, so replay restores the judgments.
    """

    judgments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class MindMapUpdated(Event):
    round: int
    nodes: int = 0
    edges: int = 0


@dataclass(frozen=True, kw_only=True)
class RoundFinished(Event):
    round: int


ResumeStep = Literal["search", "synthesis", "end"]


@dataclass(frozen=True, kw_only=True)
class RoundResumed(Event):
    """A resumed run goes on with an unfinished round from its last finished step, instead
    of starting it afresh (``RoundStarted`` would void what the round had recorded).

    ``step`` is what runs next: "search" (the plan is recorded: run the searches that never
    came back), "synthesis" (every search is recorded) or "end" (the synthesis is recorded:
    only the round's end is missing).
    """

    round: int
    step: ResumeStep


@dataclass(frozen=True, kw_only=True)
class ResearchHeld(Event):
    """A pause took hold: everything started before it has come back and nothing new
    starts until ``ResearchReleased``. Time in between is no research time."""


@dataclass(frozen=True, kw_only=True)
class ResearchReleased(Event):
    """The pause ended (unpause, or a stop that goes on to the report)."""


# --- trouble -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RateLimited(Event):
    """A retry is about to wait ``retry_in_s`` seconds (not only after a 429).

    ``cause`` says what is waited out, in words for a label ("rate limited", "server
    error", "timed out", "connection failed", "unusable answer"); empty in logs written
    before it existed (``core.ratelimit.wait_label`` then reads the message).
    """

    retry_in_s: float
    scope: str = "llm"
    message: str = ""
    attempt: int = 1
    cause: str = ""


@dataclass(frozen=True, kw_only=True)
class WarningRaised(Event):
    """Something went wrong but the research goes on (named so it does not shadow the
    builtin ``Warning``; events.jsonl files written before the rename say "Warning")."""

    message: str
    kind: str = "general"
    round: int = 0


@dataclass(frozen=True, kw_only=True)
class ErrorRaised(Event):
    """The research cannot go on as asked (saved before the rename as "Error")."""

    kind: str
    message: str
    recoverable: bool = False


# --- report ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReportChunk(Event):
    text: str


@dataclass(frozen=True, kw_only=True)
class ReportReady(Event):
    path: str
    fallback: bool = False
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class ReportArchived(Event):
    """The report about to be rewritten ("dig deeper") was kept under ``path``."""

    path: str
    rounds: int = 0
    """How many rounds the kept report was written from."""


# --- follow-up questions -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class QuestionAsked(Event):
    """A follow-up question about a finished research (``deepresearch-tui ask``)."""

    question_id: int
    question: str


@dataclass(frozen=True, kw_only=True)
class AnswerChunk(Event):
    question_id: int
    text: str


@dataclass(frozen=True, kw_only=True)
class AnswerReady(Event):
    """The whole answer, its citations checked: ``citations`` are the session's source ids
    it cites (others were removed); ``quotes`` holds, per cited claim, ``{"claim", "quote",
    "source_id", "verdict", "score"}``."""

    question_id: int
    answer: str
    citations: list[int] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


# --- JSON --------------------------------------------------------------------------------


def event_types() -> dict[str, type[Event]]:
    """Every event class by its JSON ``type`` name."""
    return dict(_REGISTRY)


def to_dict(event: Event) -> dict[str, Any]:
    data = dataclasses.asdict(event)
    return {"type": event.type, **data}


def to_json(event: Event) -> str:
    """One line of JSON, non-ASCII kept readable (topics are often not in English)."""
    return json.dumps(to_dict(event), ensure_ascii=False, separators=(",", ":"))


class UnknownEvent(ValueError):
    """A line whose ``type`` this version does not know (written by a newer version)."""


OLD_TYPE_NAMES = {"Warning": "WarningRaised", "Error": "ErrorRaised"}
"""Type names older events.jsonl files use for events renamed since; read as the new ones."""


class InvalidEvent(ValueError):
    """A line of a known type whose fields are missing or of the wrong type.

    Raised on load so a bad value is reported where it is (file and line, by the caller)
    instead of surfacing later as a TypeError deep in the reducer or the UI.
    """


INT_LIMIT = 2**63 - 1
"""Largest integer a field may hold: the graph stores them as INT64, and nothing we write
comes near it, so a bigger one is damage (or a crafted file), not data."""
TIMESTAMP_LIMIT = 253402300799.0
"""The last second of year 9999: ``datetime.fromtimestamp`` refuses anything later."""

Check = Callable[[Any, str], str | None]
"""Why a value does not fit one annotation (None when it fits); ``where`` names the field."""


@functools.cache
def _checker(hint: Any) -> Check:
    """The check for an annotation, its typing introspection done once per annotation.

    Reopening a research validates every field of every event it holds: walking the
    annotation anew for each value cost most of the load (454 events of a 20-round research:
    ~7 ms against ~2 ms to decode their JSON).
    """
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:  # ``str | None``: any arm fits
        arms = typing.get_args(hint)
        nullable = type(None) in arms
        checks = [_checker(arm) for arm in arms if arm is not type(None)]

        def union(value: Any, where: str) -> str | None:
            if value is None:
                return None if nullable else f"{where} must not be null"
            problems = []
            for check in checks:
                if (problem := check(value, where)) is None:
                    return None
                problems.append(problem)
            return problems[0]

        return union
    if hint is Any:
        return _json_problem
    if origin is Literal:
        allowed = typing.get_args(hint)
        return lambda value, where: (
            None if value in allowed else f"{where} must be one of {list(allowed)}"
        )
    if origin is list:
        (item,) = typing.get_args(hint) or (Any,)
        check_item = _checker(item)

        def each(value: Any, where: str) -> str | None:
            if not isinstance(value, list):
                return f"{where} must be a list (got {type(value).__name__})"
            for index, element in enumerate(value):
                if found := check_item(element, f"{where}[{index}]"):
                    return found
            return None

        return each
    if origin is dict:
        _key, item = typing.get_args(hint) or (str, Any)
        check_value = _checker(item)

        def every(value: Any, where: str) -> str | None:
            if not isinstance(value, dict):
                return f"{where} must be an object (got {type(value).__name__})"
            for key, element in value.items():
                if found := check_value(element, f"{where}.{key}"):
                    return found
            return None

        return every
    if hint is bool:
        return lambda value, where: (
            None if isinstance(value, bool) else f"{where} must be true or false"
        )
    if hint is int:
        return _int_problem
    if hint is float:
        return _float_problem
    if hint is str:
        return lambda value, where: None if isinstance(value, str) else f"{where} must be text"
    return lambda value, where: None


def _int_problem(value: Any, where: str) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"{where} must be a whole number (got {type(value).__name__})"
    return None if abs(value) <= INT_LIMIT else f"{where} is out of range"


def _float_problem(value: Any, where: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{where} must be a number (got {type(value).__name__})"
    if isinstance(value, int) and abs(value) > INT_LIMIT:
        return f"{where} is out of range"
    return None if math.isfinite(value) else f"{where} must be a finite number"


@dataclass(frozen=True)
class _Field:
    name: str
    required: bool
    check: Check


@functools.cache
def _schema(cls: type) -> tuple[_Field, ...]:
    """An event class's fields with their checks, worked out once per class."""
    hints = typing.get_type_hints(cls)
    return tuple(
        _Field(
            f.name,
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
            _checker(hints[f.name]),
        )
        for f in dataclasses.fields(cls)
    )


def _json_problem(value: Any, where: str) -> str | None:
    """Free-form values (``dict[str, Any]``) still hold no number we cannot use."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int):
        return None if abs(value) <= INT_LIMIT else f"{where} is out of range"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} must be a finite number"
    if isinstance(value, list):
        for index, element in enumerate(value):
            if found := _json_problem(element, f"{where}[{index}]"):
                return found
    elif isinstance(value, dict):
        for key, element in value.items():
            if found := _json_problem(element, f"{where}.{key}"):
                return found
    return None


def validate(cls: type[Event], values: dict[str, Any]) -> None:
    """Raise ``InvalidEvent`` unless ``values`` are the right types for ``cls``'s fields."""
    for spec in _schema(cls):
        if spec.name not in values:
            if spec.required:
                raise InvalidEvent(f"not a valid {cls.__name__} event: {spec.name} is missing")
            continue
        if problem := spec.check(values[spec.name], spec.name):
            raise InvalidEvent(f"not a valid {cls.__name__} event: {problem}")
    stamp = values.get("timestamp", 0.0)
    if not 0 <= stamp <= TIMESTAMP_LIMIT:
        raise InvalidEvent(f"not a valid {cls.__name__} event: timestamp is out of range")


def from_dict(data: dict[str, Any]) -> Event:
    """The event a JSON object describes, its field types checked (``InvalidEvent``)."""
    kind = data.get("type")
    cls = _REGISTRY.get(OLD_TYPE_NAMES.get(str(kind), str(kind)))
    if cls is None:
        raise UnknownEvent(f"unknown event type {kind!r}")
    names = _field_names(cls)
    values = {k: v for k, v in data.items() if k in names}
    validate(cls, values)
    if "timestamp" in values:
        values["timestamp"] = float(values["timestamp"])
    return cls(**values)


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def from_json(line: str) -> Event:
    return from_dict(json.loads(line))
