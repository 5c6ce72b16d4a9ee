"""``research_log.md``: the original tool's "Research Process" log, written and read back.

Users of the tool this project descends from have such logs, and ours keeps the same shape
(section titles and field labels verbatim, see ``seed-log-format.md``) so they read the same
and can be imported. What we do not copy: raw page content. "Raw Results" holds a one-line
repr of our own source records (title, url, snippet cut to ``SNIPPET_CHARS``, score).

Web and LLM text is data: any line of it that looks like one of our section headers or field
labels is indented by one space, so it can never start a section when the log is parsed.
The parser relies only on the English "## <Section> - <timestamp>" headers and field labels,
never on the run's language.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import ingest
from core.events import (
    ContextBuilt,
    ErrorRaised,
    Event,
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
    SourceAdded,
    WarningRaised,
)
from core.parsing import extract_queries, parse_reasoning
from core.ratelimit import wait_label

if TYPE_CHECKING:
    from core.state import SessionState

SNIPPET_CHARS = 300
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
QUERY_SEPARATOR = " | "
"""Several planned queries on one "Search Query:" line (the seed had one per step)."""

LABELS = (
    "Research Topic",
    "Current Summary",
    "Search Query",
    "Mind Map Context",
    "Reflection Context",
    "Planning Context",
    "Search API",
    "Raw Results",
    "Formatted Sources",
)
LLM_KINDS = frozenset(
    {
        "llm",
        "auth",
        "model_unavailable",
        "rate_limit",
        "rate_limited",
        "quota",
        "reasoning",
        "synthesis",
        "gemini",
    }
)

_TS = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?"
_SECTION_RE = re.compile(rf"^## (?P<name>[^\n]+?) - (?P<ts>{_TS})[ \t]*$", re.MULTILINE)
_LABEL_RE = re.compile(rf"^(?P<label>{'|'.join(LABELS)}):[ \t]?", re.MULTILINE)
_UNSAFE_LINE_RE = re.compile(rf"^(?:## .+ - {_TS}\s*$|# Research Process:|(?:{'|'.join(LABELS)}):)")
_SOURCE_LINE_RE = re.compile(r"^\*\s+(?P<title>.*?)\s+:\s+(?P<url>\S+)\s*$", re.MULTILINE)
_TITLE_RE = re.compile(r"^# Research Process:[ \t]*(?P<topic>.*)$", re.MULTILINE)
_STARTED_RE = re.compile(rf"^Started at:[ \t]*(?P<ts>{_TS})", re.MULTILINE)


def format_time(timestamp: float) -> str:
    return time.strftime(TIME_FORMAT, time.localtime(timestamp))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _safe(text: str) -> str:
    """Indent lines that would read as a section header or field label."""
    if not text:
        return ""
    lines = text.splitlines()
    return "\n".join(" " + line if _UNSAFE_LINE_RE.match(line) else line for line in lines)


def _is_llm_kind(kind: str) -> bool:
    kind = kind.lower()
    return kind in LLM_KINDS or kind.startswith(("llm", "gemini"))


# --- writing -------------------------------------------------------------------------------


class ResearchLogWriter:
    """An event sink that appends seed-format sections to ``research_log.md``.

    Opening an existing log (a resumed session) appends to it. The writer keeps no state of
    its own: it reads the research's live ``state`` (topic, summary, sources, context, the
    streamed report), which the event bus has already brought up to date with the event
    being written. Without a ``state`` (a log written on its own, as in tests) it keeps one,
    applying each event to it first.
    """

    def __init__(self, path: Path, state: SessionState | None = None) -> None:
        from core.state import SessionState

        self.path = Path(path)
        self._owns_state = state is None
        self.state = state if state is not None else SessionState()

    def __call__(self, event: Event) -> None:
        if self._owns_state:
            self.state.apply(event)
        text = self._render(event)
        if text:
            self._write(text)

    @property
    def topic(self) -> str:
        return self.state.topic

    @property
    def search_api(self) -> str:
        return self.state.search_provider or "tavily"

    def _write(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()

    def _has_content(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except OSError:
            return False

    @staticmethod
    def _section(name: str, timestamp: float, body: str) -> str:
        return f"\n## {name} - {format_time(timestamp)}\n{body.rstrip()}\n"

    def _render(self, e: Event) -> str:
        if isinstance(e, SessionStarted):
            return self._session_started(e)
        if isinstance(e, PlanReady):
            return self._reasoning_step(e)
        if isinstance(e, SearchStarted):
            body = f"Search API: {self.search_api}\nSearch Query: {_one_line(e.query)}"
            return self._section("Web Research Step", e.timestamp, body)
        elif isinstance(e, SearchFinished):
            return self._search_results(e)
        elif isinstance(e, (WarningRaised, ErrorRaised)) and _is_llm_kind(e.kind):
            return self._section("Reasoning Error", e.timestamp, _safe(e.message))
        elif isinstance(e, RateLimited) and e.scope == "llm":
            body = (
                f"{wait_label(e).capitalize()} (attempt {e.attempt}): waiting "
                f"{e.retry_in_s:g}s, then "
                f"retrying. {_one_line(e.message)}"
            )
            return self._section("Reasoning Error", e.timestamp, body)
        elif isinstance(e, SessionFinished) and e.status == "paused":
            body = f"Research paused: {_one_line(e.reason)}" if e.reason else "Research paused."
            return self._section("Reasoning Error", e.timestamp, body)
        elif isinstance(e, PhaseStarted) and e.phase == "report":
            return self._section(
                "Final Report Generation", e.timestamp, "Starting the final research report."
            )
        elif isinstance(e, ReportReady):
            return self._report_ready(e)
        elif isinstance(e, RoundFinished):
            return self._citation_check(e)
        return ""

    def _citation_check(self, e: RoundFinished) -> str:
        """The round's verdict counts, "Round 2 evidence: 5 verified, 1 quote not found" (a
        section of our own; the importer skips sections it does not know). None for a
        round that gathered no evidence."""
        from core.evidence import round_verdicts

        if not any(item.round == e.round for item in self.state.evidence):
            return ""
        body = f"Round {e.round} evidence: {round_verdicts(self.state.evidence, e.round)}"
        return self._section("Citation Check", e.timestamp, body)

    def _session_started(self, e: SessionStarted) -> str:
        head = ""
        if not self._has_content():
            head = (
                f"# Research Process: {_one_line(self.topic)}\n"
                f"Started at: {format_time(e.timestamp)}\n\n"
            )
        if e.resumed:
            line = f"Resumed the research on the existing Topic node: {_one_line(self.topic)}"
        elif e.prior_evidence:
            line = (
                f"Topic node for {_one_line(self.topic)} already holds {e.prior_evidence} "
                "evidence items from earlier researches."
            )
        else:
            line = f"Created a new Topic node for: {_one_line(self.topic)}"
        return head + self._section("Mind Map Initialization", e.timestamp, line)

    def _context(self, n: int) -> str:
        rnd = self.state.rounds.get(n)
        return rnd.context if rnd is not None else ""

    def _reasoning_step(self, e: PlanReady) -> str:
        fields = [
            ("Research Topic", _one_line(self.topic)),
            ("Current Summary", _safe(self.state.summary.strip())),
            ("Search Query", QUERY_SEPARATOR.join(_one_line(q) for q in e.queries)),
            ("Mind Map Context", _safe(self._context(e.round).strip())),
            ("Reflection Context", _safe(e.reflection.strip())),
            ("Planning Context", _safe(e.plan.strip())),
        ]
        body = "\n".join(f"{label}: {value}" if value else f"{label}:" for label, value in fields)
        return self._section("Reasoning Step", e.timestamp, body)

    def _search_results(self, e: SearchFinished) -> str:
        sources = self.state.sources
        found = [sources[i] for i in e.source_ids if i in sources]
        raw: dict[str, Any] = {
            "query": e.query,
            "results": [
                {
                    "title": _one_line(s.title),
                    "url": s.url,
                    "snippet": _one_line(s.snippet)[:SNIPPET_CHARS],
                    "score": round(s.score, 3),
                }
                for s in found
            ],
            "response_time": round(e.ms / 1000, 2),
        }
        if e.error:
            raw["error"] = _one_line(e.error)
        lines = [f"* {_one_line(s.title) or s.url} : {s.url}" for s in found]
        body = f"Raw Results:\n{raw!r}\n\nFormatted Sources:\n" + "\n".join(lines)
        return self._section("Search Results", e.timestamp, body)

    def _report_ready(self, e: ReportReady) -> str:
        try:
            text = Path(e.path).read_text(encoding="utf-8")
        except (OSError, ValueError):
            text = self.state.report
        out = ""
        if e.fallback:
            reason = _safe(e.reason) or "The LLM could not write the report."
            out += self._section("Final Report Generation Error", e.timestamp, reason)
        return out + self._section("Final Research Report", e.timestamp, _safe(text))


# --- reading -------------------------------------------------------------------------------


def _parse_time(text: str, default: float) -> float:
    for fmt in (TIME_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f"):
        try:
            return datetime.strptime(text, fmt).timestamp()
        except ValueError:
            continue
    return default


def _fields(body: str) -> dict[str, str]:
    """Label -> value (may span lines) for the fixed field labels at line starts."""
    found: dict[str, str] = {}
    matches = list(_LABEL_RE.finditer(body))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        found.setdefault(match.group("label"), body[match.end() : end].strip())
    return found


def _raw_results(text: str) -> dict[str, Any]:
    """The seed's Raw Results is a Python repr: read it with literal_eval (never eval)."""
    text = text.strip()
    if not text or len(text) > 5_000_000:
        return {}
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class _Importer:
    events: list[Event] = field(default_factory=list)
    round: int = 0
    round_open: bool = False
    search_phase: bool = False
    pending_query: str = ""
    urls: dict[str, int] = field(default_factory=dict)
    report_error: str = ""
    report_phase: bool = False
    has_report: bool = False

    def add(self, event: Event, timestamp: float) -> None:
        self.events.append(
            dataclasses.replace(event, seq=len(self.events) + 1, timestamp=timestamp)
        )

    def start_round(self, ts: float) -> None:
        self.finish_round(ts)
        self.round += 1
        self.round_open = True
        self.search_phase = False
        self.add(RoundStarted(round=self.round), ts)

    def ensure_round(self, ts: float) -> None:
        if not self.round_open:
            self.start_round(ts)

    def finish_round(self, ts: float) -> None:
        if self.round_open:
            self.add(RoundFinished(round=self.round), ts)
            self.round_open = False


