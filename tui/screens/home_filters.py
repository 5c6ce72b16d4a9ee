"""The Home form's search-filter fields: include-only domains, excluded domains, recency.

Their own module so the Home screen only places them; parsing is ``core.search.filters``'
(the same as Settings, the config file and ``run``'s flags). Defaults come from the
``[filters]`` settings; what is typed applies to the one research being started.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input

from tui.widgets.in_order_input import InOrderInput

if TYPE_CHECKING:
    from core.config import Config

FILTER_IDS = ("include", "exclude", "recency")


def filter_defaults(config: Config) -> dict[str, str]:
    section = config.filters
    return {
        "include": section.include_domains,
        "exclude": section.exclude_domains,
        "recency": section.recency,
    }


def filter_fields(defaults: dict[str, str]) -> ComposeResult:
    with Horizontal(id="filters-row"):
        for name, title, hint in (
            ("include", "Only domains", "any domain"),
            ("exclude", "Exclude domains", "none"),
            ("recency", "Recency", "any date"),
        ):
            field = InOrderInput(defaults.get(name, ""), placeholder=hint, id=name)
            field.border_title = title
            yield field


def read_filters(screen: Any) -> tuple[Any, str]:
    """(``SearchFilters``, "") from the fields, or (None, the problem in a sentence)."""
    from core.search.filters import FilterError, SearchFilters

    values = {name: screen.query_one(f"#{name}", Input).value for name in FILTER_IDS}
    try:
        filters = SearchFilters.parse(values["include"], values["exclude"], values["recency"])
    except FilterError as exc:
        text = str(exc)
        return None, "Filters: " + text[:1].upper() + text[1:] + "."
    return filters, ""
