"""Our graph schema, in one place, for both stores (LadybugDB needs it declared; Neo4j gets
constraints and indexes) and for the prompt that lets the LLM write Cypher.

Ids are deterministic strings built from the event that made the node, so projecting the
same events twice MERGEs onto the same nodes (``graph rebuild`` is idempotent). The id's
shape also tells its label, which lets the Tree find a node without scanning every table.
Labels and relation types are ours only: an LLM's relation name is a property of
RELATED_TO, never a type.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# label -> {property: LadybugDB type}; "id" is the primary key everywhere.
NODE_TABLES: dict[str, dict[str, str]] = {
    "Topic": {"id": "STRING", "key": "STRING", "name": "STRING", "created": "DOUBLE"},
    "Session": {
        "id": "STRING",
        "session_id": "STRING",
        "topic": "STRING",
        "topic_key": "STRING",
        "model": "STRING",
        "language": "STRING",
        "rounds": "INT64",
        "status": "STRING",
        "created": "DOUBLE",
    },
    "ReasoningStep": {
        "id": "STRING",
        "session_id": "STRING",
        "round": "INT64",
        "kind": "STRING",
        "ord": "INT64",
        "content": "STRING",
        "queries": "STRING",
        "created": "DOUBLE",
    },
    "Source": {
        "id": "STRING",
        "session_id": "STRING",
        "round": "INT64",
        "source_id": "INT64",
        "url": "STRING",
        "title": "STRING",
        "snippet": "STRING",
        "query": "STRING",
        "score": "DOUBLE",
        "created": "DOUBLE",
    },
    "Evidence": {
        "id": "STRING",
        "session_id": "STRING",
        "round": "INT64",
        "idx": "INT64",
        "claim": "STRING",
        "confidence": "DOUBLE",
        "created": "DOUBLE",
        "quote": "STRING",
        "verdict": "STRING",
        "score": "DOUBLE",
    },
    "Concept": {
        "id": "STRING",
        "session_id": "STRING",
        "key": "STRING",
        "name": "STRING",
        "created": "DOUBLE",
    },
    "Question": {
        "id": "STRING",
        "session_id": "STRING",
        "round": "INT64",
        "idx": "INT64",
        "text": "STRING",
        "created": "DOUBLE",
    },
}

# type -> ([(from, to), ...], {property: type})
REL_TABLES: dict[str, tuple[list[tuple[str, str]], dict[str, str]]] = {
    "HAS_SESSION": ([("Topic", "Session")], {}),
    "HAS_STEP": ([("Session", "ReasoningStep")], {}),
    "HAS_EVIDENCE": ([("Session", "Evidence")], {}),
    "HAS_SOURCE": ([("Session", "Source")], {}),
    "HAS_QUESTION": ([("Session", "Question")], {}),
    "SUPPORTED_BY": ([("Evidence", "Source")], {}),
    "MENTIONS": ([("ReasoningStep", "Concept")], {}),
    "LEADS_TO": ([("ReasoningStep", "ReasoningStep")], {}),
    "RELATED_TO": ([("Concept", "Concept")], {"relation": "STRING"}),
}

NODE_LABELS: tuple[str, ...] = tuple(NODE_TABLES)
REL_TYPES: tuple[str, ...] = tuple(REL_TABLES)
STEP_KINDS: tuple[str, ...] = ("plan", "execution", "reflection", "synthesis")
ROUND_LABEL = "Round"
"""The Tree's virtual per-round group node (not stored)."""

# The property each label is titled by in the Tree (and what node details lead with).
TITLE_PROPS: dict[str, tuple[str, ...]] = {
    "Topic": ("name",),
    "Session": ("id", "status"),
    "ReasoningStep": ("kind", "content"),
    "Source": ("source_id", "title"),
    "Evidence": ("claim",),
    "Concept": ("name",),
    "Question": ("text",),
}


def ladybug_ddl() -> list[str]:
    """CREATE ... IF NOT EXISTS statements (our own constant text, run one by one)."""
    stmts = []
    for label, props in NODE_TABLES.items():
        cols = ", ".join(f"{name} {kind}" for name, kind in props.items())
        stmts.append(f"CREATE NODE TABLE IF NOT EXISTS {label}({cols}, PRIMARY KEY(id))")
    for rel, (pairs, props) in REL_TABLES.items():
        parts = [f"FROM {a} TO {b}" for a, b in pairs]
        parts += [f"{name} {kind}" for name, kind in props.items()]
        stmts.append(f"CREATE REL TABLE IF NOT EXISTS {rel}({', '.join(parts)})")
    # Columns added after a table's first release: a graph made before them gains them.
    for label, name, default in ADDED_COLUMNS:
        kind = NODE_TABLES[label][name]
        stmts.append(f"ALTER TABLE {label} ADD IF NOT EXISTS {name} {kind} DEFAULT {default}")
    return stmts


ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("Evidence", "quote", "''"),
    ("Evidence", "verdict", "'unchecked'"),
    ("Evidence", "score", "0.0"),
)
"""(label, column, default literal) of the citation check's properties (issue 11)."""


