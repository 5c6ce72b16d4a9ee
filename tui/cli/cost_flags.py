"""``run``'s cost flags: ``--estimate`` (no call is made), ``--max-cost`` and ``--max-tokens``.

The budget flags set ``config.cost`` for this run only (nothing is written), so the engine
reads one place for the budget whether it came from the file, Settings or a flag.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from core.config import check_value
from core.errors import ConfigError


def _number(dotted: str, kind: type) -> Any:
    def parse(text: str) -> Any:
        try:
            return kind(check_value(dotted, text))
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{dotted} ")) from None

    parse.__name__ = dotted
    return parse


def add_cost_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--estimate",
        action="store_true",
        help="print what the research would cost (no call is made) and exit",
    )
    add_budget_flags(parser)


def add_budget_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--max-cost`` and ``--max-tokens``: the same on ``run`` and the app (never saved)."""
    parser.add_argument(
        "--max-cost",
        type=_number("cost.max_usd", float),
        metavar="USD",
        help="budget in USD: stop before a round that would not fit and write the report",
    )
    parser.add_argument(
        "--max-tokens",
        type=_number("cost.max_tokens", int),
        metavar="N",
        help="budget in tokens (input and output), like --max-cost",
    )


def apply_cost_flags(config: Any, args: argparse.Namespace) -> None:
    """Set ``config.cost`` from the flags given (a namespace without them changes nothing)."""
    if getattr(args, "max_cost", None) is not None:
        config.cost.max_usd = args.max_cost
    if getattr(args, "max_tokens", None) is not None:
        config.cost.max_tokens = args.max_tokens


def print_estimate(config: Any, args: argparse.Namespace) -> int:
    """The estimate on stdout (one JSON object with ``--json``); exit 0."""
    from core.cost.prices import PRICES_AS_OF, format_usd
    from core.cost.session import estimate_for, llm_model

    rounds = args.rounds or config.research.rounds
    breadth = args.breadth or config.research.breadth
    estimate = estimate_for(config, rounds=rounds, breadth=breadth, topic=args.topic or "")
    if args.json:
        print(
            json.dumps(
                {
                    "rounds": rounds,
                    "breadth": breadth,
                    "model": llm_model(config),
                    "tokens_in": estimate.tokens_in,
                    "tokens_out": estimate.tokens_out,
                    "cost_usd": round(estimate.usd, 6),
                    "prices_as_of": PRICES_AS_OF,
                }
            )
        )
    else:
        print(
            f"about {format_usd(estimate.usd)} for {rounds} rounds of up to {breadth} searches "
            f"with {llm_model(config)}: ~{estimate.tokens_in:,} tokens in, "
            f"~{estimate.tokens_out:,} out (list prices of {PRICES_AS_OF}; no call was made)"
        )
    return 0
