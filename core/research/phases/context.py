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
    run.emit(PhaseStarted(round=n, phase="context"))
    text, items = await run.graph.context(run.topic, run.config.research.context_chars)
    run.emit(ContextBuilt(round=n, text=text, items=items))
    return Context(text, items)
