"""Open the configured mind map, falling back rather than failing.

The graph is a projection of the event log, so a store we cannot open is never fatal:
Neo4j down or refusing our credentials -> the embedded store for this run (``graph
rebuild`` can re-project into Neo4j later); the embedded file locked by another process ->
open it read-only and queue this process's research for the next writer
(``core.mindmap.pending``), which any writable open catches up on. An embedded file that
cannot be opened at all (a WAL torn by a full disk or a crash) is moved aside, kept under a
timestamped name, and a fresh graph is rebuilt from the saved researches' event logs. Each
fallback is returned as a warning sentence for the UI, and so is what an opened store wants
said (Neo4j refusing our constraints). The driver's error text is scrubbed
(``neo4j_connect.scrub``): URLs lose their ``user:password@``, and the password is masked
wherever it appears when it is long enough to be told apart from ordinary words.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from core.config import Config
from core.mindmap.base import MindMapStore
from core.mindmap.ladybug_store import DB_FILE, GraphDamaged, GraphLocked, LadybugStore
from core.mindmap.neo4j_connect import safe_uri, scrub

log = logging.getLogger(__name__)


def open_ladybug(config: Config, *, read_only: bool = False) -> tuple[MindMapStore, list[str]]:
    """The embedded store. Held by another process: read-only, with this process's research
    queued for the next writer (``pending``); opened for writing: catch up on the queue."""
    from core.mindmap.pending import PendingProjectionStore, catch_up, catch_up_if_free

    path = config.graph_path / DB_FILE
    if read_only and not path.exists():
        # A read-only open cannot create the file; an empty writable store is the same view.
        read_only = False
    caught_up = ""
    if read_only:
        # A reader (graph stats, query, export) is a moment the graph may be free: queued
        # research is added first, so what it reads is complete.
        caught_up = catch_up_if_free(config).message()
    try:
        store = LadybugStore(path, read_only=read_only)
    except GraphDamaged as exc:
        return _recover(config, path, exc, read_only=read_only)
    except GraphLocked:
        held = LadybugStore(path, read_only=True)
        queued = PendingProjectionStore(held, config.graph_path)
        return queued, [HELD_TEXT]  # type: ignore[return-value]
    if read_only:
        return store, [caught_up] if caught_up else []
    done = catch_up(store, config.graph_path, config.sessions_dir)
    return store, [done.message()] if done.message() else []


HELD_TEXT = (
    "The mind map is in use by another deepresearch-tui process (the embedded graph has "
    "one writer), so it is open read-only here: this research is saved as usual and queued "
    "for the mind map, which adds it by itself the next time the graph is free."
)


def set_aside(path: Path) -> Path:
    """Rename the database file and its companions (``.wal`` ...) to
    ``<name>.damaged-<time><suffix>``: kept for inspection, never overwritten."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while any(path.parent.glob(base.name + "*")):
        n += 1
        base = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    for item in sorted(path.parent.glob(path.name + "*")):
        rest = item.name[len(path.name) :]
        if rest.startswith(".damaged-"):
            continue
        item.rename(base.with_name(base.name + rest))
    return base


def _recover(
    config: Config, path: Path, exc: GraphDamaged, *, read_only: bool
) -> tuple[MindMapStore, list[str]]:
    """A fresh embedded graph rebuilt from the event logs, the damaged one kept aside."""
    from core.mindmap.rebuild import rebuild_graph

    kept = set_aside(path)
    store = LadybugStore(path)
    try:
        report = rebuild_graph(store, config.sessions_dir)
    except BaseException:
        store.close()
        raise
    if read_only:
        store.close()
        store = LadybugStore(path, read_only=True)
    skipped = f"; {len(report.skipped)} unreadable log(s) skipped" if report.skipped else ""
    log.warning("mind map damaged, rebuilt: %s", exc)
    return store, [
        f"{exc}. It was moved aside as {kept.name} (kept, in {path.parent}) and the mind map "
        f"was rebuilt from {report.researches} saved research(es){skipped}."
    ]


def open_store(config: Config, *, read_only: bool = False) -> tuple[MindMapStore, list[str]]:
    """(store, warnings) for ``config.graph.backend`` ("ladybug" default, or "neo4j")."""
    backend = (config.graph.backend or "ladybug").strip().lower()
    warnings: list[str] = []
    if backend == "neo4j":
        neo = config.neo4j
        if not neo.uri:
            warnings.append(
                "graph.backend is neo4j but no URI is set (NEO4J_URI or neo4j.uri in "
                f"{config.path}): using the embedded store"
            )
        else:
            from core.mindmap.neo4j_store import Neo4jStore

            try:
                store = Neo4jStore(
                    neo.uri, neo.user, neo.password, neo.database, read_only=read_only
                )
                return store, list(store.warnings)
            except Exception as exc:  # unreachable, bad credentials, bad URI...
                reason = scrub(f"{type(exc).__name__}: {exc}", neo.uri, [neo.password])
                log.info("neo4j unavailable: %s", reason)
                warnings.append(
                    f"Neo4j unavailable at {safe_uri(neo.uri)} ({reason[:200]}): using the "
                    "embedded store for this run; `deepresearch-tui graph rebuild` can "
                    "re-project into Neo4j later"
                )
    elif backend != "ladybug":
        warnings.append(f"Unknown graph.backend {backend!r}: using the embedded store")
    store, more = open_ladybug(config, read_only=read_only)
    return store, warnings + more
