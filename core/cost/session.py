"""The cost settings of a research read from the config: the price table, the model the
calls are priced as, the search provider and depth, and the estimate for given options."""

from __future__ import annotations

from typing import Any

from core.cost.estimate import Estimate, estimate_research
from core.cost.prices import PriceTable


def price_table(config: Any) -> PriceTable:
    return PriceTable.with_overrides(config.cost.prices, config.cost.tavily_usd_per_credit)


def llm_model(config: Any) -> str:
    """The model calls are priced as (an OpenAI-compatible server's model costs 0 unless
    ``cost.prices`` names it)."""
    if config.providers.llm == "openai":
        return config.openai.model
    return config.gemini.model


def first_search_provider(config: Any) -> str:
    chain = config.providers.search_chain
    return chain[0] if chain else "tavily"


def estimate_for(config: Any, *, rounds: int, breadth: int, topic: str = "") -> Estimate:
    """The estimate for a research with these rounds and breadth under ``config``."""
    return estimate_research(
        rounds=rounds,
        breadth=breadth,
        results_per_search=config.research.results_per_search,
        context_chars=config.research.context_chars,
        prices=price_table(config),
        model=llm_model(config),
        search_provider=first_search_provider(config),
        search_depth=config.tavily.search_depth,
        topic=topic or "a research topic of usual length",
    )
