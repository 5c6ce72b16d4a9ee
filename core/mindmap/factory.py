"""Open the configured mind map, falling back rather than failing.

The graph is a projection of the event log, so a store we cannot open is never fatal:
Neo4j down or refusing our credentials -> the embedded store for this run (``graph
rebuild`` can re-project into Neo4j later); the embedded file locked by another process ->
open it read-only. Each fallback is returned as a warning sentence for the UI, and so is
what an opened store wants said (Neo4j refusing our constraints). The driver's error text is
scrubbed (``neo4j_connect.scrub``): URLs lose their ``user:password@``, and the password is
masked wherever it appears when it is long enough to be told apart from ordinary words.
"""

from __future__ import annotations

import logging

from core.config import Config
from core.mindmap.base import MindMapStore
from core.mindmap.ladybug_store import DB_FILE, GraphLocked, LadybugStore
from core.mindmap.neo4j_connect import safe_uri, scrub

log = logging.getLogger(__name__)


def open_ladybug(config: Config, *, read_only: bool = False) -> tuple[MindMapStore, list[str]]:
    path = config.graph_path / DB_FILE
    if read_only and not path.exists():
        # A read-only open cannot create the file; an empty writable store is the same view.
        read_only = False
    try:
        return LadybugStore(path, read_only=read_only), []
    except GraphLocked:
        store = LadybugStore(path, read_only=True)
        return store, [
            f"The mind map at {path} is in use by another deepresearch-tui process: opened "
            "read-only, so this run's findings are saved in its session log only "
            "(run `deepresearch-tui graph rebuild` later to add them)."
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
