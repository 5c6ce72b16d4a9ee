"""Everything one research run hands its phases: what was asked and the tools to do it.

The phases are plain functions of a ``Run`` (plus their own inputs), so each can be read,
and tested, without the engine that wires them together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from core.config import Config
from core.cost.budget import Budget
from core.cost.prices import PriceTable
from core.events import Event
from core.research.gate import RunGate
from core.research.graph_link import GraphLink
from core.research.llm_call import LLMCall
from core.research.options import ResearchOptions
from core.research.providers import Providers
from core.research.sources import SourceBook
from core.state import SessionState

QueryReviewer = Callable[[int, list[str]], Awaitable[list[str]]]
"""``review(round, planned queries) -> queries to run`` (the TUI's edit dialog)."""


@dataclass
class Run:
    topic: str
    options: ResearchOptions
    config: Config
    state: SessionState
    """The live state: every emitted event has been applied to it."""
    emit: Callable[[Event], Event]
    gate: RunGate
    llm_call: LLMCall
    providers: Providers
    sources: SourceBook
    graph: GraphLink
    report_path: Path
    review_queries: QueryReviewer | None = None
    prices: PriceTable | None = None
    budget: Budget | None = None
    opening_context: tuple[str, int] | None = None
    """Round 1's context (text, items) when it was read while the run set up: before the
    session's first event, the mind map holds only earlier researches, which is all round 1
    can find in it; so the query overlaps the client warm-up instead of waiting for this
    session's first graph write."""
