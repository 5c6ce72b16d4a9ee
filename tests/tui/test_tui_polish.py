"""Fixes from the UI review: keyboard citations, the node dialog at 80x24, a readable source
list, Home/Settings wording and focus, quitting a running research, the palette, resizes.

Each test fails on the code before its fix. Nothing sleeps: tests wait for conditions.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Input, Label, Static, Switch

from core.config import load
from core.mindmap.base import Neighbour, NodeDetail, NodeRef
from tests.conftest import AppBuilder
from tests.pilot_helpers import (
    DialogHost,
    Host,
    engine_held,
    home_loaded,
    keyed_config,
    on_top,
    replayed,
    report_opened,
    research_screen,
    screen_text,
    shown,
    shown_bindings,
    wait_for,
)
from tests.snapshot_apps.scripted import REPORT, canned_events, scripted_factory, write_session
from tui.screens.confirm import ConfirmScreen
from tui.screens.export import ExportScreen, shorten
from tui.screens.home import HomeScreen
from tui.screens.node_detail import NodeDetailScreen, format_value
from tui.screens.report import GoToSourceScreen
from tui.screens.research import ResearchScreen
from tui.screens.settings import SettingsScreen
from tui.screens.source_detail import SourceDetailScreen
from tui.widgets.sources import SourcesView, column_widths, fit

T0 = 1_763_900_000.0


# --- 1. Report: follow a citation with the keyboard -----------------------------------------


async def test_go_to_source_from_the_report_with_the_keyboard(
    keys: None, make_app: AppBuilder
) -> None:
    long_report = REPORT + "".join(
        f"\n## Part {i}\n\nMore on this [{i % 6 + 1}].\n" for i in range(30)
    )
    session_id = write_session(load().sessions_dir, canned_events(), report=long_report)
    app = make_app(open_session=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        research = await replayed(pilot)
        await pilot.press("r")
        await report_opened(pilot)
        report = app.screen
        assert shown_bindings(report).get("f") == "Go to source"
        # the footer shows the key at 80 columns (it redraws its bindings after the push)
        await wait_for(pilot, lambda: "Go to source" in screen_text(app), "f in the footer")
        doc = report.query_one("#report-doc", VerticalScroll)
        await wait_for(pilot, lambda: "Part 29" in doc.shown and doc.max_scroll_y > 10)
        doc.scroll_to(y=10, animate=False)
        await wait_for(pilot, lambda: doc.scroll_y == 10)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, GoToSourceScreen))
        dialog = app.screen
        await pilot.press("9", "9", "enter")
        error = dialog.query_one("#goto-error", Label)
        await wait_for(pilot, lambda: "no source 99" in str(error.render()), "99 refused")
        assert app.screen is dialog, "an unknown number keeps the dialog open"
        dialog.query_one(Input).value = ""
        await pilot.press("4", "enter")
        # source 4 is shown over the report (a click on [4] shows the claims citing it)
        await wait_for(pilot, lambda: isinstance(app.screen, SourceDetailScreen))
        assert app.screen.source.source_id == 4
        assert app.screen_stack[-2] is report
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is report)
        await wait_for(pilot, lambda: doc.scroll_y == 10, "back where the reader was")
        # Closing the report and opening it again also keeps the place.
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen is research)
        await pilot.press("r")
        reopened = await report_opened(pilot)
        doc = reopened.query_one("#report-doc", VerticalScroll)
        await wait_for(pilot, lambda: doc.scroll_y == 10, "the reopened report kept the place")


async def test_go_to_source_escape_keeps_the_report(keys: None, make_app: AppBuilder) -> None:
    session_id = write_session(load().sessions_dir, canned_events())
    app = make_app(open_session=session_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await replayed(pilot)
        await pilot.press("r")
        await report_opened(pilot)
        report = app.screen
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, GoToSourceScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is report)


# --- 2. Node detail: scrolls at 80x24, times as dates ----------------------------------------


class BigStore:
    """One node with many properties and neighbours: more than 80x24 can show at once."""

    def node(self, node_id: str) -> NodeDetail:
        props: dict[str, Any] = {f"prop_{i:02d}": f"value {i}" for i in range(12)}
        props.update(created=T0 + 0.5, updated=T0 + 60, round=2, confidence=0.8)
        neighbours = [
            Neighbour("CITES", "out", NodeRef(f"s{i}", "Source", f"Source number {i}"))
            for i in range(15)
        ]
        return NodeDetail(NodeRef(node_id, "Evidence", "claim"), props, neighbours)


def test_time_properties_are_local_dates() -> None:
    local = dt.datetime.fromtimestamp(T0).strftime("%Y-%m-%d %H:%M:%S")
    assert format_value("created", T0) == local
    assert format_value("finished_at", int(T0)) == local
    assert format_value("round", 2) == "2"
    assert format_value("confidence", 0.8) == "0.8"
    assert format_value("timestamp", 12.5) == "12.5", "not a plausible Unix time"
    assert format_value("updated", True) == "True"


async def test_node_detail_scrolls_to_the_last_neighbour_at_80x24() -> None:
    app = DialogHost(lambda: NodeDetailScreen(NodeRef("e1", "Evidence", "claim"), BigStore))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, NodeDetailScreen)
        neighbours = screen.query_one("#node-neighbours", DataTable)
        await wait_for(pilot, lambda: neighbours.row_count == 15)
        body = screen.query_one("#node-body", VerticalScroll)
        await wait_for(pilot, lambda: body.has_focus, "the body focused")
        await wait_for(pilot, lambda: body.max_scroll_y > 0, "the body laid out, taller than shown")
        footer = screen.query_one(Footer)
        assert footer.region.bottom <= 24 and footer.region.height == 1, "keys stay visible"
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: body.scroll_y > 0)
        await pilot.press("end")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y)
        visible_bottom = body.scroll_y + body.scrollable_content_region.height
        assert neighbours.virtual_region.bottom <= visible_bottom, "last neighbour reachable"
        await pilot.press("home")
        await wait_for(pilot, lambda: body.scroll_y == 0)
        props = screen.query_one("#node-properties", DataTable)
        values = {
            str(props.get_row_at(i)[0]): str(props.get_row_at(i)[1]) for i in range(props.row_count)
        }
        local = dt.datetime.fromtimestamp(T0 + 60).strftime("%Y-%m-%d %H:%M:%S")
        assert values["updated"] == local and values["round"] == "2"


# --- 3. Source list: the title gets the room, cut with an ellipsis --------------------------


def test_fit_counts_cells_and_adds_an_ellipsis() -> None:
    assert fit("short", 10) == "short"
    assert fit("exactly10!", 10) == "exactly10!"
    assert fit("a longer title here", 10) == "a longer…"
    cjk = fit("固体電池の最新研究と課題", 9)
    assert cjk.endswith("…") and cell_len(cjk) <= 9
    assert cjk == "固体電池…"


def test_narrow_columns_drop_round_and_give_the_title_the_room() -> None:
    narrow = column_widths(48)
    assert "round" not in narrow
    assert narrow["domain"] <= 14
    assert narrow["title"] >= 20
    used = sum(narrow.values()) + 2 * len(narrow) + 2
    assert used <= 48, "no horizontal scrolling"
    wide = column_widths(120)
    assert "round" in wide and wide["title"] > narrow["title"]


class SourcesHost(App[None]):
    def compose(self) -> ComposeResult:
        yield SourcesView()


def source(n: int, title: str, domain: str) -> Any:
    return SimpleNamespace(
        source_id=n, title=title, url=f"https://{domain}/{n}", domain=domain, round=1
    )


async def test_source_titles_are_cut_with_an_ellipsis_and_follow_resizes() -> None:
    sources = {
        1: source(
            1,
            "[b]Solid-state[/b] batteries: a review of electrolytes and interfaces",
            "www.nature.com",
        ),
        2: source(
            2,
            "全固体電池の最新研究と実用化への課題について",
            "www.very-long-domain-name.example.org",
        ),
    }
    app = SourcesHost()
    async with app.run_test(size=(50, 12)) as pilot:
        view = app.query_one(SourcesView)
        view.show_sources(sources)
        table = view.table

        def cut() -> bool:
            return table.row_count == 2 and all(
                table.get_cell(row, "title").plain.endswith("…") for row in ("1", "2")
            )

        await wait_for(pilot, cut, "both titles cut to the laid-out column")
        assert "round" not in {str(k.value) for k in table.columns}
        title_width = view.widths["title"]
        for row in ("1", "2"):
            title = table.get_cell(row, "title").plain
            assert title.endswith("…") and cell_len(title) <= title_width
        assert table.get_cell("1", "title").plain.startswith("[b]Solid"), "text, not markup"
        domain = table.get_cell("2", "domain").plain
        assert not domain.startswith("www.") and cell_len(domain) <= 14 and domain.endswith("…")
        assert table.virtual_size.width <= table.size.width, "no horizontal scrollbar"
        table.move_cursor(row=1)
        await pilot.resize_terminal(140, 12)
        await wait_for(pilot, lambda: "round" in {str(k.value) for k in table.columns})
        assert view.widths["title"] > title_width
        assert table.get_cell("1", "title").plain.startswith("[b]Solid-state[/b] batteries: a")
        assert table.cursor_row == 1, "the cursor stays on its source"


# --- 4. Home --------------------------------------------------------------------------------


async def test_home_hides_filter_key_while_typing_and_clears_the_started_topic() -> None:
    app = Host(keyed_config(), lambda app: HomeScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await home_loaded(pilot)
        assert screen.focused is screen.query_one("#topic")
        # Issue 16: from an empty topic field "/" filters (as the footer says); once the
        # topic has text, "/" is text ("TCP/IP") and the footer stops offering it.
        assert shown_bindings(screen).get("slash") == "Filter"
        await pilot.press("a")
        topic = screen.query_one("#topic", Input)
        await wait_for(pilot, lambda: topic.value == "a", "the a typed")
        # was offered before the a: its going is the change, waited for, not slept on
        await wait_for(
            pilot,
            lambda: "slash" not in shown_bindings(screen),
            "/ no longer offered: it types a slash in a typed topic",
        )
        await wait_for(pilot, lambda: "/ Filter" not in screen_text(app), "the footer redrawn")
        screen.query_one("#topic", Input).value = ""
        screen.query_one("#sessions").focus()
        await wait_for(pilot, lambda: shown_bindings(screen).get("slash") == "Filter")
        await wait_for(pilot, lambda: "/ Filter" in screen_text(app), "/ Filter in the footer")
        topic = screen.query_one("#topic", Input)
        topic.focus()
        await wait_for(pilot, lambda: screen.focused is topic, "the topic field focused")
        await pilot.press(*"graphene", "enter")
        await wait_for(pilot, lambda: [m.topic for m in app.started] == ["graphene"])
        assert topic.value == ""
        await pilot.press("enter")  # Enter again: refused, not a second research
        error = screen.query_one("#form-error", Static)
        await wait_for(
            pilot, lambda: error.display and "Type a topic first." in str(error.render())
        )
        assert len(app.started) == 1


def test_shorten_cuts_a_long_topic_at_a_word_with_an_ellipsis() -> None:
    topic = "Solid-state batteries for electric cars and the manufacturing problems of 2027"
    short = shorten(topic, 40)
    assert short.endswith("…") and cell_len(short) <= 40
    assert topic.startswith(short[:-1]) and topic[len(short) - 1] == " ", "cut at a word"
    assert shorten("short topic", 40) == "short topic"


async def test_export_dialog_shows_a_long_topic_with_an_ellipsis() -> None:
    topic = "A very long research topic about solid-state batteries for electric cars " * 2
    app = Host(keyed_config(), lambda app: ExportScreen(topic))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await on_top(pilot, ExportScreen)
        question = str(dialog.query_one("#export-question", Label).render())
        assert "…” as:" in question
        await shown(pilot, question)  # the whole question fits on screen


# --- 5. Settings ----------------------------------------------------------------------------


async def test_settings_path_says_saved_only_after_saving() -> None:
    from core import config as config_mod

    config = config_mod.load()
    app = Host(config, lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        path_line = screen.query_one("#settings-path")
        assert str(path_line.render()).startswith("Will be saved to ")
        screen.query_one("#gemini-api-key", Input).value = "gemini-key-0123456789"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: str(path_line.render()).startswith("Saved to "), "saved")


async def test_settings_says_not_set_once_per_key() -> None:
    from core import config as config_mod

    app = Host(config_mod.load(), lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(120, 40)) as pilot:
        await on_top(pilot, SettingsScreen)

        def rows() -> list[str]:
            return [line for line in screen_text(app).splitlines() if "Gemini API key" in line]

        await wait_for(pilot, lambda: any("not set" in line for line in rows()), "the row drawn")
        assert all(line.count("not set") == 1 for line in rows()), rows()


async def test_settings_focused_field_is_marked() -> None:
    app = Host(keyed_config(), lambda app: SettingsScreen(app.config))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await on_top(pilot, SettingsScreen)
        switch = screen.query_one("#research-review-queries", Switch)
        row = screen.query_one("#row-research-review-queries")
        before_row = row.styles.border_left
        before_slider = switch.get_component_styles("switch--slider").background
        switch.focus()
        await wait_for(pilot, lambda: switch.has_focus, "the switch focused")
        await wait_for(pilot, lambda: row.styles.border_left != before_row, "the row marked")
        await wait_for(
            pilot,
            lambda: switch.get_component_styles("switch--slider").background != before_slider,
            "the slider restyled",
        )


# --- 6. App: quitting a running research, the palette ---------------------------------------


async def test_ctrl_q_asks_while_a_research_runs(keys: None, make_app: AppBuilder) -> None:
    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=5))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await engine_held(pilot, screen)
        try:
            await _quit_while_running(pilot, screen)
        finally:
            screen.engine.release()  # a failed assertion must not leave the engine thread held


async def _quit_while_running(pilot: Any, screen: ResearchScreen) -> None:
    """ctrl+q asks (once), "n" keeps running, "y" interrupts the research and exits."""
    app = pilot.app
    interrupted: list[bool] = []
    original = screen.interrupt
    screen.interrupt = lambda: (interrupted.append(True), original())[1]  # type: ignore
    titles = [c.title for c in app.get_system_commands(screen)]
    assert "Stop research" in titles and "Pause research" in titles
    await pilot.press("ctrl+q")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    assert "A research is running" in app.screen.question
    await pilot.press("ctrl+q")  # asking already: no second dialog
    assert sum(isinstance(s, ConfirmScreen) for s in app.screen_stack) == 1
    await pilot.press("n")
    await wait_for(pilot, lambda: app.screen is screen)
    assert screen.running and not interrupted
    await pilot.press("ctrl+q")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    screen.engine.release()
    await pilot.press("y")
    await wait_for(pilot, lambda: bool(interrupted))
    await wait_for(pilot, lambda: app._exit)


async def test_palette_offers_only_actions_that_apply(keys: None, make_app: AppBuilder) -> None:
    session_id = write_session(load().sessions_dir, canned_events())
    app = make_app(open_session=session_id)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await replayed(pilot)
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Help" in titles and "Keys" not in titles
        assert "Stop research" not in titles and "Pause research" not in titles
        assert "Resume research" not in titles  # finished: nothing to resume
        assert "Show sources" in titles
        assert len(titles) == len(set(titles))
        await pilot.press("ctrl+q")  # finished research: quits without asking
        await wait_for(pilot, lambda: app._exit)
        assert not isinstance(app.screen, ConfirmScreen)
