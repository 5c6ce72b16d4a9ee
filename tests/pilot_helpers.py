"""Helpers shared by the Pilot (TUI) tests: waits on states, the host apps, screen text.

Every helper waits for a state and never assumes which screen is on top when it is called:
a research started from the command line may already have opened its report by itself by
the time the test looks (on a loaded machine it usually has).
"""

from __future__ import annotations

import html
import inspect
import re
import time
from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static

from core import config as config_mod
from core.config import Config
from tui.app import css_paths

# How long a wait may last before it fails. It bounds a failure, it never paces a test (a
# wait returns the moment its state holds): a canned research reaches "done" in 0.6 s idle,
# 4-7 s beside `stress-ng --cpu 4`, and once took over 10 s on a CI box, so 30 s.
TIMEOUT = 30.0
GEMINI_KEY = "AIzaFAKE-gemini-key-0123456789-abcd"
TAVILY_KEY = "tvly-FAKE-tavily-key-9876543210-wxyz"


def describe(condition: Callable[[], Any]) -> str:
    """The condition's own source line, for a failure message when no text was given."""
    try:
        source = inspect.getsource(condition).strip()
    except (OSError, TypeError):
        return repr(condition)
    match = re.search(r"lambda\s*:\s*(.*)", source)
    text = match.group(1) if match else source
    return text.rstrip(",)") if match else text


async def wait_for(
    pilot: Any,
    condition: Callable[[], Any],
    what: str | None = None,
    *,
    limit: float = TIMEOUT,
) -> None:
    """Let the app run until ``condition()`` holds; fail after ``limit`` seconds of wall time.

    Tests wait for a state, never for a fixed time, so they are as fast as the app allows.
    The failure names the state (``what``, else the condition's source), the screen on
    top, the focused widget and the screen's text, so a timeout on a loaded machine says
    what never happened and what was there instead.
    """
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            app = pilot.app
            screen = type(app.screen).__name__ if app.is_running else "(app gone)"
            shown = f"\n{screen_text(app)}" if app.is_running else ""
            raise AssertionError(
                f"waited {limit:g}s for: {what or describe(condition)} (screen on top: {screen},"
                f" focus: {app.focused!r}){shown}"
            )
        await pilot.pause(0.02)


async def press_button(pilot: Any, selector: str) -> None:
    """Click the button ``selector`` once it can be pressed again.

    Textual's Button ignores a click during its 0.2 s press effect (the ``-active`` class):
    a second click that soon after the first is lost, as a person's would be. A test that
    presses a button twice waits for the effect to end first.
    """
    button = pilot.app.screen.query_one(selector)
    await wait_for(pilot, lambda: not button.has_class("-active"), f"{selector} pressable")
    await pilot.click(selector)


async def research_screen(pilot: Any, limit: float = TIMEOUT) -> Any:
    """The app's Research screen, wherever it is in the stack (the report may be on top)."""
    from tui.screens.research import ResearchScreen

    app = pilot.app

    def found() -> Any:
        return next((s for s in app.screen_stack if isinstance(s, ResearchScreen)), None)

    await wait_for(
        pilot, lambda: found() is not None, "a Research screen in the stack", limit=limit
    )
    return found()


async def replayed(pilot: Any, limit: float = TIMEOUT) -> Any:
    """The Research screen once its saved events are replayed and it is on top."""
    screen = await research_screen(pilot, limit)
    app = pilot.app
    await wait_for(
        pilot,
        lambda: screen.replayed and app.screen is screen,
        "the research replayed and on top",
        limit=limit,
    )
    await settled(pilot, limit)  # what the replay changed is laid out and painted
    return screen


async def finished(pilot: Any, screen: Any, limit: float = TIMEOUT) -> None:
    """Wait for the research on ``screen`` to end, then close the report it opened by itself
    when writing began (back on the research screen)."""
    app = pilot.app
    await wait_for(
        pilot, lambda: screen.state.status == "done", "research status done", limit=limit
    )
    await wait_for(pilot, lambda: not screen.running, "the engine worker ended", limit=limit)
    await report_opened(pilot, limit=limit)
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is screen, "back on the research screen", limit=limit)


async def report_opened(pilot: Any, *, limit: float = TIMEOUT) -> Any:
    """The Report screen on top with its header drawn.

    Waiting for the header's title, not just the push, matters: Textual's ``Header`` sets its
    title from watchers registered at mount, and a screen popped (or an app torn down) while
    they are still pending fails with ``NoMatches: HeaderTitle``.
    """
    from textual.widgets._header import HeaderTitle

    from tui.screens.report import ReportScreen

    app = pilot.app

    def drawn() -> bool:
        screen = app.screen
        if not isinstance(screen, ReportScreen):
            return False
        titles = screen.query(HeaderTitle)
        return bool(titles) and bool(str(titles.first().render()).strip())

    await wait_for(pilot, drawn, "the report on top with its header title drawn", limit=limit)
    return app.screen


