"""Settings' price rows: "input $/M / output $/M" per model we offer, over the defaults.

Their own module so the Settings screen only places them. The rows edit ``cost.prices``
(``core.cost.prices``: ``MODEL=INPUT/OUTPUT`` USD per million tokens): a row left at its
default (or emptied) is no override, so the saved string holds only what the user changed,
and a new price list in the code still reaches every model the user did not price.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Input, Label, Static

from core.cost.prices import FREE, GEMINI_PRICES, PRICES_AS_OF, ModelPrice, parse_prices
from tui.widgets.in_order_input import InOrderInput

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from core.config import Config

PRICE_PREFIX = "price-"
"""Widget ids are ``price-0``, ``price-1`` …: a model name ("qwen3:8b") is no valid id."""


def offered_models(config: Config) -> list[str]:
    """The Gemini models we offer, the configured Gemini and server models, and any model
    ``cost.prices`` already prices (so no saved override is ever hidden, or lost on save)."""
    names = list(GEMINI_PRICES)
    saved = _saved(config)
    for name in (config.gemini.model, config.openai.model, *saved):
        name = name.strip().removeprefix("models/")
        if name and name not in names:
            names.append(name)
    return names


def _saved(config: Config) -> dict[str, ModelPrice]:
    try:
        return parse_prices(config.cost.prices)
    except ValueError:  # checked when the config was read; never crash the form on it
        return {}


def default_price(model: str) -> ModelPrice:
    return GEMINI_PRICES.get(model, FREE)


def price_text(price: ModelPrice) -> str:
    """``0.3 / 2.5``: what the field shows and takes."""
    return f"{price.input_per_m:g} / {price.output_per_m:g}"


def parse_price(text: str) -> tuple[ModelPrice | None, str]:
    """("input / output" in USD per million tokens) → (price, ""), or (None, the problem).
    Empty is (None, ""): the default."""
    text = text.strip()
    if not text:
        return None, ""
    first, slash, second = text.replace(",", "/").partition("/")
    if not slash:
        return None, "must be INPUT / OUTPUT in USD per million tokens (e.g. 0.30 / 2.50)"
    try:
        numbers = float(first), float(second)
    except ValueError:
        return None, "prices must be numbers (e.g. 0.30 / 2.50)"
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None, "prices must be 0 or more"
    return ModelPrice(*numbers), ""


def price_rows(config: Config) -> ComposeResult:
    """A heading and one row per offered model, showing the price in force."""
    saved = _saved(config)
    yield Label("Prices (USD per million tokens, input / output)", classes="settings-heading")
    for index, model in enumerate(offered_models(config)):
        default = default_price(model)
        shown = saved.get(model, default)
        with Horizontal(classes="settings-row price-row", id=f"row-{PRICE_PREFIX}{index}"):
            yield Label(model, classes="settings-label", markup=False)
            field = InOrderInput(
                price_text(shown),
                placeholder=price_text(default),
                id=f"{PRICE_PREFIX}{index}",
                compact=True,
            )
            field.tooltip = model
            yield field
            note = f"default {price_text(default)}"
            note += f" ({PRICES_AS_OF})" if model in GEMINI_PRICES else " (not priced: free)"
            yield Static(escape(note), classes="settings-note")


def collect_prices(screen: DOMNode, config: Config) -> tuple[str | None, list[str]]:
    """The new ``cost.prices`` (None when unchanged) and the rows' problems."""
    saved = _saved(config)
    overrides: dict[str, ModelPrice] = {}
    problems: list[str] = []
    for index, model in enumerate(offered_models(config)):
        text = screen.query_one(f"#{PRICE_PREFIX}{index}", Input).value
        price, problem = parse_price(text)
        if problem:
            problems.append(f"Price of {model}: {problem}.")
            continue
        if price is None:  # emptied: back to the default
            continue
        old = saved.get(model)
        if old is not None and price_text(old) == price_text(price):
            overrides[model] = old  # unchanged: kept as saved
        elif price_text(price) != price_text(default_price(model)):
            overrides[model] = price
    if problems:
        return None, problems
    if _texts(overrides) == _texts(saved):
        return None, []
    text = ", ".join(
        f"{model}={price.input_per_m:g}/{price.output_per_m:g}"
        for model, price in overrides.items()
    )
    return text, []


def _texts(prices: dict[str, ModelPrice]) -> dict[str, str]:
    return {model: price_text(price) for model, price in prices.items()}
