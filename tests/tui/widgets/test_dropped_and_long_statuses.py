"""The filters' dropped count in the sources list, the status bar and the JSON export; the
long statuses ("done with warnings", "budget reached") shown in whole words in narrow
columns; and an old "done" session still reads "done"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from core import events as ev
from core.events import DONE_STATUSES, SessionStatus
from core.record import SessionRecorder
from core.record.exports import export_session
from core.sessions import SessionStore
from core.state import SessionState
from tests.pilot_helpers import settled, wait_for
from tests.samples import session_events
from tui.status_label import SHORT_WIDTH, status_label
from tui.widgets.session_table import SessionTable
from tui.widgets.sources import SourcesView
from tui.widgets.status_bar import StatusBar

ALL_STATUSES: tuple[str, ...] = SessionStatus.__args__  # type: ignore[attr-defined]
T0 = 1_800_000_000.0


def _events(*extra: ev.Event, sid: str = "s1") -> list[ev.Event]:
    """The sample session, then ``extra`` stamped after it."""
    base = session_events(sid)
    return base + [e.stamped(sid, len(base) + n) for n, e in enumerate(extra, start=1)]


def _state(*extra: ev.Event) -> SessionState:
    return SessionState.replay(_events(*extra))


DROPPING = ev.SearchFinished(
    round=1, query="q2", results=0, dropped=3, dropped_reasons=["https://x.biz/a: excluded"]
)


def _plain(markup: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", markup)


# --- the dropped count ---------------------------------------------------------------------


class SourcesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SourcesView(id="sources")


async def test_the_sources_list_says_how_many_results_the_filters_dropped() -> None:
    app = SourcesApp()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(SourcesView)
        caption = view.query_one("#sources-caption")
        view.show_sources(_state().sources, dropped=0)
        await wait_for(pilot, lambda: view.table.row_count == 1)
        assert not caption.display, "no filters dropped anything: no line for it"
        view.show_sources(_state(DROPPING).sources, dropped=3)
        await wait_for(pilot, lambda: caption.region.height == 1, "the caption line on screen")
        assert str(caption.render()) == "1 source · 3 dropped by filters"
        assert view.table.row_count == 1


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


async def test_the_status_bar_shows_the_dropped_count_only_when_some_were() -> None:
    app = BarApp()
    async with app.run_test(size=(200, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show_state(_state())
        assert "dropped" not in bar.render_text()
        bar.show_state(_state(DROPPING))
        assert "3 dropped by filters" in bar.render_text()
        await pilot.resize_terminal(60, 3)
        await wait_for(pilot, lambda: 0 < bar.size.width <= 60, "the bar at 60 columns")
        text = _plain(bar.render_text())
        assert cell_len(text) <= bar.content_size.width
        assert "src 1 · 3 dropped" in text or "dropped" not in text  # short, or dropped first
        await pilot.resize_terminal(70, 3)
        await wait_for(pilot, lambda: "src 1 · 3 dropped" in _plain(bar.render_text()), "at 70")


def test_the_json_export_summary_has_results_dropped(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    handle = store.create("t")
    recorder = SessionRecorder(handle)
    for event in _events(DROPPING, sid=handle.id):
        recorder(event)
    summary = json.loads(export_session(handle, "json"))["state summary"]
    assert summary["results_dropped"] == 3
    assert summary["tokens_in"] == 7, "the old keys are still there"


# --- long statuses in whole words ----------------------------------------------------------


@pytest.mark.parametrize("width", [SHORT_WIDTH, 14, 18, 40])
def test_a_status_label_fits_and_is_made_of_whole_words(width: int) -> None:
    for status in ALL_STATUSES:
        label = status_label(status, width)
        assert cell_len(label) <= max(width, SHORT_WIDTH)
        if label != status:  # shortened: whole words (or a sign), never "done with w"
            assert status.startswith(label.removesuffix(" ⚠").removesuffix(" hit"))
            assert all(word in [*status.split(), "⚠", "hit"] for word in label.split())
    assert status_label("done with warnings", SHORT_WIDTH) == "done ⚠"
    assert status_label("budget reached", SHORT_WIDTH) == "budget hit"


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SessionTable(id="sessions")


def _info(sid: str, status: str) -> SimpleNamespace:
    return SimpleNamespace(
        id=sid,
        topic=f"topic {sid}",
        status=status,
        rounds_done=2,
        rounds_planned=3,
        sources=4,
        created=T0,
        updated=T0,
        model="m",
    )


@pytest.mark.parametrize(("width", "height"), [(80, 24), (200, 50)])
async def test_the_home_table_shows_each_status_uncut(width: int, height: int) -> None:
    app = TableApp()
    async with app.run_test(size=(width, height)) as pilot:
        table = app.query_one(SessionTable)
        table.set_sessions([_info(f"id{n}", s) for n, s in enumerate(ALL_STATUSES)])
        await settled(pilot)  # laid out: the columns have their widths for this size
        column = table.columns["status"]  # type: ignore[index]
        for n, status in enumerate(ALL_STATUSES):
            cell = table.get_cell(f"id{n}", "status")
            shown = cell.plain
            assert cell_len(shown) <= column.width, f"{shown!r} is wider than its column"
            assert shown == status_label(status, column.width)
            # what is on screen is the whole cell: the column is as wide as its widest label
            if width >= 200:
                assert shown == status, "a wide table has room for every status in full"
        if width < 200:
            assert table.get_cell(f"id{ALL_STATUSES.index('done with warnings')}", "status")
            row = ALL_STATUSES.index("done with warnings")
            table.move_cursor(row=row)
            # the full text in the tooltip
            await wait_for(pilot, lambda: table.tooltip == "Status: done with warnings")
            assert table.get_cell(f"id{row}", "status").plain == "done ⚠"
            table.move_cursor(row=ALL_STATUSES.index("done"))
            await wait_for(pilot, lambda: table.tooltip is None, "no tooltip on a whole status")
        # the screen itself: the status reads in whole words in the rendered lines
        lines = [
            "".join(seg.text for seg in table.render_line(y))
            for y in range(1, len(ALL_STATUSES) + 1)
        ]
        assert not any("done with w" in line and "done with warnings" not in line for line in lines)
        assert not any("budget reac" in line and "budget reached" not in line for line in lines)


async def test_the_status_bar_shortens_a_long_status_in_whole_words() -> None:
    state = _state(ev.SessionFinished(status="done with warnings", reason="2 searches failed"))
    app = BarApp()
    async with app.run_test(size=(200, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.show_state(state)
        assert "done with warnings" in _plain(bar.render_text())
        await pilot.resize_terminal(40, 3)
        await wait_for(pilot, lambda: "done ⚠" in _plain(bar.render_text()), "short at 40")
        text = _plain(bar.render_text())
        assert "done with w" not in text or "done with warnings" in text


# --- an old "done" session -----------------------------------------------------------------


async def test_an_old_done_session_replays_as_done_everywhere(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    handle = store.create("old")
    recorder = SessionRecorder(handle)
    for event in _events(ev.SessionFinished(status="done"), sid=handle.id):
        recorder(event)
    state = SessionState.replay(handle.load_events())
    assert state.status == "done" and state.status in DONE_STATUSES
    info = next(i for i in store.list() if i.id == handle.id)
    assert info.status == "done"
    assert json.loads(export_session(handle, "json"))["state summary"]["status"] == "done"
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(SessionTable)
        table.set_sessions([info])
        await settled(pilot)  # the cursor's row handled: a tooltip would be set by now
        assert table.get_cell(handle.id, "status").plain == "done"
        assert table.tooltip is None
    bar_app = BarApp()
    async with bar_app.run_test(size=(40, 3)):
        bar = bar_app.query_one(StatusBar)
        bar.show_state(state)
        assert re.search(r"\bdone\b", _plain(bar.render_text()))
        assert "⚠" not in bar.render_text()
