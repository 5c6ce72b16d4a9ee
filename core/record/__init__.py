"""Where events go: one bus (stamp, scrub, fan out) and its sinks side by side — the journal
(events.jsonl), the session summary (session.json), the research log, and the exports.

The mind map projection is a sink too; it lives in ``core.mindmap`` with the stores.
"""

from core.record.bus import Derived, EventBus, Sink, scrubbed
from core.record.journal import Journal, SessionRecorder, SessionSummary

__all__ = [
    "Derived",
    "EventBus",
    "Journal",
    "SessionRecorder",
    "SessionSummary",
    "Sink",
    "scrubbed",
]
