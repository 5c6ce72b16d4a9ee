"""Context: what the mind map already knows, by fixed parameterised queries (no LLM call)."""

from __future__ import annotations

from dataclasses import dataclass

from core.events import ContextBuilt, PhaseStarted
from core.research.run import Run


@dataclass(frozen=True)
class Context:
    text: str
    """Rendered for the reasoning prompt, within ``research.context_chars``."""
    items: int


async def build_context(run: Run, n: int) -> Context:
    """The round's context; with ``research.context_chars`` 0 the graph is not read (nor
    waited for), so the last round's graph write overlaps this round's reasoning. Round 1
    of a fresh research uses the context read while the run set up (``opening_context``)."""
    run.emit(PhaseStarted(round=n, phase="context"))
    budget = run.config.research.context_chars
    opening, run.opening_context = run.opening_context, None
    if opening is not None and n == 1:
        text, items = opening
    elif budget > 0:
        text, items = await run.graph.context(run.topic, budget)
    else:
        text, items = "", 0
    run.emit(ContextBuilt(round=n, text=text, items=items))
    return Context(text, items)