async def engine_held(pilot: Any, screen: Any) -> Any:
    """The scripted engine of ``screen``, once it waits at its ``hold_at`` event."""
    await wait_for(
        pilot,
        lambda: screen.engine is not None and screen.engine.holding.is_set(),
        "the scripted engine held at hold_at",
    )
    return screen.engine


async def home_loaded(pilot: Any) -> Any:
    """The Home screen, on top, once its saved list has loaded and its estimate is drawn."""
    from tui.screens.home import HomeScreen

    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen), "Home on top")
    screen = app.screen
    await wait_for(pilot, lambda: screen.loaded, "Home's saved list loaded")
    await wait_for(pilot, lambda: screen.estimated, "Home's cost estimate drawn")
    await settled(pilot)  # the loaded list is laid out and painted
    return screen


async def on_top(pilot: Any, kind: type, *, limit: float = TIMEOUT) -> Any:
    """The screen of type ``kind`` once it is on top, mounted and laid out.

    A screen pushed at mount is in the stack before its widgets are composed or sized; a
    test that queries it or measures regions straight away races the first layout.
    """
    app = pilot.app

    def ready() -> bool:
        screen = app.screen
        return isinstance(screen, kind) and screen.is_mounted and screen.size.area > 0

    await wait_for(pilot, ready, f"a {kind.__name__} on top, mounted and laid out", limit=limit)
    return app.screen


VIEWS = {"sources": ("s", "#sources-table"), "mindmap": ("m", "#mindmap-tree")}
"""A research screen's view -> the key that shows it and the widget that then has focus."""


async def show_view(pilot: Any, screen: Any, view: str, limit: float = TIMEOUT) -> Any:
    """Press the key of ``view`` (``sources`` or ``mindmap``) and return its list or tree
    once it is mounted (the first time it is shown), shown and focused."""
    key, selector = VIEWS[view]
    await pilot.press(key)

    def ready() -> bool:
        found = screen.query(selector)
        shown = screen.query_one("#views").current == view
        return shown and bool(found) and found.first().has_focus

    await wait_for(pilot, ready, f"the {view} view shown and focused", limit=limit)
    return screen.query_one(selector)


async def shown(pilot: Any, *texts: str, limit: float = TIMEOUT) -> str:
    """The screen's text once every one of ``texts`` is painted in it (a refresh after the
    state changed, not the state itself, puts text on screen)."""
    app = pilot.app
    await wait_for(
        pilot,
        lambda: all(text in screen_text(app) for text in texts),
        f"on screen: {', '.join(map(repr, texts))}",
        limit=limit,
    )
    return screen_text(app)


async def drained(pilot: Any, limit: float = TIMEOUT) -> None:
    """Every message already queued on the app and on the screen on top (and its widgets)
    has been handled.

    A callback queued behind them runs once they have (queues are first in, first out), so
    a test can then assert that something did *not* happen in reply to what came before.
    """
    app = pilot.app
    handled: list[object] = []
    # a pump that is closing takes no callback (call_later says so): not waited for
    queued = sum(
        pump.call_later(handled.append, pump)
        for pump in [app, *app.screen.walk_children(with_self=True)]
    )
    await wait_for(
        pilot, lambda: len(handled) == queued, "the queued messages handled", limit=limit
    )


def _quiet(screen: Any) -> bool:
    """Nothing on ``screen`` waits to be laid out, scrolled or painted."""
    if (
        screen._layout_required
        or screen._scroll_required
        or screen._repaint_required
        or screen._dirty_widgets
    ):
        return False
    return not any(w._layout_required or w._repaint_required for w in screen.walk_children())


async def settled(pilot: Any, limit: float = TIMEOUT) -> None:
    """The screen on top has handled what was queued and laid out and painted what it
    changed: the state after which "nothing else happened" can be asserted.

    Quiet is checked again after one more drain, since handling a message may ask for
    another layout (a scrollbar that appears changes the width).
    """
    app = pilot.app
    deadline = time.monotonic() + limit
    while True:
        await drained(pilot, limit)
        await wait_for(pilot, lambda: _quiet(app.screen), "nothing left to lay out or paint")
        await drained(pilot, limit)
        if _quiet(app.screen):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {limit:g}s for the screen to settle")


