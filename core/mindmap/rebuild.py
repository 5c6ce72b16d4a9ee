"""Re-project saved researches into a store: what ``graph rebuild`` and a damaged graph's
recovery (``core.mindmap.factory``) both do. The graph is a projection of the event logs, so
this restores it fully; MERGE on deterministic ids makes it idempotent.

One unreadable session does not stop the others; researches deleted from disk leave the
graph too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.mindmap.base import MindMapStore


class GraphReadOnly(RuntimeError):
    """The store opened read-only (another process holds it): nothing can be rebuilt."""


@dataclass
class RebuildSummary:
    files: int = 0
    """Event logs found (readable or not)."""
    researches: int = 0
    """Event logs read and applied."""
    events: int = 0
    nodes: int = 0
    edges: int = 0
    skipped: list[str] = field(default_factory=list)
    """``"<path>: <why>"`` for each log that could not be read (skipped, never removed)."""
    removed: int = 0
    """Researches that are gone from disk and so were taken out of the graph."""
    forgotten_nodes: int = 0
    total_nodes: int = 0
    total_relations: int = 0


def rebuild_graph(store: MindMapStore, sessions_dir: Path) -> RebuildSummary:
    """Apply every ``<sessions_dir>/*/events.jsonl`` to ``store`` (opened writable by the
    caller); forget researches deleted from disk."""
    from core.sessions import load_events

    if store.read_only:
        raise GraphReadOnly(
            "the mind map is in use by another deepresearch-tui process (a research "
            "running, or the mind map on screen); run rebuild again when it is free "
            "(research queued meanwhile is added by itself)"
        )
    summary = RebuildSummary()
    files = sorted(Path(sessions_dir).glob("*/events.jsonl"))
    summary.files = len(files)
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
