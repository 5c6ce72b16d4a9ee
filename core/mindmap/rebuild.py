"""Re-project saved researches into a store: what ``graph rebuild`` and a damaged graph's
recovery both do. The graph is a projection of the event logs, so this restores it fully
(MERGE on deterministic ids makes it idempotent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.mindmap.base import MindMapStore


@dataclass
class RebuildReport:
    files: int = 0
    events: int = 0
    nodes: int = 0
    edges: int = 0
    failed: list[str] = field(default_factory=list)
    """``path: reason`` of each log that could not be read (it is skipped, not removed)."""
    forgotten_sessions: int = 0
    forgotten_nodes: int = 0


def rebuild(store: MindMapStore, sessions_dir: Path) -> RebuildReport:
    """Apply every ``<sessions_dir>/*/events.jsonl``; forget researches deleted from disk."""
    from core.sessions import load_events

    report = RebuildReport()
    files = sorted(Path(sessions_dir).glob("*/events.jsonl"))
    report.files = len(files)
    for path in files:
        try:
            loaded = load_events(path)
        except Exception as exc:  # one broken session must not stop the others
            report.failed.append(f"{path}: {exc}")
            continue
        apply_many = getattr(store, "apply_many", None)
        if apply_many is not None:
            delta = apply_many(loaded)
            report.nodes, report.edges = report.nodes + delta.nodes, report.edges + delta.edges
        else:
            for event in loaded:
                delta = store.apply(event)
                report.nodes, report.edges = report.nodes + delta.nodes, report.edges + delta.edges
        report.events += len(loaded)
    # Researches deleted from disk leave the graph too (an unreadable one above is kept:
    # its folder is still there to be repaired).
    on_disk = {path.parent.name for path in files}
    gone = sorted(store.session_ids() - on_disk)
    report.forgotten_sessions = len(gone)
    report.forgotten_nodes = sum(store.forget_session(sid) for sid in gone)
    return report
