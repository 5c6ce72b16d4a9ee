"""What both stores share: the projection write path and every read the app makes.

Subclasses supply four primitives (trusted reads, one write transaction, a read-only run of
checked user Cypher, and two dialect expressions); every query here is our own constant
text with parameters and runs unchanged on LadybugDB and Neo4j. The only dialect gaps we
hit are ``labels(n)`` (a string in Ladybug, a list in Neo4j) and ``type(r)`` (``label(r)``
in Ladybug), hidden behind ``_label_of`` / ``_type_of``.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from core.events import Event, SessionFinished, SessionStarted
from core.mindmap import schema
from core.mindmap.base import (
    GraphDelta,
    GraphStats,
    MindMapContext,
    Neighbour,
    NodeDetail,
    NodeRef,
    Page,
    QueryResult,
)
from core.mindmap.guard import check_read_only
from core.mindmap.projection import Batch, Write, batch, count_new, writes_for

log = logging.getLogger(__name__)

_TOPIC_SESSIONS = "MATCH (t:Topic {id: $tid})-[:HAS_SESSION]->(s:Session)"
_Q_TOPIC_SESSIONS = (
    _TOPIC_SESSIONS + " RETURN s.id, "
    "COUNT { MATCH (s)-[:HAS_EVIDENCE]->(:Evidence) }, "
    "COUNT { MATCH (s)-[:HAS_STEP]->(:ReasoningStep) }, "
    "COUNT { MATCH (s)-[:HAS_QUESTION]->(:Question) } "
    "ORDER BY s.created DESC, s.id DESC"
)
"""The topic's researches, newest first, with how many facts, steps and questions each
holds: cheap counts (no property is read) that let each context query below read only the
newest researches that can fill it, instead of sorting every item the topic ever had."""
_IN_SESSIONS = "MATCH (s:Session) WHERE s.id IN $sids"
_Q_FACTS = (
    _IN_SESSIONS + " MATCH (s)-[:HAS_EVIDENCE]->(e:Evidence) "
    "RETURN e.claim, e.confidence ORDER BY e.created DESC, e.round DESC, e.idx LIMIT $n"
)
_Q_STEPS = (
    _IN_SESSIONS + " MATCH (s)-[:HAS_STEP]->(st:ReasoningStep) "
    "WHERE st.kind IN $kinds AND st.content <> '' "
    "RETURN st.kind, st.content ORDER BY st.created DESC, st.round DESC LIMIT $n"
)
"""Reflections and plans in one query: a round has one of each, so the newest ``2n`` steps
of the two kinds hold the newest ``n`` of each."""
_Q_QUESTIONS = (
    _IN_SESSIONS + " MATCH (s)-[:HAS_QUESTION]->(q:Question) "
    "RETURN q.text ORDER BY q.created DESC, q.round DESC, q.idx LIMIT $n"
)
_Q_CONCEPTS = (
    _IN_SESSIONS + " MATCH (s)-[:HAS_STEP]->(:ReasoningStep)-[:MENTIONS]->(c:Concept) "
    "RETURN c.name, count(*) AS mentions ORDER BY mentions DESC, c.name LIMIT $n"
)
"""The concepts the newest steps mention most, counted in one pass over those steps (no
second hop to every relation a shared concept has across all topics)."""
_Q_PRIOR = _TOPIC_SESSIONS + "-[:HAS_EVIDENCE]->(e:Evidence) RETURN count(e)"

_OWNED_BY_SESSION = (
    ("HAS_STEP", "ReasoningStep"),
    ("HAS_EVIDENCE", "Evidence"),
    ("HAS_SOURCE", "Source"),
    ("HAS_QUESTION", "Question"),
)
"""The nodes a research owns outright (topics and concepts are shared between researches)."""


def _deletion(match: str, rows: list[dict[str, Any]]) -> Batch:
    """A write batch that DETACH DELETEs what ``match`` (over ``UNWIND $rows AS row``)
    binds to ``n``; the pair ``_write`` returns is (matched before, deleted)."""
    head = f"UNWIND $rows AS row {match}"
    return Batch(
        "delete", f"{head} RETURN count(n)", f"{head} DETACH DELETE n RETURN count(*)", rows
    )


ENTRY_CHARS = 500
"""Longest single context entry (a long plan is cut, not dropped)."""


def _clip(text: str, size: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _first_line(text: str, size: int = 90) -> str:
    for line in str(text).splitlines():
        line = line.strip(" #*-\t")
        if line:
            return _clip(line, size)
    return ""


def node_title(label: str, values: dict[str, Any]) -> str:
    """The Tree's one-line label for a node of ours."""
    if label == "Session":
        created = values.get("created")
        when = ""
        if isinstance(created, int | float) and created > 0:
            when = datetime.fromtimestamp(created).strftime("%Y-%m-%d %H:%M") + " · "
        return f"{when}{values.get('id')} · {values.get('status') or '?'}"
    if label == "ReasoningStep":
        kind = str(values.get("kind") or "step").capitalize()
        line = _first_line(values.get("content") or "")
        return f"{kind}: {line}" if line else kind
    if label == "Source":
        return _clip(f"[{values.get('source_id')}] {values.get('title') or values.get('url')}", 120)
    if label == "Evidence":
        return _clip(str(values.get("claim") or ""), 120)
    if label == "Question":
        return _clip(str(values.get("text") or ""), 120)
    return _clip(str(values.get("name") or values.get("id") or ""), 120)


