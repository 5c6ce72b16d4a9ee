"""The Research screen: a live research, or a saved one replayed from its events.

Both cases are the same code: events go through ``SessionState.apply`` and the widgets are
brought up to date from the state after each batch. Live events come from the engine's
thread through an :class:`EventPipe` (one wake-up message per refresh, so a fast stream cannot
flood the UI); a saved session's ``events.jsonl`` is read and applied in one batch as the
screen mounts, before its first frame (one paint of the replayed research, none empty).

The engine runs in a thread worker on its own asyncio loop, held by an
:class:`~tui.engine_worker.EngineRunner` (pause, stop, interrupt); which toast an event or
an outcome deserves is :class:`~tui.toast_policy.ToastPolicy`'s call. Going back while it
runs interrupts it: the session is saved as "interrupted" and can be resumed here later.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import Notification, Notify, SeverityLevel
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, Tab, Tabs
from textual.worker import Worker, WorkerState

from core.events import Event, MindMapUpdated, PhaseStarted, ReportReady, SessionFinished
from core.state import SessionState
from tui.engine_worker import (
    EngineFactory,
    EngineLike,
    EngineRunner,
    EventPipe,
    QueryReviewBridge,
    default_engine_factory,
)
from tui.frame_pacing import QuickFrames
from tui.heap import freeze_heap, hold_collections, resume_collections
from tui.messages import EventsReady, ShowSource
from tui.paths import shown_path
from tui.pause_note import pause_note
from tui.screens.breakpoints import apply_breakpoints, breakpoint_classes
from tui.screens.review import ReviewQueriesScreen
from tui.span_compositor import use_span_compositor
from tui.styled_once import StyledOnce
from tui.toast_policy import Toast, ToastPolicy, shorten
from tui.widgets.mindmap_tree import MindMapTree, MindMapView
from tui.widgets.notice import ResearchNotice, notice_for
from tui.widgets.panes import SectionPane
from tui.widgets.recent_sources import RecentSources
from tui.widgets.sources import SourcesTable, SourcesView
from tui.widgets.status_bar import StatusBar
from tui.widgets.steady_footer import SteadyFooter
from tui.widgets.steps import StepEntry, StepsList, build_entries, step_detail
from tui.widgets.title_header import TitleHeader

if TYPE_CHECKING:
    from core.config import Config
    from core.llm.base import LLMProvider
    from core.mindmap.base import MindMapStore
    from core.research import ResearchOptions
    from tui.screens.confirm import ConfirmScreen
    from tui.screens.report import ReportScreen

SECTIONS = ("plan", "execution", "reflection")
RESUMABLE = {"paused", "interrupted", "stopped", "failed"}
REFRESH_S = 1 / 20
"""Live widgets are brought up to date at most this often (text is coalesced meanwhile)."""
KEYS_FIRST_RETRY_S = 0.005
"""A live refresh that gave way to a key tries again this much later."""
KEYS_FIRST_CAP_S = 0.15
"""A live refresh gives way to keys only this long after the last whole one."""
VIEWS = ("panes", "sources", "mindmap")


class ResearchScreen(QuickFrames, StyledOnce, Screen[None]):
    """Steps on the left; panes, sources or the mind map on the right; vitals on top."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]
    """Wide and tall: the newest sources get a strip under the panes."""
    AUTO_FOCUS = "#steps"
    BINDINGS = [
        Binding("1", "show_pane('plan')", "Plan", id="research.plan", show=False),
        Binding("2", "show_pane('execution')", "Execution", id="research.execution", show=False),
        Binding("3", "show_pane('reflection')", "Reflection", id="research.reflection", show=False),
        Binding("tab", "cycle_pane(1)", "Next pane", show=False, id="research.next_pane"),
        Binding(
            "shift+tab", "cycle_pane(-1)", "Previous pane", show=False, id="research.prev_pane"
        ),
        Binding(
            "space",
            "pause_resume('pause')",
            "Pause",
            id="research.pause",
            tooltip="Pause after the current step",
        ),
        Binding(
            "space",
            "pause_resume('resume')",
            "Resume",
            id="research.resume",
            tooltip="Resume the paused, stopped or interrupted research",
        ),
        Binding(
            "x",
            "stop",
            "Stop",
            id="research.stop",
            tooltip="Finish the current call, save, write a partial report",
        ),
        Binding("s", "view('sources')", "Sources", id="research.sources"),
        Binding("m", "view('mindmap')", "Mind map", id="research.mindmap"),
        Binding("r", "report", "Report", id="research.report"),
        Binding("a", "ask", "Ask", id="research.ask", tooltip="Ask the mind map"),
        Binding(
            "c",
            "check",
            "Check",
            id="research.check",
            show=False,
            tooltip="Claims by citation-check verdict",
        ),
        Binding(
            "f",
            "followup",
            "Follow-up",
            id="research.followup",
            show=False,
            tooltip="Ask a question about this research, answered from its sources",
        ),
        Binding(
            "D",
            "dig_deeper",
            "Dig deeper",
            id="research.dig_deeper",
            show=False,
            tooltip="More rounds on this finished research, focused on a question",
        ),
        Binding(
            "v",
            "toggle_review",
            "Review queries",
            id="research.review",
            show=False,
            tooltip="Edit each round's planned searches before they run",
        ),
        Binding("question_mark", "app.help", "Help", id="research.help"),
        Binding("q", "back", "Back", id="research.back"),
        Binding("escape", "leave_view", "Back to the panes", id="research.panes", show=False),
    ]

    class Replayed(Message):
        """A saved session's events were read (or could not be: ``error``)."""

        def __init__(self, events: list[Event], error: str = "", busy: bool = False) -> None:
            super().__init__()
            self.events = events
            self.error = error
            self.busy = busy
            """Another engine runs this session right now (its "running" is real)."""

    def __init__(
        self,
        config: Config,
        *,
        topic: str | None = None,
        options: ResearchOptions | None = None,
        session_id: str | None = None,
        engine_factory: EngineFactory | None = None,
        get_store: Callable[[], MindMapStore | None] | None = None,
        make_llm: Callable[[], LLMProvider] | None = None,
    ) -> None:
        super().__init__()
        use_span_compositor(self)  # a streamed pane repaints its own cells, not its rows
        self.config = config
        self.topic = topic
        self.options = options
        self.session_id = session_id
        self.get_store = get_store or (lambda: None)
        self.make_llm = make_llm
        self.state = SessionState()
        self.pipe = EventPipe(self.post_message)
        self.notes: list[str] = []
        """UI-side failures shown in the steps list (a crashed worker)."""
        self.pinned_round: int | None = None
        self.active_pane = "plan"
        self.review_enabled = bool(getattr(config.research, "review_queries", False))
        self.review = QueryReviewBridge(
            lambda: self.app, ReviewQueriesScreen, lambda: self.review_enabled
        )
        self.runner = EngineRunner(
            engine_factory or default_engine_factory,
            config,
            on_event=self.pipe,
            review_queries=self.review,
            get_store=self.get_store,
        )
        self.toast_policy = ToastPolicy()
        self.replayed = False
        """True once a saved session's events have been applied (tests wait on it)."""
        self.mindmap_stale = False
        self._views: dict[str, asyncio.Future[SourcesView | MindMapView]] = {}
        """The views mounted when first shown (``_view``)."""
        self._pane_tabs: Tabs | None = None
        """Built when the screen is first narrow (``_new_pane_tabs``)."""
        self._recent_sources: RecentSources | None = None
        self._report_screen: ReportScreen | None = None
        self.stopping = False
        """Stop was pressed and the engine is finishing the call under way."""
        self._toasts: dict[str, Notification] = {}
        """The last toast of each kind, so the next one of that kind replaces it."""
        self.busy_elsewhere = False
        """A reopened research that another window's engine is running right now."""
        self._back_dialog: ConfirmScreen | None = None
        self._refresh_timer: Timer | None = None
        self._refreshed_at = 0.0
        self._whole_refresh_at = 0.0
        """When a live refresh last ran to its end (``_gave_way_to_input``)."""
        self._input_unpainted = False
        """A key moved the steps' highlight and the frame showing it is not painted yet."""
        self._refresh_held = False
        """A timed refresh came due meanwhile: it runs once that frame is painted."""
        self.heap_settled = False
        """The heap was frozen once this screen's engine ran (``tui.heap``; tests check it)."""

    @property
    def engine(self) -> EngineLike | None:
        """The engine of this screen's latest run (None before one started)."""
        return self.runner.engine

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.session_id and not self.topic:
            # Until the replay is painted (``_replayed``) or the screen goes (on_unmount);
            # here, not in __init__: a screen built but never mounted would never resume.
            hold_collections()
        apply_breakpoints(self)  # the layout of the first frame is the final one
        yield TitleHeader()
        yield StatusBar(id="status")
        yield ResearchNotice(id="notice")
        with Horizontal(id="research-body"):
            yield StepsList(id="steps")
            # The switcher starts with the panes alone: the source list and the mind map
            # join it when first shown (``_view``).
            with ContentSwitcher(initial="panes", id="views"), Vertical(id="panes"):
                if self.has_class("-narrow"):
                    yield self._new_pane_tabs()
                with Horizontal(id="pane-row"):
                    for section in SECTIONS:
                        yield SectionPane(section, id=f"pane-{section}")
                if self.has_class("-wide") and self.has_class("-tall"):
                    yield self._new_recent_sources()
        yield SteadyFooter(id="research-footer")

    @property
    def steps(self) -> StepsList:
        return self.query_one("#steps", StepsList)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    @property
    def notice(self) -> ResearchNotice:
        return self.query_one("#notice", ResearchNotice)

    @property
    def views(self) -> ContentSwitcher:
        return self.query_one("#views", ContentSwitcher)

    @property
    def recent_sources(self) -> RecentSources | None:
        """The newest-sources strip, once the screen was wide and tall enough to show it."""
        return self._recent_sources

    def _new_recent_sources(self) -> RecentSources:
        """The strip of newest sources, built when the screen is first wide and tall (at
        compose, or when a resize first makes it so).

        Most terminals (80x24, 120x36) never show it, and a data table with its header and
        scrollbars was built and styled with every research screen. Once built it stays;
        a smaller screen hides it. It is handed the sources found until now."""
        self._recent_sources = RecentSources(id="recent-sources")
        self._recent_sources.show_sources(self.state.sources)
        return self._recent_sources

    def _view(self, view: str) -> asyncio.Future[SourcesView | MindMapView]:
        """The source list (``sources``) or the mind map (``mindmap``), mounted the first
        time it is asked for; the same one ever after.

        Neither is on screen when a research opens, and building them took ~7 of the
        screen's ~50 widgets and ~15 % of its first frame (measured A/B on a reopen). A
        future, so two callers at once (a key and a click on a source) share one mount.
        """
        future = self._views.get(view)
        if future is None:
            widget: SourcesView | MindMapView
            if view == "sources":
                widget = SourcesView(id="sources")
            else:
                widget = MindMapView(self.get_store, topic=self.state.topic, id="mindmap")

            async def mounted() -> SourcesView | MindMapView:
                await self.views.add_content(widget)
                if isinstance(widget, SourcesView):  # the sources found until now
                    widget.show_sources(self.state.sources, dropped=self.state.results_dropped)
                return widget

            future = self._views[view] = asyncio.ensure_future(mounted())
        return future

    def _shown_sources(self) -> SourcesView | None:
        """The source list if it was mounted (the state's sources are kept in it)."""
        future = self._views.get("sources")
        if future is None or not future.done() or future.exception() is not None:
            return None
        view = future.result()
        return view if isinstance(view, SourcesView) else None

    def _new_pane_tabs(self) -> Tabs:
        """The tabs that pick the one pane a narrow screen shows.

        Built only for a narrow screen (at compose, or when a resize first makes it one):
        their eight widgets were built and styled with every research screen, and a wide
        one never shows them. Once built they stay; the wide layout hides them.
        """
        self._pane_tabs = Tabs(
            *(Tab(section.capitalize(), id=f"tab-{section}") for section in SECTIONS),
            active=f"tab-{self.active_pane}",
            id="pane-tabs",
        )
        return self._pane_tabs

    def pane(self, section: str) -> SectionPane:
        return self.query_one(f"#pane-{section}", SectionPane)

    async def on_mount(self) -> None:
        self.title = "deepresearch-tui"
        self.sub_title = self.topic or self.session_id or ""
        self._mark_active_pane()
        if self.topic:
            self._refresh_status()
            self._run_engine("run", self.topic, self.options)
        elif self.session_id:
            # Replayed here, before the first frame: the screen is painted once, with the
            # saved research, instead of empty and then again (two full frames). Reading
            # one events.jsonl takes milliseconds, less than a thread's round trip.
            await self._replayed(self._read_saved(self.session_id))
        else:
            self._refresh_status()

    def on_resize(self, event: events.Resize) -> None:
        """Below 120 columns the footer drops its padding so every key still fits in 80,
        and the pane tabs appear (built here the first time the screen is narrow); a
        wide and tall screen gets the newest-sources strip (built the first time too).

        This handler runs before Textual's own, which sets the breakpoint classes for the
        new size, so the size is asked directly."""
        self.query_one("#research-footer", Footer).compact = event.size.width < 120
        classes = breakpoint_classes(self, *event.size)
        if classes.get("-narrow", False) and self._pane_tabs is None:
            self.query_one("#panes").mount(self._new_pane_tabs(), before="#pane-row")
        # The strip shows only on a wide and tall screen (``styles/research.tcss``).
        roomy = classes.get("-wide", False) and classes.get("-tall", False)
        if roomy and self._recent_sources is None:
            self.query_one("#panes").mount(self._new_recent_sources())

    # --- engine ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return any(
            w.group == "research" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.app.workers
            if w.node is self
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="research")
    def _run_engine(
        self,
        mode: str,
        argument: str,
        options: ResearchOptions | None = None,
        *,
        extra_rounds: int = 0,
        focus: str = "",
    ) -> Any:
        """Thread worker: the runner builds the engine and runs it on this thread's loop."""
        if extra_rounds:
            return self.runner.run(mode, argument, options, extra_rounds=extra_rounds, focus=focus)
        return self.runner.run(mode, argument, options)

    def interrupt(self) -> None:
        """Cancel the engine's task (it saves the session as "interrupted")."""
        self.runner.interrupt()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker outcomes become notifications (never a traceback)."""
        worker = event.worker
        state = event.state
        if worker.group == "research":
            self._take_events()  # the outcome's toast knows what the last events said
            toast: Toast | None = None
            if state == WorkerState.SUCCESS:
                status = getattr(worker.result, "status", "") or self.state.status
                said = self._toasts.get("error")
                shown = said is not None and not said.has_expired
                toast = self.toast_policy.for_outcome(
                    status, self.state.topic, error_toast_shown=shown
                )
            elif state == WorkerState.ERROR and worker.error is not None:
                toast = self.toast_policy.for_crash(worker.error)
                if toast.severity == "error":
                    self.notes.append(toast.message)
            if toast is not None:
                self._show_toast(toast)
            if state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
                self.stopping = False
                dialog, self._back_dialog = self._back_dialog, None
                if dialog is not None and dialog.is_attached:
                    dialog.dismiss(False)  # "interrupt it?" no longer applies: nothing runs
                self.refresh_bindings()
                self.call_later(self._refresh_all)
        elif state == WorkerState.ERROR and worker.error is not None:
            self.notify(f"{worker.name or worker.group}: {worker.error}", severity="error")

    # --- events ---------------------------------------------------------------------------

    @on(EventsReady)
    def _events_ready(self, _: EventsReady) -> None:
        """New events wait in the pipe: they are taken with the next refresh of the widgets.

        Why not at once: the pipe posts one wake-up per drain, and a drain on every wake-up
        meant one for nearly every chunk of a fast stream, hundreds a second. Each cost the
        UI loop a turn (and the GIL a hand-over from the engine's thread), and a key pressed
        meanwhile waited behind them (``python -m bench live``, issue 15). Left in the pipe
        until the refresh, the events cost one wake-up per ``REFRESH_S``, and the state
        the keys act on is the one on screen.
        """
        if self.is_attached and not self._closing:
            self._schedule_refresh()

    def _take_events(self) -> None:
        """Apply what the engine sent since the last time to the state (live side effects
        too: toasts, the report's start)."""
        events = self.pipe.drain()
        if not events or not self.is_attached or self._closing:
            return
        if not self.heap_settled:
            # The engine is built and its SDKs imported: from here on, what is alive lives
            # as long as the research, and the full collections mid-stream skip it.
            self.heap_settled = True
            freeze_heap()
        for event in events:
            self.state.apply(event)
            self._react(event)
        if self.state.session_id:
            self.session_id = self.state.session_id

    def _schedule_refresh(self) -> None:
        """Bring the widgets up to date ``REFRESH_S`` after the last time (once)."""
        if self._refresh_timer is None and not self._refresh_held:
            wait = self._refreshed_at + REFRESH_S - time.monotonic()
            self._refresh_timer = self.set_timer(max(0.001, wait), self._timed_refresh)

    async def _timed_refresh(self) -> None:
        self._refresh_timer = None
        if self._input_unpainted:
            self._refresh_held = True  # ``_input_painted`` schedules it
            return
        if self.is_attached and not self._closing and not self._gave_way_to_input():
            await self._refresh_all(live=True)

    def _gave_way_to_input(self) -> bool:
        """Whether a live refresh waits for input on its way to a frame (and will run
        ``KEYS_FIRST_RETRY_S`` later).

        A key's frame needs this screen's queue (the moved list's update goes through it),
        and a live refresh holds that queue while it runs: a pane's part took 2-4 ms, and
        the slowest keys of ``python -m bench live`` waited behind one after their list had
        moved (traced per key, issue 15). So a live refresh does not start, or stops
        between two parts, while a key is on its way from the driver or was handled but not
        painted; what it left is redone by the next (a refresh shows the state, whole).
        Never for longer than ``KEYS_FIRST_CAP_S`` since the last whole refresh: the panes
        keep moving under a held-down key."""
        clock = self._input_clock
        if clock is None or not clock.awaits_frame():
            return False
        if time.monotonic() - self._whole_refresh_at > KEYS_FIRST_CAP_S:
            return False
        if self._refresh_timer is None:
            self._refresh_timer = self.set_timer(KEYS_FIRST_RETRY_S, self._timed_refresh)
        return True

    async def apply_events(self, events: list[Event], *, live: bool) -> None:
        for event in events:
            self.state.apply(event)
            if live:
                self._react(event)
        if self.state.session_id:
            self.session_id = self.state.session_id
        await self._refresh_all()

    def _react(self, event: Event) -> None:
        """Live-only side effects: toasts (a replay does not re-announce them).

        Toasts are short and one per kind of event (the next replaces the last): the status
        bar counts a wait down, the notice keeps a failure's reason, the steps list keeps
        every warning and error in full.
        """
        toast = self.toast_policy.for_event(
            event, shown_path=shown_path(event.path) if isinstance(event, ReportReady) else ""
        )
        if toast is not None:
            self._show_toast(toast)
        if isinstance(event, MindMapUpdated):
            self.mindmap_stale = True
        elif isinstance(event, PhaseStarted) and event.phase == "report":
            self._report_started()

    def _toast(
        self,
        key: str,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float = 8.0,
    ) -> None:
        self._show_toast(Toast(key, message, title, severity, timeout))

    def _show_toast(self, toast: Toast) -> None:
        """Show a toast that replaces the previous toast of the same kind still shown.

        The previous one is expired (its timeout set to 0), so adding the new one reaps it
        and the toast rack drops its toast: no private Textual call, and it works even when
        the previous one is still on its way to the screen.
        """
        previous = self._toasts.get(toast.key)
        if previous is not None:
            previous.timeout = 0
        notification = Notification(
            toast.message, toast.title, toast.severity, toast.timeout, markup=False
        )
        self._toasts[toast.key] = notification
        self.app.post_message(Notify(notification))

    def _report_started(self) -> None:
        """The report is being written: let the user watch it instead of a still screen.

        Only when this screen is what the user looks at, showing the panes (the round's
        text, which no longer changes): a dialog, the source list or the mind map is never
        pulled away from them; the notice and a toast say "r shows it" instead.
        """
        report = self._report_screen
        if report is not None and report.is_attached and report.is_active:
            return
        watching_panes = self.views.current == "panes"
        if self.app.screen is self and watching_panes:
            self.call_later(self.action_report)
        else:
            self._toast("report", "Writing the report; r shows it as it is written.")

    async def _refresh_all(self, *, live: bool = False) -> None:
        self._refreshed_at = time.monotonic()
        self._take_events()
        state = self.state
        if state.topic:
            self.sub_title = state.topic
        self._refresh_status()
        steps = self.steps
        entries = build_entries(state, self.notes, paused=self.engine_paused and state.held)
        steps.show_entries(entries)
        if steps.follow:
            self._follow_newest(entries)
        if live and not await self._yield_to_keys():
            return
        if (sources := self._shown_sources()) is not None:
            sources.show_sources(state.sources, dropped=state.results_dropped)
        if (recent := self._recent_sources) is not None:
            recent.show_sources(state.sources)
        for section in SECTIONS:
            if live and not await self._yield_to_keys():
                return
            self._refresh_pane(section)
        self._whole_refresh_at = time.monotonic()
        report = self._report_screen
        if report is not None and report.is_attached and report.is_active:
            await report.show_state(state)

    async def _yield_to_keys(self) -> bool:
        """Let the loop run between two parts of a live refresh; False to stop it there
        (the screen went, or input is on its way to a frame: ``_gave_way_to_input``).

        A live refresh takes a few milliseconds per pane; in one piece, a key pressed
        meanwhile waited for all of it before the list could move (and paint)."""
        await asyncio.sleep(0)
        return self.is_attached and not self._closing and not self._gave_way_to_input()

    def _follow_newest(self, entries: list[StepEntry]) -> None:
        """Following: the highlight rides along with the newest step of the current round.

        Only while the user has not moved it: a key that moves the highlight stops the
        following (``StepsList.follow``), End or G resumes it.
        """
        current = self.state.current_round
        mine = [(i, e) for i, e in enumerate(entries) if e.round == current]
        running = [i for i, e in mine if e.status == "running"]
        started = [i for i, e in mine if e.status != "pending"]
        target = (running or started or [i for i, _ in mine] or [None])[-1]
        if target is not None and self.steps.highlighted != target:
            self.steps.highlighted = target

    @on(StepsList.FollowResumed)
    async def _follow_resumed(self) -> None:
        self.pinned_round = None
        await self._refresh_all()

    @property
    def engine_paused(self) -> bool:
        """The engine runs here and holds (a pause makes no event, so the state cannot say)."""
        return self.running and self.runner.paused

    def _refresh_status(self) -> None:
        bar = self.status_bar
        bar.review_queries = self.review_enabled
        bar.private = bool(getattr(getattr(self.config, "providers", None), "private", False))
        running = self.running
        bar.live = running
        self.steps.set_live(running)
        bar.note = ""
        if running and self.stopping:
            bar.note = "stopping…"
        elif self.engine_paused:
            bar.note = pause_note(self.state)
        bar.show_state(self.state)
        if (wait := self.pane("execution").model_wait) is not None:
            # while this process runs the call: a replay's unanswered call is history
            since = self.state.model_waiting_since if running else None
            wait.show_wait(since, lambda: self.status_bar.now())
        self.notice.show(notice_for(self.state, running=running, stopping=self.stopping))

    @property
    def shown_round(self) -> int:
        if self.pinned_round is not None and self.pinned_round in self.state.rounds:
            return self.pinned_round
        return self.state.current_round

    def _refresh_panes(self) -> None:
        for section in SECTIONS:
            self._refresh_pane(section)

    def _refresh_pane(self, section: str) -> None:
        rnd = self.state.rounds.get(self.shown_round)
        pane = self.pane(section)
        pane.doc.show_text(rnd.text.get(section, "") if rnd is not None else "")
        pane.show_thinking(rnd.thinking if rnd is not None else {})
        label = section.capitalize()
        if rnd is not None:
            label += f" · round {rnd.number}"
        pane.show_title(label)

    # --- saved sessions -------------------------------------------------------------------

    def _read_saved(self, session_id: str) -> Replayed:
        """A saved session's events (or why they cannot be read), for ``_replayed``."""
        from core.sessions import SessionStore

        try:
            handle = SessionStore(self.config.sessions_dir).open(session_id)
            events = handle.load_events()
            busy = handle.is_busy()
        except Exception as exc:
            return self.Replayed([], str(exc))
        return self.Replayed(events, busy=busy)

    @on(Replayed)
    async def _replayed(self, message: Replayed) -> None:
        if message.error:
            self.notes.append(message.error)
            self.notify(message.error, title="Cannot open", severity="error", timeout=15)
        self.busy_elsewhere = message.busy
        if message.events and not message.busy and self._ended_unfinished(message.events):
            # Saved as "running" but nobody runs it: the app closed mid-run. Show it as the
            # interrupted research it is (in this view only; the log stays as written).
            last = message.events[-1]
            message.events.append(
                SessionFinished(
                    status="interrupted",
                    reason="the app closed while it ran",
                    session_id=last.session_id,
                    seq=last.seq,
                    timestamp=last.timestamp,
                )
            )
        await self.apply_events(message.events, live=False)
        self.replayed = True
        self.call_after_refresh(resume_collections)
        self.refresh_bindings()
        if message.busy:
            self.notify(
                "This research is running in another window; showing what it has saved.",
                timeout=8,
            )
        # A failed, paused, stopped or interrupted research says why in the notice above the
        # panes, and for as long as it stays so (a toast here would only repeat it).

    # --- steps and panes ------------------------------------------------------------------

    @on(StepsList.OptionHighlighted, "#steps")
    def _step_highlighted(self, event: StepsList.OptionHighlighted) -> None:
        entry = self.steps.entry_at(event.option_index)
        if entry is None or entry.round <= 0:
            return
        # The user's choice holds when a new round starts; following shows the newest round.
        following = self.steps.follow and entry.round == self.state.current_round
        shown = self.shown_round
        self.pinned_round = None if following else entry.round
        if self.shown_round != shown:
            self._refresh_panes()
        if self.steps.follow:
            return  # following moved it, within a refresh: no key waits for this frame
        # Keys first: the frame that shows the moved highlight carries nothing else. A
        # timed refresh due before it waits for it (then runs at once), so the key is not
        # painted together with a scrolled pane (issue 15).
        self._input_unpainted = True
        self.call_after_refresh(self._input_painted)

    def _input_painted(self) -> None:
        self._input_unpainted = False
        if self._refresh_held:
            self._refresh_held = False
            self._schedule_refresh()

    @on(StepsList.OptionSelected, "#steps")
    def _step_selected(self, event: StepsList.OptionSelected) -> None:
        entry = self.steps.entry_at(event.option_index)
        if entry is None:
            return
        if entry.id == "report":
            self.action_report()
        elif detail := step_detail(self.state, entry, self.notes):
            from tui.screens.step_detail import StepDetailScreen

            self.app.push_screen(StepDetailScreen(*detail))
        else:
            self.action_show_pane(entry.pane or self.active_pane)

    def _mark_active_pane(self) -> None:
        for section in SECTIONS:
            self.pane(section).set_class(section == self.active_pane, "-active")
        tabs = self._pane_tabs
        if tabs is not None and tabs.active != f"tab-{self.active_pane}":
            tabs.active = f"tab-{self.active_pane}"

    @on(Tabs.TabActivated, "#pane-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        section = (event.tab.id or "tab-plan").removeprefix("tab-")
        if section != self.active_pane:
            self.active_pane = section
            self._mark_active_pane()

    def action_show_pane(self, section: str) -> None:
        self.active_pane = section
        self.views.current = "panes"
        self._mark_active_pane()
        self.pane(section).doc.focus()

    def action_cycle_pane(self, step: int) -> None:
        """Tab order: steps → Plan → Execution → Reflection → steps (only visible views)."""
        switcher = self.views
        if switcher.current != "panes":
            targets = ["steps", switcher.current or "panes"]
            focused = self.focused
            in_view = focused is not None and focused.id != "steps"
            target = targets[0] if in_view == (step > 0) else targets[1]
            if target == "steps":
                self.steps.focus()
            else:
                self._focus_view(target)
            return
        order = ["steps", *SECTIONS]
        focused = self.focused
        current = "steps"
        for section in SECTIONS:
            pane = self.pane(section)
            if focused is not None and (focused is pane or pane in focused.ancestors):
                current = section
        index = (order.index(current) + step) % len(order)
        target = order[index]
        if target == "steps":
            self.steps.focus()
        else:
            self.action_show_pane(target)

    # --- views ----------------------------------------------------------------------------

    async def action_view(self, view: str) -> None:
        switcher = self.views
        if switcher.current == view:
            switcher.current = "panes"
            self.pane(self.active_pane).doc.focus()
            self._mindmap_hidden(view)
            return
        widget = await self._view(view)
        leaving = switcher.current
        switcher.current = view
        self._mindmap_hidden(leaving)
        if isinstance(widget, MindMapView):
            widget.ensure_loaded(force=self.mindmap_stale)
            self.mindmap_stale = False
        self._focus_view(view)

    async def action_leave_view(self) -> None:
        """Escape on the source list or the mind map: back to the panes, as s or m again
        (the source list's filter takes escape first while it has text)."""
        current = self.views.current
        if current in ("sources", "mindmap"):
            await self.action_view(current)

    def _mindmap_hidden(self, left: str | None) -> None:
        """The mind map went out of view: let the embedded graph go (another window or a
        ``run`` may write it now); showing it again reopens it and reloads the tree."""
        if left != "mindmap" or self.views.current == "mindmap":
            return
        release = getattr(self.app, "release_store_if_idle", None)
        if release is not None:
            self.mindmap_stale = True
            release()

    def _focus_view(self, view: str) -> None:
        if view == "sources":
            self.query_one(SourcesTable).focus()
        elif view == "mindmap":
            self.query_one(MindMapTree).focus()
        else:
            self.pane(self.active_pane).doc.focus()

    @on(ShowSource)
    async def _show_source(self, message: ShowSource) -> None:
        message.stop()
        await self.show_source(message.source_id, detail=True)

    async def show_source(self, source_id: int, *, detail: bool = True) -> None:
        """Switch to the source list, put the cursor on ``source_id``, optionally open it."""
        source = self.state.sources.get(source_id)
        if source is None:
            self.notify(f"There is no source [{source_id}].", severity="warning")
            return
        view = cast(SourcesView, await self._view("sources"))
        leaving = self.views.current
        self.views.current = "sources"
        self._mindmap_hidden(leaving)  # from the mind map's evidence: let its graph go too
        view.select_source(source_id)
        view.table.focus()
        if detail:
            from tui.screens.source_detail import SourceDetailScreen

            self.app.push_screen(SourceDetailScreen(source, self.state.evidence))

    @on(SourcesTable.OpenUrl)
    def _open_url(self, message: SourcesTable.OpenUrl) -> None:
        source = self.state.sources.get(message.source_id)
        if source is not None:
            self.app.open_url(source.url)
            self.notify(source.url, title="Opening")

    @on(MindMapTree.ShowNode)
    def _show_node(self, message: MindMapTree.ShowNode) -> None:
        from tui.screens.node_detail import NodeDetailScreen

        self.app.push_screen(NodeDetailScreen(message.ref, self.get_store))

    def action_report(self) -> None:
        """Show the report screen: the same one each time, so it opens where it was left.

        It is installed (kept while closed) for as long as this screen lives: closing it and
        pressing ``r`` again, or coming back from a source it cites, keeps the scroll
        position and the streamed document.
        """
        from tui.screens.report import ReportScreen

        screen = self._report_screen
        if screen is None:
            screen = self._report_screen = ReportScreen(self.state, self.config)
            self.app.install_screen(screen, f"report-{id(self)}")
        if screen.is_active:
            return

        def closed(result: str | None) -> None:
            if result == "sources":
                self.call_later(self.action_view, "sources")

        self.app.push_screen(screen, closed)

    def _drop_report(self) -> None:
        """Uninstall and remove the kept report screen (this screen is going away)."""
        screen, self._report_screen = self._report_screen, None
        if screen is None:
            return
        with contextlib.suppress(Exception):  # still on the stack while the app exits
            self.app.uninstall_screen(screen)
            if screen.is_attached:
                screen.remove()

    def action_check(self) -> None:
        from tui.screens.check import CheckScreen

        self.app.push_screen(CheckScreen(self.state.evidence, self.state.sources))

    def action_ask(self) -> None:
        from tui.screens.ask import AskScreen, default_llm_factory

        make_llm = self.make_llm or (lambda: default_llm_factory(self.config))
        self.app.push_screen(
            AskScreen(self.get_store, make_llm, topic=self.state.topic or self.topic)
        )

    def action_followup(self) -> None:
        """A follow-up question on this saved research (saved with it as events)."""
        if self.running or self.busy_elsewhere:
            self.notify("The research is running; ask once it has ended.", severity="warning")
            return
        if not self.state.session_id or not self.state.sources:
            self.notify("This research has no sources to answer from yet.", severity="warning")
            return
        from tui.screens.followup import FollowUpScreen

        self.app.push_screen(
            FollowUpScreen(
                self.config,
                self.state.session_id,
                self.state.qa,
                make_llm=self.make_llm,
                on_answer=self._answered_followup,
            )
        )

    def _answered_followup(self, qa: Any) -> None:
        """The dialog's answer, into this screen's state as a replay of its events would put
        it (the call wrote them to the session's log itself)."""
        if all(q.question_id != qa.question_id for q in self.state.qa):
            self.state.qa.append(qa)

    def action_dig_deeper(self) -> None:
        """More rounds on a finished research, focused on a question (asks first)."""
        from core.events import DONE_STATUSES

        if self.running or self.busy_elsewhere:
            self.notify(
                "The research is running; dig deeper once it has ended.", severity="warning"
            )
            return
        if not self.state.session_id or self.state.status not in DONE_STATUSES:
            hint = " Space resumes it." if self.can_resume else ""
            self.notify(f"Dig deeper works on a finished research.{hint}", severity="warning")
            return
        from tui.screens.dig_deeper import DigDeeperScreen

        def answered(result: tuple[int, str] | None) -> None:
            if result is not None and not self.running:
                self.dig_deeper(*result)

        self.app.push_screen(DigDeeperScreen(self.state.topic), answered)

    def dig_deeper(self, extra_rounds: int, focus: str) -> None:
        """Resume the finished research with ``extra_rounds`` more rounds on ``focus``."""
        what = f" on “{shorten(focus, 50)}”" if focus else ""
        self._toast("pause", f"Digging deeper: {extra_rounds} more round(s){what}…")
        self._follow_the_new_work()
        self._run_engine("resume", self.state.session_id, extra_rounds=extra_rounds, focus=focus)
        self._refresh_status()
        self.refresh_bindings()

    # --- control --------------------------------------------------------------------------

    @property
    def can_resume(self) -> bool:
        """A saved research that did not finish and that no other engine is running."""
        return (
            not self.running
            and not self.busy_elsewhere
            and bool(self.state.session_id)
            and self.state.status in (*RESUMABLE, "running")
        )

    @staticmethod
    def _ended_unfinished(events: list[Event]) -> bool:
        """The saved log stops without a SessionFinished after its last SessionStarted."""
        for event in reversed(events):
            if isinstance(event, SessionFinished):
                return False
            if type(event).__name__ == "SessionStarted":
                return True
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that do not apply now, so the footer shows only the ones that do.

        Space is two bindings, "Pause" and "Resume"; exactly one of them is active.
        """
        if action == "pause_resume":
            paused = self.engine_paused
            if self.stopping and self.running:
                return False  # the stop is under way: neither pausing nor resuming applies
            if parameters == ("pause",):
                return self.running and not paused
            return paused or self.can_resume
        if action == "stop":
            return self.running and not self.stopping
        if action == "leave_view":
            return self.views.current != "panes"  # on the panes, escape is not ours
        return True

    def action_pause_resume(self, intent: str = "") -> None:
        runner = self.runner
        if self.running and runner.engine is not None:
            if runner.paused:
                runner.unpause()
                self._toast("pause", "Resumed.")
            else:
                runner.pause()
                self._toast("pause", "Pausing: what is under way finishes, nothing new starts.")
            self._refresh_status()
            self.call_later(self._refresh_all)  # what runs now shows ⏸ (or spins again)
            self.refresh_bindings()
            return
        if self.can_resume:
            self.resume()
            return
        self.notify("Nothing to pause or resume.", severity="warning")

    def resume(self) -> None:
        """Resume a paused / interrupted saved research in this screen."""
        topic = self.state.topic
        self._toast("pause", f"Resuming “{shorten(topic, 60)}”…")
        self._follow_the_new_work()
        self._run_engine("resume", self.state.session_id)
        self._refresh_status()  # the notice goes: the research runs again
        self.refresh_bindings()

    def _follow_the_new_work(self) -> None:
        """Resuming or digging deeper asks for more rounds: the list follows them again,
        as End or G would. A step the user had browsed to kept its round in the panes, so
        the new rounds streamed where nothing showed them but the status bar."""
        if not self.steps.follow:
            self.steps.action_follow()

    def action_stop(self) -> None:
        if not self.running or self.engine is None:
            self.notify("The research is not running.", severity="warning")
            return
        self.runner.stop()
        # No toast: the notice and the status bar say "stopping…" until the engine is done.
        self.stopping = True
        self._refresh_status()
        self.call_later(self._refresh_all)
        self.refresh_bindings()

    def action_toggle_review(self) -> None:
        self.review_enabled = not self.review_enabled
        state = "on" if self.review_enabled else "off"
        self.notify(f"Review of planned searches before each round: {state}.")
        self._refresh_status()

    def action_back(self) -> None:
        if not self.running:
            self.app.pop_screen() if len(self.app.screen_stack) > 1 else self.app.exit()
            return
        from tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.interrupt()
                if len(self.app.screen_stack) > 1:
                    self.app.pop_screen()
                else:
                    self.app.exit()

        self._back_dialog = ConfirmScreen(
            "The research is running. Interrupt it and go back? "
            "It is saved and can be resumed later.",
            yes="Interrupt",
            no="Stay",
        )
        self.app.push_screen(self._back_dialog, answered)

    def on_unmount(self) -> None:
        self.interrupt()
        self._drop_report()
        resume_collections()  # closed before its replay was painted
        if self.heap_settled:  # what the research froze is garbage now (``tui.heap``)
            reclaim = getattr(self.app, "reclaim_heap_when_quiet", None)
            if reclaim is not None:
                reclaim()
