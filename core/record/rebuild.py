"""Rebuilding the mind map from every saved research's events.jsonl (a core service: the
CLI's ``graph rebuild`` and, later, the app call it).

Idempotent (the stores MERGE on deterministic ids). One unreadable session does not stop
the others; researches deleted from disk leave the graph too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.config import Config
from core.mindmap.base import MindMapStore


class GraphReadOnly(RuntimeError):
    """The store opened read-only (another process holds it): nothing can be rebuilt."""


@dataclass
class RebuildSummary:
    researches: int = 0
    events: int = 0
    nodes: int = 0
    edges: int = 0
    skipped: list[str] = field(default_factory=list)
    """``"<path>: <why>"`` for each session whose events could not be read."""
    removed: int = 0
    """Researches that are gone from disk and so were taken out of the graph."""
    forgotten_nodes: int = 0
    total_nodes: int = 0
    total_relations: int = 0


def rebuild_graph(config: Config, store: MindMapStore) -> RebuildSummary:
    """Re-project every saved research into ``store`` (opened writable by the caller)."""
    from core.sessions import load_events

    if store.read_only:
        raise GraphReadOnly(
            "the mind map is open read-only; close the app that uses it and run rebuild again"
        )
    summary = RebuildSummary()
    files = sorted(config.sessions_dir.glob("*/events.jsonl"))
    for path in files:
        try:
            loaded = load_events(path)
        except Exception as exc:  # one broken session must not stop the others
            summary.skipped.append(f"{path}: {exc}")
            continue
        apply_many = getattr(store, "apply_many", None)
        deltas = [apply_many(loaded)] if apply_many is not None else map(store.apply, loaded)
        for delta in deltas:
            summary.nodes += delta.nodes
            summary.edges += delta.edges
        summary.events += len(loaded)
    summary.researches = len(files) - len(summary.skipped)
    # An unreadable folder above is kept: it is still there to be repaired.
    on_disk = {path.parent.name for path in files}
    gone = sorted(store.session_ids() - on_disk)
    summary.removed = len(gone)
    summary.forgotten_nodes = sum(store.forget_session(sid) for sid in gone)
    stats = store.stats()
    summary.total_nodes = sum(stats.nodes.values())
    summary.total_relations = sum(stats.relations.values())
    return summary