def parse_seed_log(text: str) -> list[Event]:
    """Events rebuilt from a "Research Process" log (the original tool's or ours).

    Language-agnostic: only the "## <Section> - <timestamp>" headers and the English field
    labels are read. Raises ValueError when the text is not such a log.

    A log is outside text as a whole: every event it yields passes ``core.ingest`` (control
    sequences removed, sizes bounded) and only its http(s) sources are kept.
    """
    return [ingest.clean_event(event) for event in _parse_seed_log(text)]


def _parse_seed_log(text: str) -> list[Event]:
    text = text.replace("\r\n", "\n")
    sections = list(_SECTION_RE.finditer(text))
    title = _TITLE_RE.search(text)
    topic = title.group("topic").strip() if title else ""
    bodies = []
    for index, match in enumerate(sections):
        end = sections[index + 1].start() if index + 1 < len(sections) else len(text)
        bodies.append((match.group("name").strip(), match.group("ts"), text[match.end() : end]))
    if not topic:
        for name, _, body in bodies:
            if name == "Reasoning Step":
                topic = _fields(body).get("Research Topic", "").strip()
                break
    if not topic:
        raise ValueError("not a research log: no '# Research Process: <topic>' line")

    started_match = _STARTED_RE.search(text)
    first_ts = _parse_time(bodies[0][1], time.time()) if bodies else time.time()
    started = _parse_time(started_match.group("ts"), first_ts) if started_match else first_ts

    plans = [_fields(b) for n, _, b in bodies if n == "Reasoning Step"]
    search_api = next(
        (
            f["Search API"]
            for n, _, b in bodies
            if n == "Web Research Step"
            for f in [_fields(b)]
            if f.get("Search API")
        ),
        "tavily",
    )

    imp = _Importer()
    breadth = 0
    planned: list[tuple[str, str, str, list[str]]] = []
    for f in plans:
        parsed = parse_reasoning(f.get("Current Summary", ""))
        queries = extract_queries(
            "\n".join(
                [
                    f.get("Current Summary", ""),
                    f.get("Planning Context", ""),
                    f.get("Reflection Context", ""),
                    f.get("Search Query", ""),
                ]
            )
        )
        if not queries:
            queries = [
                q.strip() for q in f.get("Search Query", "").split(QUERY_SEPARATOR) if q.strip()
            ]
        plan = f.get("Planning Context", "").strip() or parsed.sections["plan"].strip()
        reflection = (
            f.get("Reflection Context", "").strip() or parsed.sections["reflection"].strip()
        )
        execution = parsed.sections["execution"].strip()
        planned.append((plan, execution, reflection, queries))
        breadth = max(breadth, len(queries))

    imp.add(
        SessionStarted(
            topic=topic,
            rounds=max(1, len(plans)),
            breadth=breadth,
            search_provider=search_api,
        ),
        started,
    )
    plan_index = 0
    for name, ts_text, body in bodies:
        ts = _parse_time(ts_text, started)
        if name == "Reasoning Step":
            f = _fields(body)
            plan, execution, reflection, queries = planned[plan_index]
            plan_index += 1
            imp.start_round(ts)
            if context := f.get("Mind Map Context", "").strip():
                imp.add(PhaseStarted(round=imp.round, phase="context"), ts)
                imp.add(ContextBuilt(round=imp.round, text=context), ts)
            imp.add(PhaseStarted(round=imp.round, phase="reasoning"), ts)
            imp.add(
                PlanReady(
                    round=imp.round,
                    plan=plan,
                    execution=execution,
                    reflection=reflection,
                    queries=queries,
                ),
                ts,
            )
        elif name == "Web Research Step":
            imp.ensure_round(ts)
            if not imp.search_phase:
                imp.add(PhaseStarted(round=imp.round, phase="search"), ts)
                imp.search_phase = True
            imp.pending_query = _one_line(_fields(body).get("Search Query", ""))
            imp.add(SearchStarted(round=imp.round, query=imp.pending_query), ts)
        elif name == "Search Results":
            _import_results(imp, body, ts)
        elif name in ("Reasoning Error", "Mind Map Query Error", "Final Report Generation Error"):
            kind = {"Reasoning Error": "llm", "Mind Map Query Error": "graph"}.get(name, "report")
            message = body.strip()[:2000]
            if name == "Final Report Generation Error":
                imp.report_error = _one_line(message)[:500]
            imp.add(WarningRaised(message=message, kind=kind, round=imp.round), ts)
        elif name == "Final Report Generation":
            imp.finish_round(ts)
            imp.add(PhaseStarted(round=imp.round, phase="report"), ts)
            imp.report_phase = True
        elif name == "Final Research Report":
            imp.finish_round(ts)
            if not imp.report_phase:
                imp.add(PhaseStarted(round=imp.round, phase="report"), ts)
            report = body.strip("\n").rstrip() + "\n"
            imp.add(ReportChunk(text=report), ts)
            imp.add(
                ReportReady(
                    path="report.md", fallback=bool(imp.report_error), reason=imp.report_error
                ),
                ts,
            )
            imp.has_report = True
            imp.report_phase = False
    last_ts = imp.events[-1].timestamp
    imp.finish_round(last_ts)
    imp.add(
        SessionFinished(
            status="done" if imp.has_report else "stopped",
            reason="imported from a research log",
        ),
        last_ts,
    )
    return imp.events


