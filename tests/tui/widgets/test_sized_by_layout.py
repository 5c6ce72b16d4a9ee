"""Sources arriving while a research streams lay nothing out (issue 15): the source list
and the recent-sources strip have sizes fixed by CSS, and a re-layout of the whole screen
for each new row made a slow frame. Only the scrollbar, when it appears, lays out."""

from __future__ import annotations

from textual.app import App, ComposeResult

from core.events import SourceAdded
from tests.pilot_helpers import count_reflows, settled
from tui.widgets.recent_sources import RecentSources
from tui.widgets.sources import SourcesView


def _sources(count: int) -> dict[int, SourceAdded]:
    return {
        n: SourceAdded(round=1, source_id=n, url=f"https://site{n}.example/a", title=f"Page {n}")
        for n in range(1, count + 1)
    }


class TablesApp(App[None]):
    CSS = "RecentSources { height: 8; }"

    def compose(self) -> ComposeResult:
        yield RecentSources(id="recent")
        yield SourcesView(id="sources")


async def test_new_sources_lay_nothing_out_until_a_scrollbar_appears() -> None:
    async with TablesApp().run_test(size=(80, 24)) as pilot:
        recent = pilot.app.query_one(RecentSources)
        view = pilot.app.query_one(SourcesView)
        recent.show_sources(_sources(2))
        view.show_sources(_sources(2))
        await settled(pilot)
        reflows = count_reflows(pilot.app)
        for count in (3, 4, 5):  # still fit both tables (8 and 16 rows tall)
            recent.show_sources(_sources(count))
            view.show_sources(_sources(count))
            await settled(pilot)
        assert reflows == []
        assert recent.row_count == view.table.row_count == 5
        assert "Page 5" in str(recent.get_row_at(0)[1])  # newest first, painted
        assert not recent.show_vertical_scrollbar
        recent.show_sources(_sources(12))
        view.show_sources(_sources(30))
        await settled(pilot)
        assert recent.show_vertical_scrollbar and view.table.show_vertical_scrollbar
        assert reflows  # the scrollbars' own layout
        assert view.table.virtual_size.height > view.table.size.height
