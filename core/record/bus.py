"""One event bus: every event is stamped, scrubbed, applied to the live state, then handed
to each sink in turn.

Sinks sit side by side (``Sink``): the journal (events.jsonl, which must succeed: it is the
source of truth), the session summary, the research log, the mind map and the listener (the
TUI or the CLI progress). The bus owns the live ``SessionState``; a sink that needs state
reads that one, so no sink keeps a copy of its own and the engine never reads state back
from a sink.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable
from typing import Protocol

from core.events import Event, WarningRaised
from core.redaction import scrub
from core.state import SessionState

MESSAGE_FIELDS = ("message", "reason", "error")
"""Event fields that carry error text from outside (and so might quote a secret)."""


class Sink(Protocol):
    """Receives every stamped, scrubbed event after the live state has applied it."""

    def __call__(self, event: Event) -> None: ...


def scrubbed(event: Event, secrets: Iterable[str]) -> Event:
    """``event`` without any configured secret in its messages (providers scrub their own
    key already; this also covers gateway tokens in base URLs and the graph's password,
    whatever text an error quoted)."""
    secrets = list(secrets)
    changes = {}
    for name in MESSAGE_FIELDS:
        text = getattr(event, name, None)
        if isinstance(text, str) and text:
            clean = scrub(text, secrets)
            if clean != text:
                changes[name] = clean
    return dataclasses.replace(event, **changes) if changes else event


@dataclasses.dataclass
class Derived:
    """A sink whose output is derived from the events (a file, a view): when it fails it is
    dropped with one warning and the research goes on."""

    sink: Sink
    what: str
    """Named in the warning, e.g. "research_log.md is no longer updated"."""
    kind: str = "log"


class EventBus:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.session_id = ""
        self.seq = 0
        self.state = SessionState()
        self.secrets = list(secrets)
        self.journal: Sink | None = None
        """The one sink that must succeed (it raises): events.jsonl."""
        self.derived: list[Derived] = []
        self.listeners: list[Callable[[Event], None]] = []
        """Last, and never allowed to stop the research (a broken UI callback)."""

    def attach(self, session_id: str, state: SessionState, journal: Sink | None) -> None:
        """Record the session ``session_id`` going on from ``state`` (replayed when resuming)."""
        self.session_id = session_id
        self.state = state
        self.seq = state.last_seq
        self.journal = journal

    def emit(self, event: Event) -> Event:
        """Stamp, save, apply and publish one event. Saving comes first: nothing is lost."""
        self.seq += 1
        event = scrubbed(event, self.secrets).stamped(self.session_id, self.seq)
        if self.journal is not None:
            self.journal(event)
        self.state.apply(event)
        for derived in list(self.derived):
            try:
                derived.sink(event)
            except Exception as exc:  # derived from the events: warn once, go on
                self.derived.remove(derived)
                self.emit(WarningRaised(message=f"{derived.what}: {exc}", kind=derived.kind))
        for listener in self.listeners:
            with contextlib.suppress(Exception):  # a broken listener must not stop research
                listener(event)
        return event