def notified(app: App[Any], needle: str) -> bool:
    """True once a toast whose title or message contains ``needle`` was posted (``notify``
    posts a message: the toast is recorded when the app handles it, not at the call)."""
    return any(needle in n.title or needle in n.message for n in app._notifications)


def toasts_in(app: App[Any], screen: Any) -> bool:
    """True once every toast ``screen`` posted (its latest of each kind) is recorded by the
    app: a positive sign the live events applied before it were all handled."""
    return all(toast in app._notifications for toast in screen._toasts.values())


def keyed_config() -> Config:
    """The test home's config with both (fake) keys set."""
    config = config_mod.load()
    config.gemini.api_key = GEMINI_KEY
    config.tavily.api_key = TAVILY_KEY
    return config


def screen_text(app: App[Any]) -> str:
    """Everything visible, one line per screen row, taken from the exported SVG screenshot.

    The SVG is what ``save_screenshot`` writes, so a key that is not in here is not on screen.
    """
    svg = app.export_screenshot()
    rows: dict[int, list[str]] = {}
    for line, text in re.findall(
        r'<text [^>]*?clip-path="url\(#[^)]*?-line-(\d+)\)">(.*?)</text>', svg
    ):
        rows.setdefault(int(line), []).append(html.unescape(text).replace("\xa0", " "))
    return "\n".join("".join(parts) for _, parts in sorted(rows.items()))


def footer_keys(screen: Any) -> list[Any]:
    """The key widgets the screen's footer paints now (``FooterKey``), in order. Not the
    bindings (``shown_bindings``): these are what the footer made of them."""
    from textual.widgets._footer import FooterKey

    return list(screen.query(FooterKey))


def shown_bindings(screen: Any) -> dict[str, str]:
    """Key -> description of the bindings the footer shows now."""
    return {
        key: active.binding.description
        for key, active in screen.active_bindings.items()
        if active.binding.show and active.enabled
    }


class Host(App[None]):
    """Pushes one screen; implements the app-side contract the screens rely on.

    It stands in for ``tui.app.DeepResearchApp``: it defines the actions the screens and the
    palette call (``action_settings``, ``action_help``, ``action_open_session``,
    ``action_new_research``) and records the messages Home posts.
    """

    def __init__(self, config: Config, make_screen: Any) -> None:
        super().__init__()
        self.config = config
        self.make_screen = make_screen
        self.started: list[Any] = []
        self.opened: list[str] = []
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("host")

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(self), self.results.append)

    def on_home_screen_start_research(self, message: Any) -> None:
        self.started.append(message)

    def on_home_screen_open_session(self, message: Any) -> None:
        self.opened.append(message.session_id)

    def action_open_session(self, session_id: str) -> None:
        self.opened.append(session_id)

    def action_new_research(self) -> None:
        self.started.append("new")

    def action_settings(self) -> None:
        from tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen(self.config))

    def export_research(self, session_id: str, fmt: str) -> None:
        from core.record.exports import write_export

        write_export(self.config, session_id, fmt)  # type: ignore[arg-type]

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, screen_bindings

        self.push_screen(HelpScreen(screen_bindings(self.screen)))


class DialogHost(App[None]):
    """The app's stylesheets and one dialog screen pushed at mount."""

    CSS_PATH = css_paths()

    def __init__(self, make_screen: Callable[[], Any]) -> None:
        super().__init__()
        self.make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())


def partial_update(compositor: Any, regions: Any, *, textual: bool) -> Any:
    """The update ``compositor`` paints with ``regions`` dirty: through Textual's own
    ``Compositor.render_partial_update`` (``textual``) or through the app's
    ``SpanCompositor``, on the same layout (the span compositor's test and its bench)."""
    from textual._compositor import Compositor

    from tui.span_compositor import SpanCompositor

    render = Compositor.render_partial_update if textual else SpanCompositor.render_partial_update
    compositor._dirty_regions.clear()
    compositor._dirty_regions.update(regions)
    return render(compositor)


def count_reflows(app: App[Any]) -> list[object]:
    """The layouts of the app's current screen from now on (one entry per
    ``Compositor.reflow``): tests assert that an update lays nothing out."""
    compositor = app.screen._compositor
    reflows: list[object] = []
    reflow = compositor.reflow

    def counted(*args: object, **kwargs: object) -> object:
        reflows.append(args)
        return reflow(*args, **kwargs)

    compositor.reflow = counted  # type: ignore[method-assign]
    return reflows
