"""Typed messages that cross from the engine's thread (or a worker) to the UI loop.

Only these messages travel from workers to widgets: a worker never touches a widget. The
engine can emit hundreds of ``LLMChunk`` events a second, so the engine thread does not
post one message per event: it appends to an :class:`tui.engine_worker.EventPipe` and posts
a single :class:`EventsReady` when the pipe goes from empty to non-empty. The screen takes
the whole batch with its next refresh of the widgets (at most every ``REFRESH_S``), which
collapses a flood of chunks into one wake-up and one screen update.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from core.events import Event


class EventsReady(Message, bubble=False):
    """New engine events wait in the pipe; drain them on the UI loop.

    For the screen that runs the research only: a fast stream posts it hundreds of times a
    second, and bubbling it on to the app (which has no use for it) doubled its dispatches.
    """


@dataclass
class EngineEvent(Message):
    """One engine event delivered as a message (used when a caller wants them one by one)."""

    event: Event


@dataclass
class ShowSource(Message):
    """Ask the research screen to show source ``source_id`` (report citations post this)."""

    source_id: int
