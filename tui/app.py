"""The Textual application: navigation, the shared mind-map store, help and the palette.

Screens: Home (C2) → Research (live or replayed) → Report / dialogs. The app never runs
research itself; a :class:`ResearchScreen` owns its engine worker. What the app shares is
the mind-map store: it is opened on first use (in a worker thread) and handed to both the
engine and the mind-map tree, because an embedded graph database should have one owner per
process. The embedded graph also has one *writer* across processes, so the app holds it
only while it needs it (a research runs, the mind map or a node is on screen) and lets go
when idle: a second window or a ``run`` researching meanwhile gets the writer. Research
done while another process held it is queued and caught up by the next writer
(``core.mindmap.pending``); after a research that ran read-only the app tries that at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.driver import Driver
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from styles import tcss
from tui import preload
from tui.commands import SavedResearchProvider
from tui.focus_keys import focus_move_for
from tui.frame_pacing import InputClock

if TYPE_CHECKING:
    from tui.engine_worker import EngineFactory

STYLE_FILES = ("app", "research", "home", "settings", "dialogs", "check", "followup")

RECLAIM_QUIET_S = 1.0
"""How long no input must have come before a closed research's heap is collected."""


def css_paths() -> list[Path]:
    """The .tcss files shipped in the ``styles`` package."""
    return [tcss(name) for name in STYLE_FILES]


def make_options(config: Any, **overrides: Any) -> Any:
    """Research options from the config plus the form's values."""
    preload.wait()  # never beside the preload's own import of it
    from core.research import ResearchOptions

    return ResearchOptions.from_config(config, **overrides)


