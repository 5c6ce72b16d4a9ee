"""The research: a loop of named phases over a run gate, a source book and a graph link.

Public path: ``from core.research import ResearchEngine, ResearchOptions, RunResult``.
"""

from core.research.engine import ResearchEngine, after_round
from core.research.graph_link import GRAPH_WAIT_S
from core.research.options import ResearchOptions, RunResult

__all__ = ["GRAPH_WAIT_S", "ResearchEngine", "ResearchOptions", "RunResult", "after_round"]
