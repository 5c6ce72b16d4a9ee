"""The Home form's budget fields (max USD, max tokens) and the live estimate beside them.

Their own module so the Home screen only places them. The estimate is
``core.cost.session.estimate_for`` (the same as ``run --estimate``), recomputed on each
change of rounds, breadth or budget (``Input.Changed``, no timer); it makes no call.
The budget applies to the one research being started; its defaults are ``cost.max_usd``
and ``cost.max_tokens`` (as ``run --max-cost`` / ``--max-tokens`` override them).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from tui.widgets.in_order_input import InOrderInput

if TYPE_CHECKING:
    from core.config import Config

BUDGET_ID = "max-usd"
TOKENS_ID = "max-tokens"


def budget_default(config: Config) -> str:
    """The field's text for ``cost.max_usd``: empty for none (0)."""
    return f"{config.cost.max_usd:g}" if config.cost.max_usd > 0 else ""


def tokens_default(config: Config) -> str:
    """The token field's text for ``cost.max_tokens``: empty for none (0)."""
    return str(config.cost.max_tokens) if config.cost.max_tokens > 0 else ""


def budget_fields(default: str, tokens: str = "") -> ComposeResult:
    with Horizontal(id="budget-row"):
        field = InOrderInput(default, placeholder="no limit", id=BUDGET_ID, type="number")
        field.border_title = "Budget (USD)"
        yield field
        cap = InOrderInput(tokens, placeholder="no limit", id=TOKENS_ID, type="integer")
        cap.border_title = "Token budget"
        yield cap
        yield Static("", id="estimate")


def parse_budget(text: str) -> tuple[float | None, str]:
    """(USD, "") with 0 for none, or (None, the problem in a sentence)."""
    text = text.strip()
    if not text:
        return 0.0, ""
    try:
        value = float(text)
    except ValueError:
        return None, "Budget must be a number of US dollars (empty for no limit)."
    if not math.isfinite(value) or value < 0:
        return None, "Budget must be 0 or more US dollars (empty for no limit)."
    return value, ""


def read_budget(screen: Any) -> tuple[float | None, str]:
    return parse_budget(screen.query_one(f"#{BUDGET_ID}", Input).value)


def parse_tokens(text: str) -> tuple[int | None, str]:
    """(tokens, "") with 0 for none, or (None, the problem in a sentence)."""
    text = text.strip().replace(",", "").replace("_", "")
    if not text:
        return 0, ""
    try:
        value = int(text)
    except ValueError:
        return None, "Token budget must be a whole number of tokens (empty for no limit)."
    if value < 0:
        return None, "Token budget must be 0 or more tokens (empty for no limit)."
    return value, ""


def read_tokens(screen: Any) -> tuple[int | None, str]:
    return parse_tokens(screen.query_one(f"#{TOKENS_ID}", Input).value)


def estimate_text(
    config: Config, rounds: str, breadth: str, budget: str, tokens_budget: str = ""
) -> str:
    """The label: about what the research would cost, and whether the budget cuts it short."""
    from core.config import BREADTH_RANGE, ROUNDS_RANGE
    from core.cost.prices import PRICES_AS_OF, format_usd
    from core.cost.session import estimate_for

    try:
        n_rounds, n_breadth = int(rounds), int(breadth)
    except ValueError:
        return "Estimate: set rounds and breadth."
    if not (
        ROUNDS_RANGE[0] <= n_rounds <= ROUNDS_RANGE[1]
        and BREADTH_RANGE[0] <= n_breadth <= BREADTH_RANGE[1]
    ):
        return "Estimate: set rounds and breadth."
    estimate = estimate_for(config, rounds=n_rounds, breadth=n_breadth)
    tokens = estimate.tokens
    size = f"{tokens / 1000:.0f}k" if tokens >= 1000 else str(tokens)
    text = f"Estimate ≈ {format_usd(estimate.usd)} · ~{size} tokens · {PRICES_AS_OF} prices"
    limit, _problem = parse_budget(budget)
    over = []
    if limit and estimate.usd > limit:
        over.append(f"the {format_usd(limit)} budget")
    cap, _problem = parse_tokens(tokens_budget)
    if cap and tokens > cap:
        over.append(f"the {cap:,} token budget")
    if over:
        text += f" · over {' and '.join(over)}: it stops early and still reports"
    return text


def update_estimate(screen: Any, config: Config, *, force: bool = False) -> None:
    """Recompute the label; unless ``force``, only when rounds, breadth or budget changed.

    Each field posts ``Input.Changed`` once as it mounts, with the value the form already
    estimated: those repeats cost an estimate each (it formats every prompt) at start-up.
    ``force`` is for what the fields cannot see change: prices or defaults from Settings.
    """
    inputs = (
        screen.query_one("#rounds", Input).value,
        screen.query_one("#breadth", Input).value,
        screen.query_one(f"#{BUDGET_ID}", Input).value,
        screen.query_one(f"#{TOKENS_ID}", Input).value,
    )
    if not force and getattr(screen, "_estimated_inputs", None) == inputs:
        return
    screen._estimated_inputs = inputs
    screen.query_one("#estimate", Static).update(estimate_text(config, *inputs))