class DeepResearchApp(App[None]):
    """``DeepResearchApp(config, start_topic=..., open_session=...).run()``."""

    TITLE = "deepresearch-tui"
    CSS_PATH = css_paths()
    COMMANDS = App.COMMANDS | {SavedResearchProvider}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help", tooltip="Keys that apply here"),
        Binding(
            "ctrl+s",
            "settings",
            "Settings",
            id="app.settings",
            show=False,
            tooltip="API keys, model, graph backend",
        ),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, show=False),
    ]

    def __init__(
        self,
        config: Any,
        *,
        start_topic: str | None = None,
        open_session: str | None = None,
        engine_factory: EngineFactory | None = None,
        store_factory: Callable[[Any], tuple[Any, list[str]]] | None = None,
        llm_factory: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.start_topic = start_topic
        self.open_session_id = open_session
        self.engine_factory = engine_factory
        """None: the real engine (``tui.engine_worker`` is imported with the first research,
        not at start-up: Home's first frame does not need it)."""
        self.store_factory = store_factory
        self.llm_factory = llm_factory
        self._store: Any = None
        self._store_error: str = ""
        self._store_lock = threading.Lock()
        self._home_deferred = False
        """Started with ``--open``: Home is not on the stack yet (``pop_screen`` adds it)."""
        self.first_frame_shown = False
        """Set when Textual displays the first frame (``on_ready``; ``tui.first_frame``)."""
        self.start_up_settled = False
        """``tui.heap.settle_heap`` ran, just after the first frame (tests wait for it)."""
        self._reclaim_timer: Timer | None = None
        self.heap_reclaims = 0
        """How many times a closed research's frozen heap was collected (tests count it)."""
        self.input_clock = InputClock()
        """When a key or click last came in: the live screens paint its answer at once
        (``tui.frame_pacing``)."""

    def _build_driver(
        self, headless: bool, inline: bool, mouse: bool, size: tuple[int, int] | None
    ) -> Driver:
        """Textual's driver, with its input noted as it leaves the input thread: a paint
        the panes' stream asks for then waits for the key (``InputClock.in_flight``)."""
        driver = super()._build_driver(headless, inline, mouse, size)
        send, note = driver.send_message, self.input_clock.arrived

        def send_message(message: Message) -> None:
            note(message)
            send(message)

        driver.send_message = send_message  # type: ignore[method-assign]
        return driver

    async def on_event(self, event: events.Event) -> None:
        self.input_clock.saw(event)
        if isinstance(event, events.Key) and not event.is_forwarded:
            move = focus_move_for(self, event.key)
            if move is not None:  # now, so the keys after it go to the new focus
                await self.run_action(move)
                return
        await super().on_event(event)

    # --- toasts ---------------------------------------------------------------------------

    def max_toasts(self) -> int:
        """How many toasts may stand at once: stacked, they covered the report at 80x24."""
        return 1 if self.size.height < 30 else 3

    def on_notify(self, _event: Any) -> None:
        # Runs before Textual's own handler adds the toast: trim once it is in.
        self.call_later(self._trim_toasts)

    def _trim_toasts(self) -> None:
        """Drop the oldest toasts beyond ``max_toasts`` (the newest win).

        Textual has no public limit; ``_notifications`` and ``_unnotify`` are what its own
        ``clear_notifications`` uses (Textual is pinned below 9).
        """
        notifications = self._notifications
        if len(notifications) <= self.max_toasts():
            return
        while len(notifications) > self.max_toasts():
            self._unnotify(next(iter(notifications)), refresh=False)
        self._refresh_notifications()

    # --- start-up -------------------------------------------------------------------------

    def on_load(self) -> None:
        """Before the stylesheet is parsed and the first screen built: no automatic garbage
        collection until the first frame is up (``_settle_start_up``).

        From ``on_mount`` on was too late: Textual parses the app's CSS before it, and a
        full collection over everything imported (~20 ms) could fall there (seen in a
        process that had imported more first; issue 15). ``tui.cli.build_app`` holds them
        even earlier, before Textual is imported.
        """
        from tui.heap import hold_collections

        hold_collections()

    def on_mount(self) -> None:
        from tui.screens.home import HomeScreen

        self._handle_sigterm(True)
        self.screen_change_signal.subscribe(self, lambda _screen: self.release_store_if_idle())
        if self.open_session_id and not self.start_topic and not self.config.missing_keys():
            # ``--open``: straight into the research. Home (its form, list and estimate) is
            # built when the user goes back to it (``pop_screen``), not under the research.
            self._home_deferred = True
            self._act_on_command_line(saved_settings=True)
            return
        self.push_screen(HomeScreen(self.config))
        if self.config.missing_keys():
            self._open_settings(first_launch=True)
        else:
            self._act_on_command_line(saved_settings=True)

    def on_ready(self) -> None:
        """The first frame is displayed: what start-up built is frozen (``tui.heap``) and
        screens run what they kept off the frame."""
        from tui.first_frame import FirstFrame

        self.first_frame_shown = True
        # After the frame Ready comes just before: that full collection (~50 ms) delayed
        # Home's first frame (app to Home's frame, median of 15: 353 -> 258 ms).
        self.call_after_refresh(self._settle_start_up)
        for screen in self.screen_stack:
            screen.post_message(FirstFrame())

    def reclaim_heap_when_quiet(self) -> None:
        """A research screen closed: what its research froze (``tui.heap.freeze_heap``) is
        garbage the collector cannot see. It is collected (``settle_heap``, ~100 ms on the
        UI thread) once no input came for ``RECLAIM_QUIET_S`` and no research runs, so the
        pause falls where nobody waits for a frame."""
        if self._reclaim_timer is None:
            self._reclaim_timer = self.set_timer(RECLAIM_QUIET_S, self._reclaim_heap)

    def _reclaim_heap(self) -> None:
        from tui.heap import settle_heap

        self._reclaim_timer = None
        typing = self.input_clock.recent(RECLAIM_QUIET_S)
        if typing or any(screen.running for screen in self._research_screens()):
            self.reclaim_heap_when_quiet()
            return
        settle_heap()
        self.heap_reclaims += 1

    def _settle_start_up(self) -> None:
        from tui.heap import settle_heap

        settle_heap()
        self.start_up_settled = True

    def pop_screen(self) -> AwaitComplete:
        """Back from the research opened by ``--open``: Home takes its place (built now)."""
        if self._home_deferred and len(self.screen_stack) == 2:
            from tui.screens.home import HomeScreen

            self._home_deferred = False
            return self.switch_screen(HomeScreen(self.config))
        return super().pop_screen()

    def _act_on_command_line(self, *, saved_settings: bool) -> None:
        """Start ``start_topic`` or open ``open_session_id``, once.

        Both are cleared here: they are what the command line asked for at launch, and a
        later Settings save must not start the same research again (spending quota) or jump
        back to a research the user has left. A topic that cannot start yet (the first
        Settings was closed without keys) is left in Home's topic field instead.
        """
        topic, self.start_topic = self.start_topic, None
        session_id, self.open_session_id = self.open_session_id, None
        if topic and saved_settings and not self.config.missing_keys():
            self.start_research(topic)
        elif topic:
            self._prefill_topic(topic)
        elif session_id:  # reading a saved research needs no keys
            self.action_open_session(session_id)

    def _prefill_topic(self, topic: str) -> None:
        from tui.screens.home import HomeScreen

        if isinstance(self.screen, HomeScreen):
            self.screen.focus_topic(topic)

    def _open_settings(self, *, first_launch: bool = False) -> None:
        from tui.screens.settings import SettingsScreen

        def closed(saved: bool | None) -> None:
            if first_launch:
                self._act_on_command_line(saved_settings=bool(saved))

        self.push_screen(SettingsScreen(self.config, first_launch=first_launch), closed)

    # --- navigation -----------------------------------------------------------------------

    def _research_screen(self, **kwargs: Any) -> Screen[Any]:
        preload.wait()
        from tui.screens.research import ResearchScreen

        return ResearchScreen(
            self.config,
            engine_factory=self.engine_factory,  # None: ResearchScreen's default, the engine
            get_store=self.mindmap_store,
            make_llm=self.llm_factory,
            **kwargs,
        )

    def start_research(
        self,
        topic: str,
        *,
        rounds: int | None = None,
        breadth: int | None = None,
        language: str | None = None,
        filters: Any = None,
        max_usd: float | None = None,
        max_tokens: int | None = None,
    ) -> None:
        if problems := self.config.missing_keys():
            self.notify("\n".join(problems), title="API keys missing", severity="error")
            self._open_settings(first_launch=True)
            return
        if self.config.providers.private:
            from core.providers import private_mode_problems

            if refused := private_mode_problems(self.config):
                self.notify(
                    "\n".join(refused),
                    title="Private mode: not started (data would leave this machine)",
                    severity="error",
                    timeout=15,
                )
                return
        try:
            options = make_options(
                self.config,
                rounds=rounds,
                breadth=breadth,
                language=language,
                filters=filters,
                max_usd=max_usd,
                max_tokens=max_tokens,
            )
        except Exception as exc:  # the engine is not importable: say so, do not crash
            self.notify(f"Cannot start: {exc}", severity="error")
            return
        self.push_screen(self._research_screen(topic=topic, options=options))

    def action_open_session(self, session_id: str) -> None:
        self.push_screen(self._research_screen(session_id=session_id))

    def action_new_research(self) -> None:
        from tui.screens.home import HomeScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        if self._home_deferred and len(self.screen_stack) == 2:
            self.pop_screen()  # Home is built now; it focuses its topic field itself
        elif isinstance(self.screen, HomeScreen):
            self.screen.focus_topic()

    def action_settings(self) -> None:
        from tui.screens.settings import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            self._open_settings()

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, screen_bindings

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(screen_bindings(self.screen)))

    QUIT_QUESTION = "A research is running. Quit? It is saved and can be resumed."

    def _research_screens(self) -> list[Any]:
        preload.wait()
        from tui.screens.research import ResearchScreen

        return [screen for screen in self.screen_stack if isinstance(screen, ResearchScreen)]

    async def action_quit(self) -> None:
        """Quit; while a research runs, ask first (the answer interrupts it, saved)."""
        from tui.screens.confirm import ConfirmScreen

        if not any(screen.running for screen in self._research_screens()):
            self._interrupt_and_exit()
            return
        if isinstance(self.screen, ConfirmScreen) and self.screen.question == self.QUIT_QUESTION:
            return  # already asking

        def answered(yes: bool | None) -> None:
            if yes:
                self._interrupt_and_exit()

        self.push_screen(ConfirmScreen(self.QUIT_QUESTION, yes="Quit", no="Stay"), answered)

    def _interrupt_and_exit(self) -> None:
        for screen in self._research_screens():
            screen.interrupt()
        self.exit()

    def on_home_screen_start_research(self, message: Any) -> None:
        """HomeScreen.StartResearch: the form was submitted."""
        message.stop()
        self.start_research(
            message.topic,
            rounds=message.rounds,
            breadth=message.breadth,
            language=message.language,
            filters=getattr(message, "filters", None),
            max_usd=getattr(message, "max_usd", None),
            max_tokens=getattr(message, "max_tokens", None),
        )

    def on_home_screen_open_session(self, message: Any) -> None:
        message.stop()
        self.action_open_session(message.session_id)

    # --- the shared mind-map store --------------------------------------------------------

    def mindmap_store(self) -> Any:
        """The store, opened on first use (call from a worker thread: opening can be slow).

        Raises ``RuntimeError`` with the reason when it cannot be opened; the reason is kept
        so a down Neo4j is not retried on every tree expansion.
        """
        with self._store_lock:
            if self._store is None and not self._store_error:
                try:
                    if self.store_factory is not None:
                        store, warnings = self.store_factory(self.config)
                    else:
                        from core.mindmap.factory import open_store

                        store, warnings = open_store(self.config)
                except Exception as exc:
                    self._store_error = f"{type(exc).__name__}: {exc}"
                else:
                    self._store = store
                    for warning in warnings:
                        self._notify_any_thread(warning)
            if self._store is None:
                raise RuntimeError(self._store_error or "the mind map is not available")
            return self._store

    def _notify_any_thread(self, message: str, severity: str = "warning") -> None:
        if threading.get_ident() == self._thread_id:
            self.notify(message, title="Mind map", severity=severity, timeout=10)  # type: ignore[arg-type]
        else:
            self.call_from_thread(
                self.notify, message, title="Mind map", severity=severity, timeout=10
            )

    def _handle_sigterm(self, on: bool) -> None:
        """SIGTERM (``kill``, a logout, a container stop) quits like ``q`` answered yes: a
        running research is interrupted and saved, and the terminal is restored, instead
        of the process dying in raw mode. Only the main thread's loop can take signals."""
        import asyncio
        import signal

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop = asyncio.get_running_loop()
            if on:
                loop.add_signal_handler(signal.SIGTERM, self._interrupt_and_exit)
            else:
                loop.remove_signal_handler(signal.SIGTERM)

    def store_in_use(self) -> bool:
        """True while something on screen needs the graph: a research runs (its engine
        writes), or the mind map, a node or the ask dialog is showing."""
        from tui.screens.ask import AskScreen
        from tui.screens.node_detail import NodeDetailScreen

        if any(screen.running for screen in self._research_screens()):
            return True
        if isinstance(self.screen, NodeDetailScreen | AskScreen):
            return True
        for screen in self._research_screens():
            with contextlib.suppress(Exception):  # not composed yet: nothing shown
                from textual.widgets import ContentSwitcher

                if screen is self.screen and screen.query_one(ContentSwitcher).current == (
                    "mindmap"
                ):
                    return True
        return False

    def release_store_if_idle(self) -> None:
        """Close the embedded graph when nothing needs it, so another process can write.

        Neo4j takes many writers: its connection is kept. Reopening later is cheap (the
        next ``mindmap_store()`` call), and that open catches up on queued research.
        """
        store = self._store
        if store is None or getattr(store, "backend", "") != "ladybug" or self.store_in_use():
            return
        with self._store_lock:
            if self._store is not store:
                return
            self._store = None
            self._store_error = ""
        self._close_store(store)

    @work(thread=True, exit_on_error=False, group="store-release")
    def _close_store(self, store: Any) -> None:
        """Close, then add research queued meanwhile (ours or another process's) if the
        graph is free now: the queue empties by itself, not at the next manual rebuild."""
        with contextlib.suppress(Exception):  # a failed close must not crash the app
            store.close()
        from core.mindmap.pending import catch_up_if_free

        done = catch_up_if_free(self.config)
        if done.message():
            self._notify_any_thread(done.message(), severity="information")

    @on(Worker.StateChanged)
    def _research_worker_changed(self, event: Worker.StateChanged) -> None:
        """A research ended (the screen's handler lets the message through): let go."""
        if event.worker.group == "research" and event.state in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.call_later(self.release_store_if_idle)

    def on_unmount(self) -> None:
        from tui.heap import release_heap

        self._handle_sigterm(False)
        if self._reclaim_timer is not None:  # asked for by a screen the exit closed
            self._reclaim_timer.stop()
            self._reclaim_timer = None
        store, self._store = self._store, None
        if store is not None:
            with contextlib.suppress(Exception):  # closing at exit must not raise
                store.close()
        release_heap()

    # --- command palette ------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The app's commands, then everything the screen's bindings can do right now
        (``tui.keys``: the same list as the help screen's "Here"), then Textual's own."""
        from tui.commands import screen_commands, system_commands

        seen = set(HIDDEN_SYSTEM_COMMANDS)
        commands: list[SystemCommand] = list(system_commands(self))
        commands.extend(screen_commands(screen))
        commands.extend(self._export_commands(screen))
        commands.extend(super().get_system_commands(screen))
        for command in commands:
            if command.title not in seen:
                seen.add(command.title)
                yield command

    def _export_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """On a research, its export (the keys for it are on the report and the list)."""
        preload.wait()
        from tui.screens.research import ResearchScreen

        if not isinstance(screen, ResearchScreen) or not screen.state.session_id:
            return
        session_id = screen.state.session_id
        for fmt, title, what in (
            ("md", "Export as Markdown", "The report and its sources, as a .md file"),
            ("json", "Export as JSON", "The whole research, as a .json file"),
        ):
            yield SystemCommand(
                title,
                f"{what} in the exports folder",
                partial(self.export_research, session_id, fmt),
            )

    @work(thread=True, exit_on_error=False, group="app-export")
    def export_research(self, session_id: str, fmt: str) -> None:
        """Write a saved research to ``<data dir>/exports`` (``core.record.exports``); say where.

        The one export path of the app: the list, the report and the palette all call it.
        """
        from textual.markup import escape

        from core.record.exports import write_export
        from tui.paths import shown_path

        try:
            path = write_export(self.config, session_id, fmt)  # type: ignore[arg-type]
        except Exception as exc:  # a failed export is a message, never a crash
            self.call_from_thread(
                self.notify, escape(str(exc)), title="Export failed", severity="error"
            )
            return
        self.call_from_thread(
            self.notify, f"Exported to {shown_path(path)}", title="Export", timeout=10
        )


HIDDEN_SYSTEM_COMMANDS = ("Keys",)
"""Textual's built-in commands we leave out: "Keys" duplicates our "Help"."""
