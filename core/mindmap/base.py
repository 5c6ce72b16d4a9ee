"""The ``MindMapStore`` protocol and the small value types it trades in.

The graph is a *projection* of the event log: ``apply(event)`` is the only way anything is
written, it is idempotent (deterministic node ids + MERGE), so ``graph rebuild`` is just
replaying every saved ``events.jsonl`` through ``apply``. Readers (engine context, TUI tree,
"ask the mind map") use the read methods. Methods are synchronous: the engine writes through
one writer thread (``projector.GraphProjector``) and reads via ``asyncio.to_thread``, the TUI
calls them from thread workers; stores serialise their own writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from core.events import Event


@dataclass(frozen=True)
class GraphDelta:
    """What one ``apply`` added (new nodes / new relations), for ``MindMapUpdated``."""

    nodes: int = 0
    edges: int = 0


@dataclass(frozen=True)
class NodeRef:
    """One row of the Tree: enough to draw a label and decide whether it can expand."""

    id: str
    label: str
    """Node label (Topic, Session, ReasoningStep, ...) or "Round" for the per-round group."""
    title: str
    child_count: int = 0


@dataclass(frozen=True)
class Page:
    items: list[NodeRef]
    total: int
    offset: int = 0


@dataclass(frozen=True)
class Neighbour:
    relation: str
    direction: str  # "out" or "in"
    node: NodeRef


@dataclass(frozen=True)
class NodeDetail:
    ref: NodeRef
    properties: dict[str, Any]
    neighbours: list[Neighbour] = field(default_factory=list)


@dataclass
class MindMapContext:
    """What earlier rounds (and earlier researches on the topic) know, newest first."""

    facts: list[str] = field(default_factory=list)
    reflections: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(
            map(len, (self.facts, self.reflections, self.plans, self.questions, self.concepts))
        )

    def render(self, budget_chars: int = 3000) -> str:
        """Markdown for the prompt, never longer than ``budget_chars``.

        Stores already choose what fits, fairly across the kinds (``fit_context``); this cut
        is the last guard, so round 20's prompt costs what round 3's does whatever the store.
        """
        parts: list[str] = []
        used = 0
        for title, rows in (
            ("Facts found", self.facts),
            ("Previous reflections", self.reflections),
            ("Previous plans", self.plans),
            ("Open questions", self.questions),
            ("Most-connected concepts", self.concepts),
        ):
            lines = [f"- {' '.join(row.split())}\n" for row in rows]
            header = f"### {title}\n"
            if not lines or used + len(header) + len(lines[0]) > budget_chars:
                continue
            parts.append(header)
            used += len(header)
            for line in lines:
                if used + len(line) > budget_chars:
                    break
                parts.append(line)
                used += len(line)
        return "".join(parts).strip()


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False


@dataclass(frozen=True)
class GraphStats:
    backend: str
    location: str
    nodes: dict[str, int]
    relations: dict[str, int]


@runtime_checkable
class MindMapStore(Protocol):
    backend: str
    """"ladybug", "neo4j" or "memory"."""
    location: str
    """A path or a URI (never with a password in it)."""
    read_only: bool

    def apply(self, event: Event) -> GraphDelta:
        """Project one event into the graph. Idempotent; ignores events it has no use for."""
        ...

    def context(self, topic: str, *, budget_chars: int = 3000) -> MindMapContext:
        """Facts, reflections, plans, open questions, concepts for the topic, newest first."""
        ...

    def prior_evidence(self, topic: str) -> int:
        """How many evidence items the graph already holds for this topic (all sessions)."""
        ...

    def roots(self) -> list[NodeRef]:
        """Top of the Tree: the Topic nodes."""
        ...

    def children(self, node_id: str, *, offset: int = 0, limit: int = 50) -> Page:
        """One page of a node's children for the Tree, with the total count."""
        ...

    def node(self, node_id: str) -> NodeDetail | None: ...

    def session_ids(self) -> set[str]:
        """Every research the graph holds (to find ones deleted from disk)."""
        ...

    def forget_session(self, session_id: str) -> int:
        """Remove one research and what only it referred to; returns the nodes removed."""
        ...

    def stats(self) -> GraphStats: ...

    def run_read_query(
        self,
        cypher: str,
        params: dict[str, Any] | None = None,
        *,
        limit: int = 200,
        timeout_s: float = 10.0,
    ) -> QueryResult:
        """Run *checked* read-only Cypher (see ``mindmap.guard``) with parameters."""
        ...

    def close(self) -> None: ...
