"""Home: start a research, or pick up a saved one.

The screen never starts or opens anything itself: it validates the form and posts
``StartResearch`` / ``OpenSession`` for the app to act on, so the app owns navigation and
the engine. Saved researches are listed from ``core.sessions`` in a thread worker (listing
reads one small JSON file per session, which could be slow on a network home folder).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.validation import Function, Number
from textual.widgets import Button, DataTable, Input, Static
from textual.worker import Worker, WorkerState

from core.config import BREADTH_RANGE, ROUNDS_RANGE
from styles import tcss
from tui import preload
from tui.first_frame import FirstFrame
from tui.latest import Latest
from tui.screens.breakpoints import apply_breakpoints
from tui.screens.home_budget import (
    BUDGET_ID,
    TOKENS_ID,
    budget_default,
    budget_fields,
    read_budget,
    read_tokens,
    tokens_default,
    update_estimate,
)
from tui.screens.home_filters import FILTER_IDS, filter_defaults, filter_fields, read_filters
from tui.styled_once import StyledOnce
from tui.widgets.filter_input import FilterInput
from tui.widgets.in_order_input import InOrderInput
from tui.widgets.session_table import SessionTable
from tui.widgets.steady_footer import SteadyFooter
from tui.widgets.title_header import TitleHeader

if TYPE_CHECKING:
    from textual.widget import Widget

    from core.config import Config

HOME_CSS = tcss("home")

MIN_ROUNDS, MAX_ROUNDS = ROUNDS_RANGE
MIN_BREADTH, MAX_BREADTH = BREADTH_RANGE
MAX_LANGUAGE = 40

EMPTY_TEXT = (
    "No saved researches yet. Type a topic above and press [b]Enter[/] to start one; "
    "it is saved as it runs and listed here."
)


class HomeScreen(StyledOnce, Screen[None]):
    """The research form and the saved-research list."""

    CSS_PATH = HOME_CSS
    AUTO_FOCUS = "#topic"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("n", "new_research", "New", id="home.new", tooltip="Focus the topic field"),
        # priority: checked before the focused field types the key; ``check_action`` lets
        # "/" through to a field where it is text (a topic like "TCP/IP").
        Binding("slash", "focus_filter", "Filter", id="home.filter", priority=True),
        Binding("ctrl+s", "app.settings", "Settings", id="home.settings"),
        Binding("question_mark", "app.help", "Help", id="home.help"),
        # Shown here (the app's own ctrl+q is hidden on busier footers); priority so it is
        # the footer's entry for the key, and the app's binding still runs first.
        Binding("ctrl+q", "app.quit", "Quit", id="home.quit", priority=True),
    ]

    class StartResearch(Message):
        """The form was submitted with valid values (language "" = the topic's language;
        ``filters`` a ``core.search.filters.SearchFilters``, None for the config's;
        ``max_usd`` / ``max_tokens`` the budgets, 0 for none, None for the config's)."""

        def __init__(
            self,
            topic: str,
            rounds: int,
            breadth: int,
            language: str,
            filters: Any = None,
            max_usd: float | None = None,
            max_tokens: int | None = None,
        ) -> None:
            super().__init__()
            self.max_usd = max_usd
            self.max_tokens = max_tokens
            self.topic = topic
            self.rounds = rounds
            self.breadth = breadth
            self.language = language
            self.filters = filters

    class OpenSession(Message):
        """The user chose a saved research."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    class SessionsLoaded(Message):
        """Posted from the listing worker; carries ``SessionInfo`` objects, newest first,
        and which reload read them (``reading``)."""

        def __init__(self, sessions: list[Any], reading: int = 0) -> None:
            super().__init__()
            self.sessions = sessions
            self.reading = reading

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self._readings = Latest()
        """The list's readings (``reload``): only the newest is shown."""
        self._defaults = self._form_defaults()
        self.loaded = False
        """True once the list has been loaded at least once (tests wait on it)."""
        self._estimated_inputs: tuple[str, str, str] | None = None
        """Rounds, breadth and budget the estimate was last computed for (home_budget)."""
        self.estimated = False
        """True once the estimate line is drawn. At start-up it waits for the app's first
        frame (``tui.first_frame``): it imports the cost model (prompts and events), ~100 ms
        that Home's first frame does not need; the line fills in one frame later."""

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        apply_breakpoints(self)  # the layout of the first frame is the final one
        yield TitleHeader()
        with Vertical(id="home-body"):
            # The form holds the first focus (``_mark_focused_panel``).
            with Vertical(id="new-research", classes="home-panel -focus-within") as form:
                form.border_title = "New research"
                yield Static("", id="keys-warning")
                topic = InOrderInput(
                    placeholder="What do you want to research?",
                    id="topic",
                    validators=[Function(lambda v: bool(v.strip()), "Type a topic first.")],
                    validate_on=["submitted"],
                )
                topic.border_title = "Topic"
                yield topic
                with Horizontal(id="form-row"):
                    rounds = InOrderInput(
                        self._defaults["rounds"],
                        type="integer",
                        id="rounds",
                        validators=[
                            Number(
                                MIN_ROUNDS,
                                MAX_ROUNDS,
                                f"Rounds must be {MIN_ROUNDS} to {MAX_ROUNDS}.",
                            )
                        ],
                        validate_on=["submitted"],
                    )
                    rounds.border_title = "Rounds"
                    yield rounds
                    breadth = InOrderInput(
                        self._defaults["breadth"],
                        type="integer",
                        id="breadth",
                        validators=[
                            Number(
                                MIN_BREADTH,
                                MAX_BREADTH,
                                f"Breadth must be {MIN_BREADTH} to {MAX_BREADTH}.",
                            )
                        ],
                        validate_on=["submitted"],
                    )
                    breadth.border_title = "Breadth"
                    yield breadth
                    language = InOrderInput(
                        self._defaults["language"],
                        placeholder="topic's language",
                        id="language",
                        max_length=MAX_LANGUAGE,
                    )
                    language.border_title = "Language"
                    yield language
                    yield Button("Start", variant="primary", id="start")
                yield from filter_fields(self._defaults)
                yield from budget_fields(self._defaults[BUDGET_ID], self._defaults[TOKENS_ID])
                yield Static("", id="form-error")
            with Vertical(id="saved", classes="home-panel") as saved:
                saved.border_title = "Saved researches"
                yield FilterInput(placeholder="/ filter by topic, status or id", id="filter")
                yield SessionTable(id="sessions")
                empty = Static(EMPTY_TEXT, id="empty-state")
                empty.display = False  # until the list is read: "none yet" may be untrue
                yield empty
        yield SteadyFooter()

    def _form_defaults(self) -> dict[str, str]:
        research = self.config.research
        return {
            "rounds": str(research.rounds),
            "breadth": str(research.breadth),
            "language": research.language,
            **filter_defaults(self.config),
            BUDGET_ID: budget_default(self.config),
            TOKENS_ID: tokens_default(self.config),
        }

    # --- lifecycle ------------------------------------------------------------------------

    def on_screen_resume(self) -> None:
        """Shown (again): reload the list and pick up defaults changed in Settings."""
        new_defaults = self._form_defaults()
        for name, old in self._defaults.items():
            field = self.query_one(f"#{name}", Input)
            if field.value == old and new_defaults[name] != old:
                field.value = new_defaults[name]
        self._defaults = new_defaults
        after_start_up = self._after_start_up()
        if self.estimated:  # prices or the budget may have changed in Settings
            update_estimate(self, self.config, force=True)
        elif after_start_up:
            self._first_estimate()  # Home built after start-up (``--open``, then back)
        self._show_keys_warning()
        if after_start_up:
            self.reload()
        # At start-up the list is read once the first frame is up (``_after_first_frame``):
        # the reading thread imports the session and event modules (~60 ms), and holding
        # the GIL it delayed the frame by as much; the rows come one frame later.

    def _show_keys_warning(self) -> None:
        warning = self.query_one("#keys-warning", Static)
        missing = [
            name
            for name, value in (
                ("Gemini", self.config.gemini.api_key),
                ("Tavily", self.config.tavily.api_key),
            )
            if not value
        ]
        if missing:
            warning.update(
                f"⚠ No {' or '.join(missing)} API key yet: press [b]ctrl+s[/] to add "
                "them (or set GEMINI_API_KEY / TAVILY_API_KEY)."
            )
        warning.display = bool(missing)

    # --- saved list -----------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the saved researches (in a thread).

        Only the newest reading is shown (``tui.latest``): Home reloads when a dialog
        closes and again when a delete has run, and the first reading, slowed down, could
        finish second and put a deleted research back on the list (seen on a loaded box)."""
        self._load_sessions(self._readings.issue())

    @work(thread=True, exclusive=True, exit_on_error=False, group="home-sessions")
    def _load_sessions(self, reading: int) -> None:
        from core.sessions import SessionStore

        sessions = SessionStore(self.config.sessions_dir).list()
        self.post_message(self.SessionsLoaded(sessions, reading))

    @on(SessionsLoaded)
    def _sessions_loaded(self, message: SessionsLoaded) -> None:
        if not self._readings.is_current(message.reading):
            return  # a later reading is under way: it has the list as it is now
        table = self.query_one(SessionTable)
        table.set_sessions(message.sessions)
        self.loaded = True
        self._update_empty_state()
        self._estimate_after_list()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        what = {
            "home-sessions": "Could not list the saved researches",
            "home-delete": "Could not delete the research",
        }.get(event.worker.group, "Something failed")
        self.notify(f"{what}: {error}", severity="error", timeout=8)
        if event.worker.group == "home-sessions":
            self.loaded = True
            empty = self.query_one("#empty-state", Static)
            empty.update(f"{what}: {error}")
            empty.display = True
            self._estimate_after_list()

    def _update_empty_state(self) -> None:
        table = self.query_one(SessionTable)
        empty = self.query_one("#empty-state", Static)
        if not table.sessions:
            empty.update(EMPTY_TEXT)
        elif not table.row_count:
            empty.update(
                f"No saved research matches “{table.query_text}”. Escape clears the filter."
            )
        empty.display = table.row_count == 0
        table.set_class(table.row_count == 0, "-empty")

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(SessionTable).filter(event.value)
        self._update_empty_state()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        """Enter or ↓ in the filter (``FilterInput``): on to the rows, if any."""
        table = self.query_one(SessionTable)
        if table.row_count:
            table.focus()

    def key_escape(self) -> None:
        """Escape in the filter clears it, elsewhere it goes back to the topic field."""
        filter_input = self.query_one("#filter", Input)
        if self.focused is filter_input and filter_input.value:
            filter_input.value = ""
        elif self.focused is filter_input:
            self.query_one(SessionTable).focus()
        elif filter_input.value:
            filter_input.value = ""

    @on(DataTable.RowSelected, "#sessions")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.OpenSession(str(event.row_key.value)))

    @on(SessionTable.DeleteRequested)
    def _delete_requested(self, message: SessionTable.DeleteRequested) -> None:
        from tui.screens.confirm import ConfirmScreen  # a dialog: imported when first asked

        info = self._info(message.session_id)
        topic = getattr(info, "topic", message.session_id)
        session_id = message.session_id

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(session_id, topic)

        self.app.push_screen(
            ConfirmScreen(
                f"Delete “{topic}”?\nIts events, log and report are removed from disk, and "
                "its findings from the mind map.",
                yes="Delete",
                no="Keep",
                destructive=True,
            ),
            answered,
        )

    @work(thread=True, exit_on_error=False, group="home-delete")
    def _delete(self, session_id: str, topic: str) -> None:
        from core.deletion import delete_research

        store = None
        with contextlib.suppress(Exception):  # the app's store: one writer per process
            store = self.app.mindmap_store()  # type: ignore[attr-defined]
        # A failure (busy, gone) ends the worker in error: ``_worker_failed`` says why.
        warning = delete_research(self.config, session_id, store=store)
        self.app.call_from_thread(self.notify, f"Deleted “{escape(topic)}”.")
        if warning:
            self.app.call_from_thread(self.notify, escape(warning), severity="warning")
        self.app.call_from_thread(self.reload)
        if release := getattr(self.app, "release_store_if_idle", None):
            self.app.call_from_thread(release)  # idle on Home: let another process write

    @on(SessionTable.ExportRequested)
    def _export_requested(self, message: SessionTable.ExportRequested) -> None:
        from tui.screens.export import ExportScreen  # a dialog: imported when first asked

        info = self._info(message.session_id)
        session_id = message.session_id

        def chosen(fmt: str | None) -> None:
            if fmt:
                self.app.export_research(session_id, fmt)  # type: ignore[attr-defined]

        self.app.push_screen(ExportScreen(getattr(info, "topic", session_id)), chosen)

    def _info(self, session_id: str) -> Any | None:
        return next((s for s in self.query_one(SessionTable).sessions if s.id == session_id), None)

    # --- form -----------------------------------------------------------------------------

    @on(Input.Submitted, "#topic, #rounds, #breadth, #language, #include, #exclude, #recency")
    @on(Input.Submitted, f"#{BUDGET_ID}, #{TOKENS_ID}")
    @on(Button.Pressed, "#start")
    def _submit(self, event: Message) -> None:
        event.stop()
        self.submit()

    def submit(self) -> bool:
        """Validate the form; post ``StartResearch`` when it is valid. Returns validity."""
        problems: list[str] = []
        first_bad: Input | None = None
        for name in ("topic", "rounds", "breadth"):
            field = self.query_one(f"#{name}", Input)
            result = field.validate(field.value)
            if result is not None and not result.is_valid:
                problems.extend(result.failure_descriptions)
                first_bad = first_bad or field
        if not problems and self.config.missing_keys():
            problems.append("Add your API keys first: press ctrl+s to open Settings.")
        error = self.query_one("#form-error", Static)
        if problems:
            error.update("\n".join(dict.fromkeys(problems)))
            error.display = True
            if first_bad is not None:
                first_bad.focus()
            return False
        filters, problem = read_filters(self)
        if problem:
            error.update(problem)
            error.display = True
            return False
        max_usd, problem = read_budget(self)
        max_tokens, tokens_problem = read_tokens(self)
        if problem or tokens_problem:
            error.update(problem or tokens_problem)
            error.display = True
            return False
        error.display = False
        topic = self.query_one("#topic", Input)
        self.post_message(
            self.StartResearch(
                topic=topic.value.strip(),
                rounds=int(self.query_one("#rounds", Input).value),
                breadth=int(self.query_one("#breadth", Input).value),
                language=self.query_one("#language", Input).value.strip(),
                filters=filters,
                max_usd=max_usd,
                max_tokens=max_tokens,
            )
        )
        topic.value = ""  # back on Home, Enter must not start the same research again
        return True

    # --- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows a key only where it does what it says.

        "n" types in any field, so "n New" hides while one has focus. "/" filters from the
        list, the number fields (no "/" in a number) and an empty topic or language field
        (nothing starts with "/"); in the filter or in a field with text, it is text.
        """
        focused = self.focused
        if action == "new_research":
            return not isinstance(focused, Input)
        if action == "focus_filter" and isinstance(focused, Input):
            if focused.id in ("rounds", "breadth"):
                return True
            return focused.id in ("topic", "language", *FILTER_IDS) and not focused.value
        return True

    @on(Input.Changed, "#topic, #language, #include, #exclude, #recency")
    def _typed(self) -> None:
        self.refresh_bindings()  # "/ Filter" comes and goes with the field's text

    @on(Input.Changed, f"#rounds, #breadth, #{BUDGET_ID}, #{TOKENS_ID}")
    def _estimate_inputs_changed(self) -> None:
        if self.estimated:  # before that, the first estimate reads the fields as they are
            update_estimate(self, self.config)

    @on(FirstFrame)
    def _after_first_frame(self) -> None:
        """What the first frame went without: the saved list, then the cost estimate
        (``_estimate_after_list``)."""
        if self.loaded:
            self.call_after_refresh(self._first_estimate)
        else:
            self.reload()

    def _after_start_up(self) -> bool:
        """The app's first frame is up (an app without that flag, as in tests: always)."""
        return getattr(self.app, "first_frame_shown", True)

    def _estimate_after_list(self) -> None:
        """The list is shown: the first estimate (its import is ~100 ms) comes a frame
        later, so the rows are not held back by it."""
        if not self.estimated and self._after_start_up():
            self.call_after_refresh(self._first_estimate)

    def _first_estimate(self) -> None:
        if self.estimated:
            return
        update_estimate(self, self.config, force=True)
        self.estimated = True
        # Home is built, listed and estimated: what the first research needs is imported
        # now, off the UI thread, not after Enter (``tui.preload``).
        preload.start()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._mark_focused_panel(event.widget)
        self.refresh_bindings()

    def _mark_focused_panel(self, focused: Widget) -> None:
        """Brighten the border of the panel that holds the focus.

        A class rather than ``:focus-within``: Textual restyles every widget under a node
        with a ``:focus-within`` rule whenever the focus moves anywhere inside it, so each
        Tab through the form restyled its nine inputs (and Home's first frame waited for
        that twice). The class changes, and restyles a panel, only when the focus crosses
        from one panel to the other.
        """
        for panel in self.query(".home-panel"):
            panel.set_class(panel in focused.ancestors, "-focus-within")

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    def action_new_research(self) -> None:
        self.focus_topic()

    def focus_topic(self, topic: str | None = None) -> None:
        """Put the cursor in the topic field (optionally pre-filled)."""
        field = self.query_one("#topic", Input)
        if topic is not None:
            field.value = topic
        field.focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()
