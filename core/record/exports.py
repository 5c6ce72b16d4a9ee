"""Writing a research's export to a file the user keeps.

Exports land in ``<data dir>/exports/``, not in the session's own folder: deleting a research
must not take with it what the user exported from it. The file name starts with the topic so
a folder of exports can be read at a glance, and ends with the session id so two researches
on one topic never overwrite each other.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core import ingest
from core.atomic import SHARED, write_atomic
from core.events import to_dict
from core.redaction import scrub, secret_values
from core.sessions import SessionHandle, SessionStore
from core.state import SessionState

if TYPE_CHECKING:
    from core.config import Config

_NOT_WORD = re.compile(r"[^\w]+")


def export_name(topic: str, session_id: str, fmt: str) -> str:
    """``solid-state-batteries-20261123-120000-ab12.md``: a file name safe everywhere."""
    ascii_topic = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode()
    slug = _NOT_WORD.sub("-", ascii_topic.lower()).strip("-_")[:50].rstrip("-_")
    return f"{slug}-{session_id}.{fmt}" if slug else f"{session_id}.{fmt}"


def write_export(config: Config, session_id: str, fmt: Literal["md", "json"]) -> Path:
    """Export one research (configured secrets scrubbed) and return the file written."""
    handle = SessionStore(config.sessions_dir).open(session_id)
    text = export_session(handle, fmt, secret_values=secret_values(config))
    folder = config.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / export_name(handle.read_info().topic, handle.id, fmt)
    return write_atomic(path, text, mode=SHARED)


def _sources_md(state: SessionState) -> str:
    lines = ["## Sources", ""]
    for source_id, source in sorted(state.sources.items()):
        url = ingest.md_url(source.url)
        via = f" — via {ingest.md_inline(source.provider)}" if source.provider else ""
        lines.append(f"{source_id}. [{ingest.md_inline(source.title) or url}]({url}){via}")
    return "\n".join(lines) + "\n"


def _qa_md(state: SessionState) -> str:
    """Follow-up questions and their checked answers (``deepresearch-tui ask``)."""
    if not state.qa:
        return ""
    parts = ["## Follow-up questions\n"]
    for qa in state.qa:
        parts.append(f"### {qa.question}\n\n{qa.answer or '(no answer: ' + qa.error + ')'}\n")
        for item in qa.quotes:
            parts.append(f'- [{item["source_id"]}] {item["verdict"]}: "{item["quote"]}"')
        parts.append("")
    return "\n".join(parts) + "\n"


def _cost_md(state: SessionState) -> str:
    """The summary line at the end: what the research cost and what it used."""
    from core.cost.prices import format_usd

    why = []
    if state.cost_estimated:
        why.append("some calls priced at today's list prices")
    if state.usage_estimated:
        why.append("a server reported no token usage, so tokens were counted from the text")
    note = f" (estimated: {'; '.join(why)})" if why else ""
    return (
        f"\n---\n\nCost: {format_usd(state.cost_usd)}{note} · {state.llm_calls} LLM calls · "
        f"{state.tokens_in:,} tokens in, {state.tokens_out:,} out\n"
    )


def _report_text(handle: SessionHandle, state: SessionState) -> str:
    try:
        text = handle.report_path.read_text("utf-8")
        if text.strip():
            return text
    except OSError:
        pass
    if state.report.strip():
        return state.report
    lines = [f"# {state.topic or handle.id}", ""]
    if state.summary:
        lines += [state.summary.strip(), ""]
    if state.evidence:
        lines += ["## Evidence", ""]
        for item in state.evidence:
            cites = "".join(f"[{i}]" for i in item.source_ids if i in state.sources)
            lines.append(f"- {item.claim} {cites}".rstrip())
        lines.append("")
    return "\n".join(lines)


def export_session(
    handle: SessionHandle,
    fmt: Literal["md", "json"],
    *,
    secret_values: Iterable[str] = (),
) -> str:
    """The session as Markdown (report + every source) or JSON (info, state, events).

    Events never hold API keys; ``secret_values`` (e.g. the configured keys) are scrubbed
    anyway, as a second line of defence.
    """
    state = handle.state()
    if fmt == "md":
        text = _report_text(handle, state).rstrip() + "\n\n" + _qa_md(state) + _sources_md(state)
        text += _cost_md(state)
    elif fmt == "json":
        events = handle.load_events()
        info = handle.read_info()
        payload = {
            "info": info.to_dict(),
            "state summary": {
                "topic": state.topic,
                "status": state.status,
                "status_reason": state.status_reason,
                "rounds_done": state.completed_rounds(),
                "rounds_planned": state.rounds_planned,
                "summary": state.summary,
                "questions": state.questions,
                "concepts": state.concepts,
                "report_path": state.report_path,
                "report_fallback": state.report_fallback,
                "llm_calls": state.llm_calls,
                "tokens_in": state.tokens_in,
                "tokens_out": state.tokens_out,
                "cost_usd": round(state.cost_usd, 6),
                "cost_estimated": state.cost_estimated,
                "usage_estimated": state.usage_estimated,
                "warnings": [w.message for w in state.warnings],
                "errors": [f"{e.kind}: {e.message}" for e in state.errors],
                "results_dropped": state.results_dropped,
            },
            "sources": [
                {k: v for k, v in to_dict(s).items() if k not in ("type", "session_id", "seq")}
                for _, s in sorted(state.sources.items())
            ],
            "evidence": [item.to_dict() for item in state.evidence],
            "questions_asked": [dataclasses.asdict(qa) for qa in state.qa],
            "events": [to_dict(e) for e in events],
        }
        text = json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    else:
        raise ValueError(f"unknown export format {fmt!r} (use md or json)")
    # Saved text from outside may predate the ingest door: an export never carries
    # terminal control sequences either way.
    return scrub(ingest.safe(text), secret_values)
