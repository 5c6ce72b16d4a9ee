"""``run``'s search-filter flags: ``--include-domain``, ``--exclude-domain``, ``--recency``.

Kept apart from ``run_cmd`` so the flags, their help and their checks live in one place;
the parsing is ``core.search.filters``' (the same as the Home form, Settings and the
config file), so a value refused here is refused there with the same words.
"""

from __future__ import annotations

import argparse

from core.config import Config
from core.search.filters import RECENCY_HELP, SearchFilters

FLAG_NAMES = ("include_domain", "exclude_domain", "recency")


def add_filter_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include-domain",
        action="append",
        metavar="DOMAIN",
        help="only sources from this domain and its subdomains (repeat, or comma-separate; "
        "default from config filters.include_domains)",
    )
    parser.add_argument(
        "--exclude-domain",
        action="append",
        metavar="DOMAIN",
        help="never sources from this domain or its subdomains (repeat, or comma-separate)",
    )
    parser.add_argument(
        "--recency",
        metavar="WHEN",
        help=f"only results published in the past {RECENCY_HELP}; 'any' for no limit "
        "(results without a date are kept)",
    )


def given(args: argparse.Namespace) -> bool:
    """Whether any filter flag was given (``--resume`` refuses them)."""
    return any(getattr(args, name, None) is not None for name in FLAG_NAMES)


def filters_from_args(args: argparse.Namespace, config: Config) -> SearchFilters:
    """The research's filters: each flag given replaces that part of the config's defaults.
    Raises ``FilterError`` (a sentence naming the bad value)."""
    section = config.filters
    include = args.include_domain if args.include_domain is not None else section.include_domains
    exclude = args.exclude_domain if args.exclude_domain is not None else section.exclude_domains
    recency = args.recency if args.recency is not None else section.recency
    return SearchFilters.parse(include, exclude, recency)
