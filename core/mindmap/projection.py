"""Events -> parameterised MERGE writes, shared by both stores.

Every query is our own constant Cypher text plus parameters: event text (topics, page
titles, LLM claims) only ever travels as a parameter value, so "MATCH (n) DETACH DELETE n"
in a web page is stored as a string and nothing else. Writes of one shape are batched into
one ``UNWIND $rows`` MERGE (LadybugDB pays ~0.5 ms per statement, so one event of 40 claims
would otherwise cost 130 statements); a count query before each batch tells how many
nodes/edges were *new* (GraphDelta). Node ids are deterministic (see ``schema``), so
applying an event twice changes nothing: that is what makes ``graph rebuild`` idempotent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from core import events as ev
from core.mindmap import schema


@dataclass(frozen=True)
class Write:
    """One node or relationship to MERGE: what to write, not yet Cypher (see ``batch``)."""

    kind: Literal["node", "edge"]
    target: tuple[str, ...]
    """("Label",) for a node; ("REL", "FromLabel", "ToLabel") for an edge."""
    row: dict[str, Any]
    set_props: tuple[str, ...] = ()
    create_props: tuple[str, ...] = ()


@dataclass(frozen=True)
class Batch:
    """Writes of one shape as two queries over ``$rows``: how many already exist, then MERGE.

    ``new = merged - existing``: an edge whose endpoint is missing is neither, so it counts
    nothing (and is not created). A "delete" batch (forgetting a research) has the same
    two-query shape: how many match, then how many were deleted.
    """

    kind: Literal["node", "edge", "delete"]
    count_cypher: str
    merge_cypher: str
    rows: list[dict[str, Any]] = field(default_factory=list)


def node(
    label: str,
    node_id: str,
    created: float,
    *,
    values: dict[str, Any] | None = None,
    first_values: dict[str, Any] | None = None,
) -> Write:
    """MERGE one node: ``values`` are (re)set every time, ``first_values`` only on create."""
    values = values or {}
    first_values = first_values or {}
    allowed = schema.NODE_TABLES[label]
    for name in (*values, *first_values):
        if name not in allowed:  # our own code's mistake, caught by the tests
            raise KeyError(f"{label} has no property {name!r}")
    row = {"id": node_id, "created": float(created), **values, **first_values}
    return Write("node", (label,), row, tuple(sorted(values)), tuple(sorted(first_values)))


def edge(rel: str, a_label: str, a_id: str, b_label: str, b_id: str, **props: str) -> Write:
    if (a_label, b_label) not in schema.REL_TABLES[rel][0]:
        raise KeyError(f"{rel} does not join {a_label} to {b_label}")
    return Write(
        "edge", (rel, a_label, b_label), {"a": a_id, "b": b_id, **props}, tuple(sorted(props))
    )


def _node_batch(
    label: str,
    set_props: tuple[str, ...],
    create_props: tuple[str, ...],
    rows: list[dict[str, Any]],
) -> Batch:
    on_create = ", ".join(f"n.{p} = row.{p}" for p in ("created", *create_props))
    merge = f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) ON CREATE SET {on_create}"
    if set_props:
        merge += " SET " + ", ".join(f"n.{p} = row.{p}" for p in set_props)
    count = f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) RETURN count(*)"
    return Batch("node", count, merge + " RETURN count(*)", rows)


def _edge_batch(
    target: tuple[str, ...], props: tuple[str, ...], rows: list[dict[str, Any]]
) -> Batch:
    rel, a, b = target
    body = ""
    if props:
        body = " {" + ", ".join(f"{p}: row.{p}" for p in props) + "}"
    ends = f"(a:{a} {{id: row.a}}), (b:{b} {{id: row.b}})"
    count = (
        f"UNWIND $rows AS row MATCH (a:{a} {{id: row.a}})-[r:{rel}{body}]->"
        f"(b:{b} {{id: row.b}}) RETURN count(*)"
    )
    merge = f"UNWIND $rows AS row MATCH {ends} MERGE (a)-[:{rel}{body}]->(b) RETURN count(*)"
    return Batch("edge", count, merge, rows)


def batch(writes: list[Write]) -> list[Batch]:
    """Group writes of one shape (one UNWIND query each); all nodes before any edge.

    Rows are de-duplicated (a node by id, later values winning; an edge by its ends and
    properties), so a batch never MERGEs the same thing twice.
    """
    groups: dict[tuple[Any, ...], dict[Any, dict[str, Any]]] = {}
    for w in writes:
        key = (w.kind != "node", w.target, w.set_props, w.create_props)
        rows = groups.setdefault(key, {})
        ident = w.row["id"] if w.kind == "node" else tuple(sorted(w.row.items()))
        if ident in rows and w.kind == "node":
            rows[ident] = {**rows[ident], **w.row, "created": rows[ident]["created"]}
        else:
            rows[ident] = w.row
    out = []
    for (is_edge, target, set_props, create_props), rows in sorted(
        groups.items(),
        key=lambda item: item[0][0],  # stable: nodes first, order kept
    ):
        if is_edge:
            out.append(_edge_batch(target, set_props, list(rows.values())))
        else:
            out.append(_node_batch(target[0], set_props, create_props, list(rows.values())))
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _confidence(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    if math.isnan(number):
        return 0.0
    return min(1.0, max(0.0, number))


def _session(event: ev.Event) -> Write:
    return node(
        "Session",
        event.session_id,
        event.timestamp,
        first_values={
            "session_id": event.session_id,
            "status": "running",
        },
    )


def writes_for(event: ev.Event) -> list[Write]:
    """The writes one event implies, in order (nodes before the edges that join them)."""
    sid = event.session_id
    if not sid:
        return []
    ts = event.timestamp
    if isinstance(event, ev.SessionStarted):
        return _session_started(event)
    if isinstance(event, ev.PlanReady):
        return _plan_ready(event)
    if isinstance(event, ev.SourceAdded):
        src = schema.source_id(sid, event.source_id)
        return [
            _session(event),
            node(
                "Source",
                src,
                ts,
                values={
                    "session_id": sid,
                    "round": _int(event.round),
                    "source_id": _int(event.source_id),
                    "url": _text(event.url),
                    "title": _text(event.title),
                    "snippet": _text(event.snippet),
                    "query": _text(event.query),
                    "score": float(event.score or 0.0),
                },
            ),
            edge("HAS_SOURCE", "Session", sid, "Source", src),
        ]
    if isinstance(event, ev.SynthesisReady):
        return _synthesis(event)
    if isinstance(event, ev.EvidenceChecked):
        return _evidence_checked(event)
    if isinstance(event, ev.SessionFinished):
        return [
            node(
                "Session",
                sid,
                ts,
                values={"status": _text(event.status)},
                first_values={"session_id": sid},
            )
        ]
    return []


def _session_started(event: ev.SessionStarted) -> list[Write]:
    sid, ts = event.session_id, event.timestamp
    key = schema.bounded_key(event.topic)
    tid = schema.topic_id(event.topic)
    return [
        node("Topic", tid, ts, first_values={"key": key, "name": event.topic.strip()}),
        node(
            "Session",
            sid,
            ts,
            values={
                "session_id": sid,
                "topic": event.topic,
                "topic_key": key,
                "model": _text(event.model),
                "language": _text(event.language),
                "rounds": _int(event.rounds),
                "status": "running",
            },
        ),
        edge("HAS_SESSION", "Topic", tid, "Session", sid),
    ]


def _step(event: ev.Event, round_no: int, kind: str, content: str, queries: str = "") -> Write:
    sid = event.session_id
    return node(
        "ReasoningStep",
        schema.step_id(sid, round_no, kind),
        event.timestamp,
        values={
            "session_id": sid,
            "round": round_no,
            "kind": kind,
            "ord": schema.STEP_KINDS.index(kind),
            "content": content,
            "queries": queries,
        },
    )


def _leads(sid: str, a: tuple[int, str], b: tuple[int, str]) -> Write:
    return edge(
        "LEADS_TO",
        "ReasoningStep",
        schema.step_id(sid, *a),
        "ReasoningStep",
        schema.step_id(sid, *b),
    )


def _plan_ready(event: ev.PlanReady) -> list[Write]:
    sid, n = event.session_id, _int(event.round)
    out = [_session(event)]
    texts = {"plan": event.plan, "execution": event.execution, "reflection": event.reflection}
    for kind, text in texts.items():
        queries = "\n".join(_text(q) for q in event.queries) if kind == "plan" else ""
        out.append(_step(event, n, kind, _text(text), queries))
        out.append(edge("HAS_STEP", "Session", sid, "ReasoningStep", schema.step_id(sid, n, kind)))
    out.append(_leads(sid, (n, "plan"), (n, "execution")))
    out.append(_leads(sid, (n, "execution"), (n, "reflection")))
    out.append(_leads(sid, (n, "reflection"), (n, "synthesis")))  # if synthesis came first
    out.append(_leads(sid, (n - 1, "synthesis"), (n, "plan")))
    return out


def _evidence_checked(event: ev.EvidenceChecked) -> list[Write]:
    """Each check's verdict and score onto its evidence node (``checks[i]`` is about the
    round's evidence ``idx`` i, the ids ``_synthesis`` gave them)."""
    sid, n = event.session_id, _int(event.round)
    out = []
    for idx, check in enumerate(event.checks):
        if not isinstance(check, dict):
            continue
        score = check.get("score")
        out.append(
            node(
                "Evidence",
                schema.evidence_id(sid, n, idx),
                event.timestamp,
                values={
                    "verdict": _text(check.get("verdict")) or "unchecked",
                    "score": float(score) if isinstance(score, int | float) else 0.0,
                },
                first_values={"session_id": sid, "round": n, "idx": idx},
            )
        )
    return out