def _score(value: Any) -> float:
    """A search score from an imported log as a plain finite float (0.0 if it is not one):
    a literal like ``10**400`` would overflow ``float()`` and ``1e999`` is infinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    try:
        number = float(value)
    except OverflowError:
        return 0.0
    return number if math.isfinite(number) else 0.0


def _import_results(imp: _Importer, body: str, ts: float) -> None:
    imp.ensure_round(ts)
    f = _fields(body)
    raw = _raw_results(f.get("Raw Results", ""))
    details: dict[str, dict[str, Any]] = {}
    raw_list = raw.get("results") if isinstance(raw.get("results"), list) else []
    for item in raw_list or []:
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            details[item["url"]] = item
    pairs = [
        (m.group("title"), m.group("url"))
        for m in _SOURCE_LINE_RE.finditer(f.get("Formatted Sources", ""))
    ]
    if not pairs:
        pairs = [(str(d.get("title", "")), url) for url, d in details.items()]
    query = imp.pending_query or _one_line(str(raw.get("query", "")))
    ids: list[int] = []
    for title, url in pairs:
        detail = details.get(url, {})
        if ingest.web_url(url) is None:  # javascript:, file:, data: ... never a source
            continue
        if url not in imp.urls:
            imp.urls[url] = len(imp.urls) + 1
            snippet = detail.get("snippet") or detail.get("content") or ""
            imp.add(
                SourceAdded(
                    round=imp.round,
                    source_id=imp.urls[url],
                    url=url,
                    title=_one_line(title),
                    snippet=_one_line(str(snippet))[:SNIPPET_CHARS],
                    query=query,
                    score=_score(detail.get("score", 0.0)),
                ),
                ts,
            )
        if imp.urls[url] not in ids:
            ids.append(imp.urls[url])
    error = _one_line(str(raw.get("error", "")))
    imp.add(
        SearchFinished(round=imp.round, query=query, source_ids=ids, results=len(ids), error=error),
        ts,
    )
    imp.pending_query = ""
