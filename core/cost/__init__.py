"""What a research costs: a price table per model, the cost of each call and search, an
estimate before starting, and the budget check that ends a research in a report.

Pure functions over numbers and the real prompt builders; no I/O, no Textual. The engine
records each call's cost in its event (``LLMCallFinished.cost_usd``,
``SearchFinished.cost_usd``), so a saved research keeps the price it was run at.
"""

from core.cost.prices import (
    PRICES_AS_OF,
    TAVILY_CREDITS,
    TAVILY_USD_PER_CREDIT,
    ModelPrice,
    PriceTable,
    parse_prices,
)

__all__ = [
    "PRICES_AS_OF",
    "TAVILY_CREDITS",
    "TAVILY_USD_PER_CREDIT",
    "ModelPrice",
    "PriceTable",
    "parse_prices",
]
