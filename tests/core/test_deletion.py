"""Deleting a research removes it from disk and from the mind map."""

from __future__ import annotations

from core.config import load
from core.deletion import delete_research
from core.mindmap.factory import open_store
from core.sessions import SessionRecorder, SessionStore
from tests.core.mindmap.mindmap_support import round_events


def _saved_research(topic: str) -> str:
    config = load()
    handle = SessionStore(config.sessions_dir).create(topic)
    recorder = SessionRecorder(handle)
    store, _ = open_store(config)
    try:
        for event in round_events(handle.id, topic, 1):
            recorder(event)
            store.apply(event)
    finally:
        store.close()
    return handle.id


def test_a_deleted_research_leaves_disk_and_graph() -> None:
    config = load()
    sid = _saved_research("Deleted for good")
    assert delete_research(config, sid) is None
    assert not (config.sessions_dir / sid).exists()
    store, _ = open_store(config)
    try:
        assert sid not in store.session_ids()
        assert store.prior_evidence("Deleted for good") == 0
    finally:
        store.close()


def test_a_graph_that_cannot_change_now_is_said_and_the_folder_still_goes() -> None:
    config = load()
    sid = _saved_research("Graph busy")
    # What a second process gets while the app holds the graph: a read-only store.
    holder, _ = open_store(config, read_only=True)
    try:
        warning = delete_research(config, sid, store=holder)
        assert warning is not None and "graph rebuild" in warning
        assert not (config.sessions_dir / sid).exists()
    finally:
        holder.close()
