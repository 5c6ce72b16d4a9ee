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
    waited for), so the last round's graph write overlaps this round's reasoning."""
    run.emit(PhaseStarted(round=n, phase="context"))
    budget = run.config.research.context_chars
    text, items = await run.graph.context(run.topic, budget) if budget > 0 else ("", 0)
    run.emit(ContextBuilt(round=n, text=text, items=items))
    return Context(text, items)