def fit_context(ctx: MindMapContext, budget_chars: int) -> MindMapContext:
    """Keep the newest entries of every section, taken in turns, until the budget is used.

    Turns (two facts per turn) stop one long section from starving the others.
    """
    sections = [ctx.facts, ctx.reflections, ctx.plans, ctx.questions, ctx.concepts]
    kept: list[list[str]] = [[] for _ in sections]
    used = sum(
        len(t) + 8
        for t in (
            "Facts found",
            "Previous reflections",
            "Previous plans",
            "Open questions",
            "Most-connected concepts",
        )
    )
    cursors = [0] * len(sections)
    progress = True
    while progress:
        progress = False
        for i, rows in enumerate(sections):
            for _ in range(2 if i == 0 else 1):
                if cursors[i] >= len(rows):
                    break
                row = rows[cursors[i]]
                if used + len(row) + 3 > budget_chars:
                    cursors[i] = len(rows)
                    break
                kept[i].append(row)
                used += len(row) + 3
                cursors[i] += 1
                progress = True
    return MindMapContext(*kept)


def _dedupe(rows: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for row in rows:
        key = schema.normalise(row)
        if key and key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _newest(sessions: list[tuple[str, int, int, int]], column: int, want: int) -> list[str]:
    """Ids of the newest researches (``sessions`` is newest first) that together hold at
    least ``want`` items of ``column`` (all of them when even that is too few).

    Items are read newest first, and a research's items are newer than an older one's
    (researches of a topic run one after another), so older researches cannot add to the
    newest ``want``: the query sorts one research's items, not the topic's thousands.
    """
    out: list[str] = []
    held = 0
    for row in sessions:
        out.append(row[0])
        held += row[column]
        if held >= want:
            break
    return out


class CypherGraphStore(ABC):
    """Base of LadybugStore and Neo4jStore (implements the MindMapStore protocol)."""

    backend: str = ""
    location: str = ""
    read_only: bool = False

    # --- primitives the subclasses provide ---------------------------------------------

    @abstractmethod
    def _rows(self, cypher: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
        """Run one trusted (our own) read query."""

    @abstractmethod
    def _write(self, batches: list[Batch]) -> list[tuple[int, int]]:
        """Run the batches in one transaction, serialised: (existing, merged) per batch."""

    @abstractmethod
    def _run_read_only(
        self, cypher: str, params: dict[str, Any], *, timeout_s: float, max_rows: int
    ) -> tuple[list[str], list[list[Any]]]:
        """Run checked user Cypher in a read-only transaction with a timeout."""

    @abstractmethod
    def _label_of(self, var: str) -> str:
        """Cypher expression for a node's (first) label."""

    @abstractmethod
    def _type_of(self, var: str) -> str:
        """Cypher expression for a relationship's type."""

    @abstractmethod
    def close(self) -> None:
        """Release the database (connections, driver)."""

    # --- writes ------------------------------------------------------------------------

    def apply(self, event: Event) -> GraphDelta:
        writes = writes_for(event)
        if not writes:
            return GraphDelta()
        if self.read_only:
            log.debug("read-only mind map: %s not projected", event.type)
            return GraphDelta()
        batches = batch(writes)
        nodes, edges = count_new(batches, self._write(batches))
        return GraphDelta(nodes=nodes, edges=edges)

    def apply_many(self, events: Iterable[Event], *, chunk: int = 200) -> GraphDelta:
        """``apply`` for a replay (``graph rebuild``): many events per transaction.

        Same result as applying one by one (MERGE on deterministic ids); session lifecycle
        events start a new chunk so a session's status ends as its last event says.
        """
        nodes = edges = 0
        pending: list[Write] = []
        count = 0

        def flush() -> None:
            nonlocal nodes, edges, pending, count
            if pending and not self.read_only:
                batches = batch(pending)
                n, e = count_new(batches, self._write(batches))
                nodes, edges = nodes + n, edges + e
            pending, count = [], 0

        for event in events:
            lifecycle = isinstance(event, SessionStarted | SessionFinished)
            if lifecycle:
                flush()
            pending += writes_for(event)
            count += 1
            if lifecycle or count >= chunk:
                flush()
        flush()
        return GraphDelta(nodes=nodes, edges=edges)

    # --- engine context ----------------------------------------------------------------

    def context(self, topic: str, *, budget_chars: int = 3000) -> MindMapContext:
        tid = schema.topic_id(topic)
        n = max(5, min(200, budget_chars // 60))
        sessions = [
            (str(sid), int(facts), int(steps), int(questions))
            for sid, facts, steps, questions in self._rows(_Q_TOPIC_SESSIONS, {"tid": tid})
        ]
        if not sessions:
            return MindMapContext()

        def rows(
            query: str, column: int, want: int, per_item: int = 1, **params: Any
        ) -> list[list[Any]]:
            """The newest ``want`` rows of ``query``, read from the newest researches holding
            ``want * per_item`` items of ``column``; from all of them when that prefix turns
            out short (steps of two kinds among the four)."""
            sids = _newest(sessions, column, want * per_item)
            found = self._rows(query, {"sids": sids, "n": want, **params})
            if len(found) < want and len(sids) < len(sessions):
                every = [row[0] for row in sessions]
                found = self._rows(query, {"sids": every, "n": want, **params})
            return found

        facts = []
        for claim, confidence in rows(_Q_FACTS, 1, n):
            text = _clip(claim, ENTRY_CHARS)
            if isinstance(confidence, int | float) and confidence > 0:
                text += f" (confidence {confidence:.2f})"
            facts.append(text)
        kinds = ("reflection", "plan")
        per_round = len(schema.STEP_KINDS)  # a round's steps: one of each of four kinds
        steps: dict[str, list[str]] = {kind: [] for kind in kinds}
        for kind, content in rows(_Q_STEPS, 2, 2 * n, per_round // 2, kinds=list(kinds)):
            if len(steps[kind]) < n:
                steps[kind].append(_clip(content, ENTRY_CHARS))
        questions = [_clip(r[0], ENTRY_CHARS) for r in rows(_Q_QUESTIONS, 3, n)]
        concept_sids = _newest(sessions, 2, n * per_round)  # the concepts of those steps
        concepts = [
            f"{name} ({mentions} mention{'' if mentions == 1 else 's'})"
            for name, mentions in self._rows(_Q_CONCEPTS, {"sids": concept_sids, "n": min(n, 30)})
        ]
        ctx = MindMapContext(
            facts=_dedupe(facts),
            reflections=steps["reflection"],
            plans=steps["plan"],
            questions=_dedupe(questions),
            concepts=concepts,
        )
        return fit_context(ctx, budget_chars)

    def prior_evidence(self, topic: str) -> int:
        rows = self._rows(_Q_PRIOR, {"tid": schema.topic_id(topic)})
        return int(rows[0][0]) if rows else 0

    # --- tree --------------------------------------------------------------------------

    def _refs(self, label: str, ids: list[str]) -> dict[str, NodeRef]:
        """NodeRefs (with child counts) for ids of one label, in one or two queries."""
        if not ids:
            return {}
        props = ("id", *[p for p in schema.TITLE_PROPS[label] if p != "id"], "created")
        cols = ", ".join(f"n.{p}" for p in props)
        rows = self._rows(f"MATCH (n:{label}) WHERE n.id IN $ids RETURN {cols}", {"ids": ids})
        counts = self._child_counts(label, ids)
        out = {}
        for row in rows:
            values = dict(zip(props, row, strict=True))
            nid = str(values["id"])
            out[nid] = NodeRef(nid, label, node_title(label, values), counts.get(nid, 0))
        return out

    def _child_counts(self, label: str, ids: list[str]) -> dict[str, int]:
        queries = {
            "Topic": "MATCH (n:Topic)-[:HAS_SESSION]->(x:Session) WHERE n.id IN $ids "
            "RETURN n.id, count(x)",
            "Session": "MATCH (n:Session)-[:HAS_STEP]->(x:ReasoningStep) WHERE n.id IN $ids "
            "RETURN n.id, count(DISTINCT x.round)",
            "Evidence": "MATCH (n:Evidence)-[:SUPPORTED_BY]->(x:Source) WHERE n.id IN $ids "
            "RETURN n.id, count(x)",
            "Concept": "MATCH (n:Concept)-[:RELATED_TO]-(x:Concept) WHERE n.id IN $ids "
            "RETURN n.id, count(DISTINCT x.id)",
        }
        query = queries.get(label)
        if not query:
            return {}
        return {str(r[0]): int(r[1]) for r in self._rows(query, {"ids": ids})}

    def _ordered(self, label: str, ids: list[str]) -> list[NodeRef]:
        refs = self._refs(label, ids)
        return [refs[i] for i in ids if i in refs]

    def roots(self) -> list[NodeRef]:
        rows = self._rows("MATCH (t:Topic) RETURN t.id ORDER BY t.created DESC, t.id")
        return self._ordered("Topic", [str(r[0]) for r in rows])

    def label_of(self, node_id: str) -> str | None:
        """A node's label: from the id's shape when it is one of ours, else by lookup."""
        guess = schema.guess_label(node_id)
        if guess == schema.ROUND_LABEL:
            return guess if schema.parse_round_id(node_id) else None
        candidates = ([guess] if guess else []) + [x for x in schema.NODE_LABELS if x != guess]
        for label in candidates:
            if self._rows(f"MATCH (n:{label} {{id: $id}}) RETURN count(n)", {"id": node_id})[0][0]:
                return label
        return None

    def children(self, node_id: str, *, offset: int = 0, limit: int = 50) -> Page:
        offset, limit = max(0, int(offset)), max(0, int(limit))
        label = self.label_of(node_id)
        if label == schema.ROUND_LABEL:
            sid, number = schema.parse_round_id(node_id) or ("", 0)
            return self._round_children(sid, number, offset, limit)
        if label == "Session":
            return self._session_children(node_id, offset, limit)
        simple = {
            "Topic": (
                "MATCH (p:Topic {id: $id})-[:HAS_SESSION]->(n:Session)",
                "Session",
                "n.created DESC, n.id",
            ),
            "Evidence": (
                "MATCH (p:Evidence {id: $id})-[:SUPPORTED_BY]->(n:Source)",
                "Source",
                "n.source_id, n.id",
            ),
        }
        if label in simple:
            pattern, child_label, order = simple[label]
            total = int(self._rows(pattern + " RETURN count(n)", {"id": node_id})[0][0])
            rows = self._rows(
                pattern + f" RETURN n.id ORDER BY {order} SKIP $skip LIMIT $lim",
                {"id": node_id, "skip": offset, "lim": limit},
            )
            return Page(self._ordered(child_label, [str(r[0]) for r in rows]), total, offset)
        if label == "Concept":
            return self._concept_children(node_id, offset, limit)
        return Page([], 0, offset)

    def _concept_children(self, node_id: str, offset: int, limit: int) -> Page:
        pattern = "MATCH (p:Concept {id: $id})-[r:RELATED_TO]-(n:Concept)"
        total = int(self._rows(pattern + " RETURN count(DISTINCT n.id)", {"id": node_id})[0][0])
        rows = self._rows(
            pattern + " RETURN n.id, n.name, collect(DISTINCT r.relation) AS rels "
            "ORDER BY n.name, n.id SKIP $skip LIMIT $lim",
            {"id": node_id, "skip": offset, "lim": limit},
        )
        ids = [str(r[0]) for r in rows]
        counts = self._child_counts("Concept", ids)
        items = [
            NodeRef(
                str(nid),
                "Concept",
                _clip(f"{name} — {', '.join(sorted(map(str, rels)))}", 120),
                counts.get(str(nid), 0),
            )
            for nid, name, rels in rows
        ]
        return Page(items, total, offset)

    def _session_rounds(self, sid: str) -> dict[int, int]:
        """round -> number of children that round's group node has."""
        counts: dict[int, int] = {}
        for rel, label in (
            ("HAS_STEP", "ReasoningStep"),
            ("HAS_EVIDENCE", "Evidence"),
            ("HAS_QUESTION", "Question"),
        ):
            for rnd, cnt in self._rows(
                f"MATCH (s:Session {{id: $id}})-[:{rel}]->(x:{label}) RETURN x.round, count(x)",
                {"id": sid},
            ):
                counts[int(rnd)] = counts.get(int(rnd), 0) + int(cnt)
        for rnd, cnt in self._rows(
            "MATCH (s:Session {id: $id})-[:HAS_STEP]->(x:ReasoningStep)-[:MENTIONS]->(c:Concept) "
            "RETURN x.round, count(DISTINCT c.id)",
            {"id": sid},
        ):
            counts[int(rnd)] = counts.get(int(rnd), 0) + int(cnt)
        return counts

    def _session_children(self, sid: str, offset: int, limit: int) -> Page:
        counts = self._session_rounds(sid)
        rounds = sorted(counts)
        items = [
            NodeRef(schema.round_id(sid, k), schema.ROUND_LABEL, f"Round {k}", counts[k])
            for k in rounds[offset : offset + limit]
        ]
        return Page(items, len(rounds), offset)

    def _round_children(self, sid: str, number: int, offset: int, limit: int) -> Page:
        base = "MATCH (s:Session {id: $sid})"
        parts = [
            (
                "ReasoningStep",
                base + "-[:HAS_STEP]->(n:ReasoningStep) WHERE n.round = $r",
                "n.ord, n.id",
                False,
            ),
            (
                "Evidence",
                base + "-[:HAS_EVIDENCE]->(n:Evidence) WHERE n.round = $r",
                "n.idx, n.id",
                False,
            ),
            (
                "Concept",
                base + "-[:HAS_STEP]->(st:ReasoningStep)-[:MENTIONS]->(n:Concept) "
                "WHERE st.round = $r",
                "n.name, n.id",
                True,
            ),
            (
                "Question",
                base + "-[:HAS_QUESTION]->(n:Question) WHERE n.round = $r",
                "n.idx, n.id",
                False,
            ),
        ]
        params = {"sid": sid, "r": int(number)}
        items: list[NodeRef] = []
        total = 0
        want_from, want_to = offset, offset + limit
        for label, pattern, order, distinct in parts:
            count_expr = "count(DISTINCT n.id)" if distinct else "count(n)"
            size = int(self._rows(pattern + f" RETURN {count_expr}", params)[0][0])
            lo, hi = max(want_from - total, 0), min(want_to - total, size)
            if hi > lo:
                ret = "RETURN DISTINCT n.id, n.name" if distinct else "RETURN n.id"
                rows = self._rows(
                    pattern + f" {ret} ORDER BY {order} SKIP $skip LIMIT $lim",
                    {**params, "skip": lo, "lim": hi - lo},
                )
                items += self._ordered(label, [str(r[0]) for r in rows])
            total += size
        return Page(items, total, offset)

    def node(self, node_id: str) -> NodeDetail | None:
        label = self.label_of(node_id)
        if label is None:
            return None
        if label == schema.ROUND_LABEL:
            sid, number = schema.parse_round_id(node_id) or ("", 0)
            count = self._session_rounds(sid).get(number, 0)
            ref = NodeRef(node_id, label, f"Round {number}", count)
            session = self._ordered("Session", [sid])
            neighbours = [Neighbour("IN_SESSION", "in", s) for s in session]
            return NodeDetail(ref, {"session_id": sid, "round": number}, neighbours)
        props = tuple(schema.NODE_TABLES[label])
        cols = ", ".join(f"n.{p}" for p in props)
        rows = self._rows(f"MATCH (n:{label} {{id: $id}}) RETURN {cols}", {"id": node_id})
        if not rows:
            return None
        values = {k: v for k, v in zip(props, rows[0], strict=True) if v is not None}
        ref = self._ordered(label, [node_id])[0]
        neighbours: list[Neighbour] = []
        for direction, pattern in (("out", "(n)-[r]->(m)"), ("in", "(n)<-[r]-(m)")):
            found = self._rows(
                f"MATCH (n:{label} {{id: $id}}) MATCH {pattern} "
                f"RETURN {self._type_of('r')}, m.id, {self._label_of('m')} LIMIT 200",
                {"id": node_id},
            )
            by_label: dict[str, list[str]] = {}
            for _rel, mid, mlabel in found:
                by_label.setdefault(str(mlabel), []).append(str(mid))
            refs: dict[str, NodeRef] = {}
            for mlabel, ids in by_label.items():
                if mlabel in schema.NODE_TABLES:
                    refs.update(self._refs(mlabel, ids))
            for rel, mid, _mlabel in found:
                if str(mid) in refs:
                    neighbours.append(Neighbour(str(rel), direction, refs[str(mid)]))
        return NodeDetail(ref, values, neighbours)

    # --- forgetting a deleted research ---------------------------------------------------

    def session_ids(self) -> set[str]:
        return {str(r[0]) for r in self._rows("MATCH (s:Session) RETURN s.id")}

    def forget_session(self, session_id: str) -> int:
        """Delete the research's own nodes (steps, evidence, sources, questions, session),
        then its topic and concepts if no other research refers to them, in one transaction.

        Without this a deleted research would live on in the graph, and its findings would
        return as context the next time anyone researches that topic.
        """
        if self.read_only:
            raise RuntimeError(f"The mind map at {self.location} is open read-only")
        sid = {"id": session_id}
        topics = self._rows(
            "MATCH (t:Topic)-[:HAS_SESSION]->(s:Session {id: $id}) RETURN t.id", sid
        )
        concepts = self._rows(
            "MATCH (s:Session {id: $id})-[:HAS_STEP]->(:ReasoningStep)-[:MENTIONS]->(c:Concept) "
            "RETURN DISTINCT c.id",
            sid,
        )
        steps = [
            _deletion(
                f"MATCH (s:Session {{id: row.id}})-[:{rel}]->(n:{label})", [{"id": session_id}]
            )
            for rel, label in _OWNED_BY_SESSION
        ]
        steps.append(_deletion("MATCH (n:Session {id: row.id})", [{"id": session_id}]))
        if topics:
            steps.append(
                _deletion(
                    "MATCH (n:Topic {id: row.id}) "
                    "WHERE NOT EXISTS { MATCH (n)-[:HAS_SESSION]->(:Session) }",
                    [{"id": str(r[0])} for r in topics],
                )
            )
        if concepts:
            steps.append(
                _deletion(
                    "MATCH (n:Concept {id: row.id}) "
                    "WHERE NOT EXISTS { MATCH (:ReasoningStep)-[:MENTIONS]->(n) }",
                    [{"id": str(r[0])} for r in concepts],
                )
            )
        return sum(removed for _before, removed in self._write(steps))

    # --- stats, queries, export ----------------------------------------------------------

    def stats(self) -> GraphStats:
        nodes = {
            label: int(self._rows(f"MATCH (n:{label}) RETURN count(n)")[0][0])
            for label in schema.NODE_LABELS
        }
        relations = {
            rel: int(self._rows(f"MATCH ()-[r:{rel}]->() RETURN count(r)")[0][0])
            for rel in schema.REL_TYPES
        }
        return GraphStats(self.backend, self.location, nodes, relations)

    def run_read_query(
        self,
        cypher: str,
        params: dict[str, Any] | None = None,
        *,
        limit: int = 200,
        timeout_s: float = 10.0,
    ) -> QueryResult:
        checked = check_read_only(cypher, limit=limit + 1)  # one more: to see a cut
        columns, rows = self._run_read_only(
            checked, dict(params or {}), timeout_s=timeout_s, max_rows=limit + 1
        )
        truncated = len(rows) > limit
        return QueryResult(columns, [[plain(v) for v in row] for row in rows[:limit]], truncated)

    def export_session(self, session_id: str) -> dict[str, Any]:
        """Every node of one research (plus its topic and concepts) and the edges among them."""
        ids_by_label: dict[str, list[str]] = {"Session": []}
        if self._rows("MATCH (s:Session {id: $id}) RETURN count(s)", {"id": session_id})[0][0]:
            ids_by_label["Session"] = [session_id]
        else:
            raise KeyError(session_id)
        base = "MATCH (s:Session {id: $id})"
        for rel, label in (
            ("HAS_STEP", "ReasoningStep"),
            ("HAS_EVIDENCE", "Evidence"),
            ("HAS_SOURCE", "Source"),
            ("HAS_QUESTION", "Question"),
        ):
            ids_by_label[label] = [
                str(r[0])
                for r in self._rows(
                    base + f"-[:{rel}]->(n:{label}) RETURN n.id ORDER BY n.id", {"id": session_id}
                )
            ]
        ids_by_label["Topic"] = [
            str(r[0])
            for r in self._rows(
                "MATCH (n:Topic)-[:HAS_SESSION]->(s:Session {id: $id}) RETURN n.id",
                {"id": session_id},
            )
        ]
        ids_by_label["Concept"] = [
            str(r[0])
            for r in self._rows(
                base + "-[:HAS_STEP]->(:ReasoningStep)-[:MENTIONS]->(n:Concept) "
                "RETURN DISTINCT n.id ORDER BY n.id",
                {"id": session_id},
            )
        ]
        nodes = []
        for label, ids in ids_by_label.items():
            if not ids:
                continue
            props = tuple(schema.NODE_TABLES[label])
            cols = ", ".join(f"n.{p}" for p in props)
            for row in self._rows(
                f"MATCH (n:{label}) WHERE n.id IN $ids RETURN {cols} ORDER BY n.id",
                {"ids": ids},
            ):
                values = {k: plain(v) for k, v in zip(props, row, strict=True) if v is not None}
                nodes.append({"id": values["id"], "label": label, "properties": values})
        edges = []
        for rel, (pairs, rel_props) in schema.REL_TABLES.items():
            for a, b in pairs:
                a_ids, b_ids = ids_by_label.get(a, []), ids_by_label.get(b, [])
                if not a_ids or not b_ids:
                    continue
                extra = "".join(f", r.{p}" for p in rel_props)
                for row in self._rows(
                    f"MATCH (x:{a})-[r:{rel}]->(y:{b}) WHERE x.id IN $a AND y.id IN $b "
                    f"RETURN x.id, y.id{extra} ORDER BY x.id, y.id",
                    {"a": a_ids, "b": b_ids},
                ):
                    props = {p: plain(v) for p, v in zip(rel_props, row[2:], strict=True)}
                    edges.append(
                        {"source": row[0], "target": row[1], "type": rel, "properties": props}
                    )
        return {"session_id": session_id, "nodes": nodes, "edges": edges}


def plain(value: Any) -> Any:
    """A query value as JSON-friendly data (nodes/relationships -> their properties)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        if "_NODES" in value:  # a Ladybug path: its nodes, as a neo4j Path gives them
            return [plain(n) for n in value["_NODES"]]
        if "_LABEL" in value or "_ID" in value:  # a Ladybug node or relationship
            out = {"_label": value.get("_LABEL")}
            out.update(
                {
                    k: plain(v)
                    for k, v in value.items()
                    if not str(k).startswith("_") and v is not None
                }
            )
            return out
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    labels = getattr(value, "labels", None)
    if labels is not None and hasattr(value, "items"):  # a neo4j Node
        return {
            "_label": next(iter(sorted(labels)), None),
            **{k: plain(v) for k, v in value.items()},
        }
    rel_type = getattr(value, "type", None)
    if isinstance(rel_type, str) and hasattr(value, "items"):  # a neo4j Relationship
        return {"_label": rel_type, **{k: plain(v) for k, v in value.items()}}
    nodes = getattr(value, "nodes", None)
    if nodes is not None:  # a neo4j Path
        return [plain(n) for n in nodes]
    return str(value)
