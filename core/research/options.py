"""What a research is asked to do (``ResearchOptions``) and what it came to (``RunResult``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.config import Config
from core.events import SessionStatus
from core.search.filters import NO_FILTERS, SearchFilters
from core.search_failures import failed_searches


@dataclass
class ResearchOptions:
    rounds: int = 3
    breadth: int = 4
    results_per_search: int = 5
    concurrency: int = 4
    language: str = ""
    focus: str = ""
    """"Dig deeper": the follow-up question these rounds focus on (data in the prompt)."""
    filters: SearchFilters = NO_FILTERS
    """Domains and recency every search result must pass (``core.search.filters``)."""
    max_usd: float = 0.0
    """Budget in USD (0: none): the research stops before a round that would not fit."""
    max_tokens: int = 0
    """Budget in tokens, input and output (0: none)."""
    judge: bool = False
    """Before the report, one LLM call judges whether each verified quote supports its
    claim (``trust.judge``, ``run --judge``)."""

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> ResearchOptions:
        research = config.research
        options = cls(
            rounds=research.rounds,
            breadth=research.breadth,
            results_per_search=research.results_per_search,
            concurrency=research.concurrency,
            language=research.language,
            filters=config_filters(config),
            max_usd=config.cost.max_usd,
            max_tokens=config.cost.max_tokens,
            judge=config.trust.judge,
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(options, key, value)
        return options


def config_filters(config: Config) -> SearchFilters:
    """The default filters from the ``[filters]`` settings (checked when the config was read;
    a since-date that was valid then stays valid)."""
    section = config.filters
    return SearchFilters.parse(
        section.include_domains, section.exclude_domains, section.recency, today=date.max
    )


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
    results_dropped: int = 0
    """Search results the filters turned away."""
    failed_searches: list[dict[str, Any]] = field(default_factory=list)
    """Each: {"round", "query", "provider", "reason"} (``core.search_failures``)."""
    cost_usd: float = 0.0
    sources_by_provider: dict[str, int] = field(default_factory=dict)
    """Sources per search provider that found them (``SessionState.sources_by_provider``)."""

    @classmethod
    def from_state(
        cls, session_id: str, state: Any, status: SessionStatus, reason: str = ""
    ) -> RunResult:
        """What a research came to, read from its ``SessionState``: at its end, or at a
        signal that interrupted it (``run --json`` prints the same summary for both)."""
        return cls(
            session_id=session_id,
            status=status,
            report_path=state.report_path,
            rounds=state.completed_rounds(),
            llm_calls=state.llm_calls,
            tokens_in=state.tokens_in,
            tokens_out=state.tokens_out,
            sources=len(state.sources),
            sources_by_provider=state.sources_by_provider(),
            reason=reason,
            results_dropped=state.results_dropped,
            failed_searches=[f.as_dict() for f in failed_searches(state)],
            cost_usd=state.cost_usd,
        )

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
            "sources_by_provider": dict(self.sources_by_provider),
            "results_dropped": self.results_dropped,
            "reason": self.reason,
            "failed_searches": list(self.failed_searches),
            "cost_usd": round(self.cost_usd, 6),
        }