def _synthesis(event: ev.SynthesisReady) -> list[Write]:
    sid, n, ts = event.session_id, _int(event.round), event.timestamp
    syn = schema.step_id(sid, n, "synthesis")
    out = [
        _session(event),
        _step(event, n, "synthesis", _text(event.summary)),
        edge("HAS_STEP", "Session", sid, "ReasoningStep", syn),
        _leads(sid, (n, "reflection"), (n, "synthesis")),
        _leads(sid, (n, "synthesis"), (n + 1, "plan")),
    ]
    for idx, item in enumerate(event.evidence):
        if not isinstance(item, dict) or not _text(item.get("claim")).strip():
            continue
        eid = schema.evidence_id(sid, n, idx)
        out.append(
            node(
                "Evidence",
                eid,
                ts,
                values={
                    "session_id": sid,
                    "round": n,
                    "idx": idx,
                    "claim": _text(item.get("claim")).strip(),
                    "confidence": _confidence(item.get("confidence")),
                    "quote": _text(item.get("quote")),
                },
                first_values={"verdict": "unchecked", "score": 0.0},
            )
        )
        out.append(edge("HAS_EVIDENCE", "Session", sid, "Evidence", eid))
        ids = item.get("source_ids") or []
        for number in ids if isinstance(ids, list) else []:
            if isinstance(number, bool) or _int(number, -1) < 0:
                continue
            out.append(
                edge("SUPPORTED_BY", "Evidence", eid, "Source", schema.source_id(sid, _int(number)))
            )
    names: list[str] = [_text(c) for c in event.concepts]
    relations = [r for r in event.relations if isinstance(r, dict)]
    for rel in relations:
        names += [_text(rel.get("source")), _text(rel.get("target"))]
    seen: set[str] = set()
    for name in names:
        key = schema.bounded_key(name)
        if not key or key in seen:
            continue
        seen.add(key)
        cid = schema.concept_id(name)
        out.append(
            node(
                "Concept",
                cid,
                ts,
                first_values={
                    "session_id": sid,
                    "key": key,
                    "name": " ".join(name.split()),
                },
            )
        )
        out.append(edge("MENTIONS", "ReasoningStep", syn, "Concept", cid))
    for rel in relations:
        a, b = _text(rel.get("source")), _text(rel.get("target"))
        if not schema.normalise(a) or not schema.normalise(b):
            continue
        out.append(
            edge(
                "RELATED_TO",
                "Concept",
                schema.concept_id(a),
                "Concept",
                schema.concept_id(b),
                relation=" ".join(_text(rel.get("relation")).split()) or "related to",
            )
        )
    for idx, question in enumerate(event.questions):
        text = _text(question).strip()
        if not text:
            continue
        qid = schema.question_id(sid, n, idx)
        out.append(
            node(
                "Question",
                qid,
                ts,
                values={
                    "session_id": sid,
                    "round": n,
                    "idx": idx,
                    "text": text,
                },
            )
        )
        out.append(edge("HAS_QUESTION", "Session", sid, "Question", qid))
    return out


def count_new(batches: list[Batch], results: list[tuple[int, int]]) -> tuple[int, int]:
    """(new nodes, new edges) from each batch's (existing, merged) counts."""
    nodes = edges = 0
    for b, (existing, merged) in zip(batches, results, strict=True):
        if b.kind == "node":
            nodes += max(0, merged - existing)
        else:
            edges += max(0, merged - existing)
    return nodes, edges
