"""The sources list and the source detail say which search provider found each source;
a source saved before providers were recorded shows nothing there."""

from __future__ import annotations

from core.events import SourceAdded
from tui.screens.source_detail import source_markdown
from tui.widgets.sources import column_widths, source_cells


def _source(provider: str | None) -> SourceAdded:
    return SourceAdded(
        round=1, source_id=7, url="https://a.example.org/x", title="A", provider=provider
    )


def test_the_via_column_shows_the_provider_and_nothing_for_old_sources() -> None:
    widths = column_widths(100)
    assert "via" in widths and "via" not in column_widths(48), "narrow views keep the title"
    assert sum(widths.values()) + 2 * len(widths) + 2 <= 100, "no horizontal scrolling"
    keys = list(widths)
    cells = dict(zip(keys, source_cells(_source("searxng"), widths), strict=True))
    assert cells["via"].plain == "searxng"
    old = dict(zip(keys, source_cells(_source(None), widths), strict=True))
    assert old["via"].plain == ""


def test_the_detail_names_the_provider_only_when_it_was_recorded() -> None:
    assert "**Search provider:** ddgs" in source_markdown(_source("ddgs"), [])
    assert "Search provider" not in source_markdown(_source(None), [])
