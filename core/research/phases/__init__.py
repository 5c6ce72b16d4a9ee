"""The steps of a research, each a function of a ``Run`` with explicit inputs and outputs.

A round is context → reasoning → search → synthesis; the research ends with the report, or
the fallback report when the model cannot write one.
"""

from core.research.phases.context import build_context
from core.research.phases.fallback import write_fallback
from core.research.phases.reasoning import Plan, reason
from core.research.phases.report import write_report
from core.research.phases.search import search_all
from core.research.phases.synthesis import synthesise

__all__ = [
    "Plan",
    "build_context",
    "reason",
    "search_all",
    "synthesise",
    "write_fallback",
    "write_report",
]
