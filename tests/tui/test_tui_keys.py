"""Help's "Here" and the command palette both list every action a screen's bindings offer.

They are read from the bindings (``tui.keys``), so keys left out of the footer for room
(``e``/``E`` on the report, ``1 2 3``, ``tab`` and ``v`` on a research) are listed too, and
each palette command says what it does, not only its key.
"""

from __future__ import annotations

from typing import Any

from core.config import load
from core.record.exports import export_name
from tests.conftest import AppBuilder
from tests.pilot_helpers import replayed, report_opened, research_screen, wait_for
from tests.snapshot_apps.scripted import canned_events, scripted_factory, write_session
from tui.app import DeepResearchApp
from tui.screens.help import HelpScreen


def _app(make_app: AppBuilder) -> DeepResearchApp:
    session_id = write_session(load().sessions_dir, canned_events())
    return make_app(open_session=session_id)


async def _help_rows(pilot: Any) -> dict[str, str]:
    """Help's "Here" section as {keys: action}; closes help again."""
    app = pilot.app
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
    rows = {keys: title for keys, title, _ in app.screen.context_bindings}
    await pilot.press("escape")
    await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
    return rows


async def test_research_help_and_palette_list_every_binding(
    keys: None, make_app: AppBuilder
) -> None:
    app = _app(make_app)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await replayed(pilot)
        rows = await _help_rows(pilot)
        for key in ("1", "2", "3", "tab", "shift+tab", "v", "s", "m", "r", "a", "q"):
            assert key in rows, key
        commands = {c.title: c.help for c in app.get_system_commands(screen)}
        for title in ("Back to Home", "Export as Markdown", "Export as JSON", "Show sources"):
            assert title in commands, title
        plan = commands["Show the Plan pane"]
        assert "plan" in plan and plan.endswith("key 1")


async def test_report_help_and_palette_list_export_and_sources(
    keys: None, make_app: AppBuilder
) -> None:
    app = _app(make_app)
    async with app.run_test(size=(100, 30)) as pilot:
        research = await replayed(pilot)
        await pilot.press("r")
        await report_opened(pilot)
        report = app.screen
        rows = await _help_rows(pilot)
        assert rows["e"] == "Export as Markdown" and rows["E"] == "Export as JSON"
        commands = {c.title: c for c in app.get_system_commands(report)}
        for title in ("Export as Markdown", "Export as JSON", "Show sources", "Go to source"):
            assert title in commands, title
        assert commands["Show sources"].help == "The sources behind the citations — key s"
        commands["Export as Markdown"].callback()  # runs the report's own export action
        sid = research.state.session_id
        path = load().data_dir / "exports" / export_name(research.state.topic, sid, "md")
        await wait_for(pilot, lambda: path.exists())


async def test_research_palette_export_writes_the_file(keys: None, make_app: AppBuilder) -> None:
    app = _app(make_app)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await replayed(pilot)
        commands = {c.title: c for c in app.get_system_commands(screen)}
        commands["Export as JSON"].callback()
        session_id = screen.state.session_id
        path = load().data_dir / "exports" / export_name(screen.state.topic, session_id, "json")
        await wait_for(pilot, lambda: path.exists())
        await wait_for(pilot, lambda: any("Exported" in n.message for n in app._notifications))


def _footer_text(app: Any) -> str:
    from textual.widgets import Footer

    footer = app.screen.query_one(Footer)
    return " ".join(
        f"{item.key_display} {item.description}" for item in footer.query("FooterKey").results()
    )


async def test_home_slash_filters_from_an_empty_topic_and_quit_is_shown(
    keys: None, make_app: AppBuilder
) -> None:
    from textual.widgets import Input

    from tui.screens.home import HomeScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        home = app.screen
        topic = home.query_one("#topic", Input)
        await wait_for(pilot, lambda: home.focused is topic)
        await wait_for(
            pilot,
            lambda: "/ Filter" in _footer_text(app) and "Quit" in _footer_text(app),
            "the footer offers / Filter and Quit",
        )
        filter_field = home.query_one("#filter", Input)
        await pilot.press("slash")
        await wait_for(pilot, lambda: home.focused is filter_field, "/ moved to the filter")
        assert topic.value == ""
        # In a topic with text "/" is text, and the footer stops offering it.
        topic.focus()
        await wait_for(pilot, lambda: home.focused is topic, "back in the topic")
        await pilot.press(*"TCP", "slash", "I", "P")
        await wait_for(pilot, lambda: topic.value == "TCP/IP", "/ typed as text")
        # offered a moment ago: its going is the change waited for
        await wait_for(pilot, lambda: "Filter" not in _footer_text(app), "/ Filter gone")
        # In the filter itself "/" is text too.
        filter_field.focus()
        await wait_for(pilot, lambda: home.focused is filter_field, "in the filter")
        await pilot.press("slash")
        await wait_for(pilot, lambda: filter_field.value == "/", "/ typed in the filter")


async def test_space_in_the_mind_map_pauses_as_the_footer_says(
    keys: None, make_app: AppBuilder
) -> None:
    from tui.widgets.mindmap_tree import MindMapTree

    app = make_app(start_topic="Solid-state batteries", engine_factory=scripted_factory(hold_at=10))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await research_screen(pilot)
        await wait_for(pilot, lambda: screen.engine is not None and screen.engine.holding.is_set())
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(screen.focused, MindMapTree))
        assert "space Pause" in _footer_text(app)
        await pilot.press("space")
        assert screen.engine.paused
        await pilot.press("space")
        assert not screen.engine.paused
        screen.engine.release()
