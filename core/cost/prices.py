"""The price table: USD per million tokens per model, and Tavily credits per search.

Why a table of list prices in the code: an estimate and a budget need numbers before the
first call, and the providers return token counts, not prices. The defaults are published
list prices, dated below; ``cost.prices`` in the config overrides or adds any model (a
local or OpenAI-compatible model costs 0 unless it is given a price there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PRICES_AS_OF = "2025-07"
"""When the default prices were taken: Google's Gemini API pricing page
(https://ai.google.dev/gemini-api/docs/pricing, paid tier, text input, standard — not batch —
requests) and Tavily's pricing page (https://tavily.com/#pricing, pay-as-you-go), as listed
in July 2025. They were not re-checked later: check them before relying on a figure, and set
``cost.prices`` / ``cost.tavily_usd_per_credit`` when they have changed."""


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens. Thinking tokens are billed as output (Gemini reports them
    apart; our ``tokens_out`` already includes them)."""

    input_per_m: float = 0.0
    output_per_m: float = 0.0
    long_input_per_m: float | None = None
    """Price of every input token when the prompt is above ``long_above`` tokens (2.5 Pro)."""
    long_output_per_m: float | None = None
    long_above: int = 200_000

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        """USD for one call of ``tokens_in`` prompt and ``tokens_out`` output tokens."""
        long = tokens_in > self.long_above
        price_in = self.long_input_per_m if long and self.long_input_per_m else self.input_per_m
        price_out = self.long_output_per_m if long and self.long_output_per_m else self.output_per_m
        return (max(0, tokens_in) * price_in + max(0, tokens_out) * price_out) / 1_000_000

    @property
    def free(self) -> bool:
        return not (self.input_per_m or self.output_per_m)


FREE = ModelPrice()

GEMINI_PRICES: dict[str, ModelPrice] = {
    # PRICES_AS_OF (2025-07), paid tier, USD per 1M tokens, prompts up to 200k tokens.
    "gemini-2.5-pro": ModelPrice(1.25, 10.00, long_input_per_m=2.50, long_output_per_m=15.00),
    "gemini-2.5-flash": ModelPrice(0.30, 2.50),
    "gemini-2.5-flash-lite": ModelPrice(0.10, 0.40),
    "gemini-2.0-flash": ModelPrice(0.10, 0.40),
    "gemini-2.0-flash-lite": ModelPrice(0.075, 0.30),
}
"""Default prices of the Gemini models we offer (``gemini.model``)."""

TAVILY_USD_PER_CREDIT = 0.008
"""Tavily pay-as-you-go price of one API credit (PRICES_AS_OF); ``cost.tavily_usd_per_credit``."""
TAVILY_CREDITS: dict[str, int] = {"basic": 1, "advanced": 2}
"""API credits one Tavily search costs at each ``tavily.search_depth``."""


class PriceError(ValueError):
    """A ``cost.prices`` value that cannot be read (the message says where)."""


def parse_prices(text: str) -> dict[str, ModelPrice]:
    """``"gemini-2.5-flash=0.30/2.50, llama3=0/0"`` → prices by model name.

    One string so it goes through ``config set`` and a Settings field like every other
    value: comma-separated ``MODEL=INPUT/OUTPUT`` in USD per million tokens.
    """
    prices: dict[str, ModelPrice] = {}
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        model, eq, pair = item.rpartition("=")
        model = model.strip()
        if not eq or not model or "/" not in pair:
            raise PriceError(f"{item!r} is not MODEL=INPUT/OUTPUT")
        first, _, second = pair.partition("/")
        try:
            numbers = float(first), float(second)
        except ValueError:
            raise PriceError(f"{item!r}: prices must be numbers") from None
        if not all(math.isfinite(n) and n >= 0 for n in numbers):
            raise PriceError(f"{item!r}: prices must be 0 or more")
        prices[model] = ModelPrice(*numbers)
    return prices


@dataclass(frozen=True)
class PriceTable:
    """The prices in force: the defaults with the configured ones over them."""

    models: dict[str, ModelPrice]
    tavily_usd_per_credit: float = TAVILY_USD_PER_CREDIT

    @classmethod
    def defaults(cls) -> PriceTable:
        return cls(dict(GEMINI_PRICES))

    @classmethod
    def with_overrides(
        cls, prices: str = "", tavily_usd_per_credit: float | None = None
    ) -> PriceTable:
        models = {**GEMINI_PRICES, **parse_prices(prices)}
        per_credit = (
            TAVILY_USD_PER_CREDIT if tavily_usd_per_credit is None else tavily_usd_per_credit
        )
        return cls(models, per_credit)

    def price(self, model: str) -> ModelPrice:
        """The model's price: its own entry, else the longest entry it starts with (a dated
        or preview name such as ``gemini-2.5-flash-preview-05-20``), else free (a local or
        unknown model: never guessed)."""
        name = model.strip().removeprefix("models/")
        if name in self.models:
            return self.models[name]
        starts = [known for known in self.models if name.startswith(known + "-")]
        return self.models[max(starts, key=len)] if starts else FREE

    def known(self, model: str) -> bool:
        """Whether ``model`` has a price (its own or a prefix's) rather than the free default."""
        name = model.strip().removeprefix("models/")
        return name in self.models or any(name.startswith(k + "-") for k in self.models)

    def call(self, model: str, tokens_in: int, tokens_out: int) -> float:
        return self.price(model).cost(tokens_in, tokens_out)

    def search(self, provider: str, depth: str = "basic") -> float:
        """USD for one search: Tavily credits at ``depth``; the others cost nothing."""
        if provider != "tavily":
            return 0.0
        return TAVILY_CREDITS.get(depth, 1) * self.tavily_usd_per_credit


def format_usd(amount: float | None) -> str:
    """``$0.0123`` for small sums, ``$1.23`` from a dollar; ``—`` when unknown."""
    if amount is None:
        return "—"
    if amount == 0:
        return "$0"
    if abs(amount) < 0.01:
        return f"${amount:.4f}"
    if abs(amount) < 1:
        return f"${amount:.3f}"
    return f"${amount:,.2f}"
