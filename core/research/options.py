"""What a research is asked to do (``ResearchOptions``) and what it came to (``RunResult``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.config import Config
from core.events import SessionStatus


@dataclass
class ResearchOptions:
    rounds: int = 3
    breadth: int = 4
    results_per_search: int = 5
    concurrency: int = 4
    language: str = ""
    max_usd: float = 0.0
    """Budget in USD (0: none): the research stops before a round that would not fit."""
    max_tokens: int = 0
    """Budget in tokens, input and output (0: none)."""

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> ResearchOptions:
        research = config.research
        options = cls(
            rounds=research.rounds,
            breadth=research.breadth,
            results_per_search=research.results_per_search,
            concurrency=research.concurrency,
            language=research.language,
            max_usd=config.cost.max_usd,
            max_tokens=config.cost.max_tokens,
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(options, key, value)
        return options


@dataclass
class RunResult:
    session_id: str
    status: SessionStatus
    report_path: str
    rounds: int
    llm_calls: int
    tokens_in: int
    tokens_out: int
    sources: int
    reason: str = ""
    cost_usd: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "status": self.status,
            "report_path": self.report_path,
            "rounds": self.rounds,
            "llm_calls": self.llm_calls,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "sources": self.sources,
            "cost_usd": round(self.cost_usd, 6),
        }