def neo4j_ddl() -> list[str]:
    """Uniqueness constraints on every id plus the indexes our reads filter by."""
    stmts = [
        f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in NODE_LABELS
    ]
    stmts.append("CREATE INDEX topic_key IF NOT EXISTS FOR (n:Topic) ON (n.key)")
    stmts.append("CREATE INDEX concept_key IF NOT EXISTS FOR (n:Concept) ON (n.key)")
    for label in ("ReasoningStep", "Source", "Evidence", "Question"):
        stmts.append(
            f"CREATE INDEX {label.lower()}_session_round IF NOT EXISTS "
            f"FOR (n:{label}) ON (n.session_id, n.round)"
        )
    return stmts


_SPACE = re.compile(r"\s+")


def normalise(name: str) -> str:
    """Topic / concept key: NFC, casefolded, whitespace collapsed and trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", name).casefold()).strip()


MAX_KEY_CHARS = 200
"""Longest topic / concept key kept whole. Keys come from user and LLM text and are both
ids and indexed properties; Neo4j refuses index entries over about 8 KB, so a longer key
becomes its first ``MAX_KEY_CHARS`` characters + "#" + a hash of the whole key."""


def bounded_key(name: str) -> str:
    """``normalise(name)``, cut to a bounded length that still tells long names apart.

    Keys up to ``MAX_KEY_CHARS`` are unchanged, so graphs written before this rule keep
    their ids; two long names sharing the first 200 characters differ in the hash.
    """
    key = normalise(name)
    if len(key) <= MAX_KEY_CHARS:
        return key
    return f"{key[:MAX_KEY_CHARS]}#{short_hash(key)}"


def topic_id(topic: str) -> str:
    return "topic:" + bounded_key(topic)


def concept_id(name: str) -> str:
    return "concept:" + bounded_key(name)


def step_id(session_id: str, round_no: int, kind: str) -> str:
    return f"{session_id}/r{round_no}/{kind}"


def evidence_id(session_id: str, round_no: int, idx: int) -> str:
    return f"{session_id}/r{round_no}/e{idx}"


def question_id(session_id: str, round_no: int, idx: int) -> str:
    return f"{session_id}/r{round_no}/q{idx}"


def source_id(session_id: str, number: int) -> str:
    return f"{session_id}/s{number}"


def round_id(session_id: str, round_no: int) -> str:
    return f"round:{session_id}:{round_no}"


def parse_round_id(node_id: str) -> tuple[str, int] | None:
    if not node_id.startswith("round:"):
        return None
    sid, _, number = node_id[len("round:") :].rpartition(":")
    try:
        return sid, int(number)
    except ValueError:
        return None


_TAIL = re.compile(r"^(?:r\d+/(?P<step>plan|execution|reflection|synthesis|e\d+|q\d+)|s\d+)$")


def guess_label(node_id: str) -> str | None:
    """The label an id of ours implies (``None``: ask the store)."""
    if node_id.startswith("topic:"):
        return "Topic"
    if node_id.startswith("concept:"):
        return "Concept"
    if node_id.startswith("round:"):
        return ROUND_LABEL
    _sid, sep, tail = node_id.partition("/")
    if not sep:
        return "Session"
    m = _TAIL.match(tail)
    if not m:
        return None
    step = m.group("step")
    if step is None:
        return "Source"
    if step[0] == "e":
        return "Evidence"
    if step[0] == "q":
        return "Question"
    return "ReasoningStep"


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


SCHEMA_TEXT = """\
Node labels and properties (every id is a string):
  (:Topic {id, key, name, created})            key = normalised topic name
  (:Session {id, session_id, topic, topic_key, model, language, rounds, status, created})
  (:ReasoningStep {id, session_id, round, kind, ord, content, queries, created})
      kind is one of 'plan', 'execution', 'reflection', 'synthesis'
  (:Source {id, session_id, round, source_id, url, title, snippet, query, score, created})
  (:Evidence {id, session_id, round, idx, claim, confidence, quote, verdict, score, created})
      verdict is 'verified', 'quote not found', 'number not in source',
      'source text unavailable' or 'unchecked' (the quote check, in code)
  (:Concept {id, session_id, key, name, created})
  (:Question {id, session_id, round, idx, text, created})   open questions
Relationships:
  (:Topic)-[:HAS_SESSION]->(:Session)
  (:Session)-[:HAS_STEP]->(:ReasoningStep)
  (:Session)-[:HAS_EVIDENCE]->(:Evidence)
  (:Session)-[:HAS_SOURCE]->(:Source)
  (:Session)-[:HAS_QUESTION]->(:Question)
  (:Evidence)-[:SUPPORTED_BY]->(:Source)
  (:ReasoningStep)-[:MENTIONS]->(:Concept)
  (:ReasoningStep)-[:LEADS_TO]->(:ReasoningStep)
  (:Concept)-[:RELATED_TO {relation}]->(:Concept)
created is a Unix timestamp (float); newer is larger."""
