"""Settings: API keys, providers, model, search depth, research defaults, graph and Neo4j.

The providers section chooses the LLM (Gemini, or any OpenAI-compatible server such as
Ollama or LM Studio: base URL, model, optional key), the search chain (tavily, ddgs,
searxng, local), the SearXNG URL, the document folders and private mode. Which keys are
"missing" follows that choice (``Config.missing_keys``): a local model with keyless search
needs no key at all, and the first-run screen does not ask for one.

Keys are entered in masked inputs that start empty: the screen only ever shows that a key
is set and its last four characters, so a screenshot or a shoulder never sees a key.
Values that come from the environment are shown as "from env VAR" and are not editable
here, because ``core.config.save`` writes only file values and an env value would silently
win over anything typed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Select, Static, Switch
from textual.worker import Worker, WorkerState

from core.config import BREADTH_RANGE, ROUNDS_RANGE
from styles import tcss
from tui.latest import Latest
from tui.paths import shown_path
from tui.screens.settings_prices import collect_prices, price_rows
from tui.styled_once import StyledOnce
from tui.widgets.in_order_input import InOrderInput
from tui.widgets.steady_footer import SteadyFooter
from tui.widgets.title_header import TitleHeader

if TYPE_CHECKING:
    from core.config import Config

SETTINGS_CSS = tcss("settings")

TEST_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Field:
    """One setting on the form: its widget id, dotted config key and label."""

    id: str
    key: str
    label: str
    kind: str = "text"  # text | secret | int | number | bool | choice | list
    choices: tuple[str, ...] = ()
    minimum: int = 1
    maximum: int = 20
    help: str = ""
    placeholder: str = ""


FIELDS: tuple[Field, ...] = (
    Field("gemini-api-key", "gemini.api_key", "Gemini API key", "secret"),
    Field("tavily-api-key", "tavily.api_key", "Tavily API key", "secret"),
    Field(
        "providers-llm",
        "providers.llm",
        "LLM provider",
        "choice",
        ("gemini", "openai"),
        help="openai: any OpenAI-compatible server (Ollama, LM Studio, llama.cpp, vLLM)",
    ),
    Field(
        "openai-base-url",
        "openai.base_url",
        "Server URL",
        help="for openai; Ollama: http://localhost:11434/v1",
        placeholder="http://localhost:11434/v1",
    ),
    Field("openai-model", "openai.model", "Server model", placeholder="e.g. qwen3:8b"),
    Field("openai-api-key", "openai.api_key", "Server API key", "secret"),
    Field(
        "providers-search",
        "providers.search",
        "Search chain",
        help="tried in order: tavily, ddgs, searxng, local",
        placeholder="e.g. searxng,local",
    ),
    Field(
        "searxng-base-url",
        "searxng.base_url",
        "SearXNG URL",
        placeholder="http://localhost:8888",
    ),
    Field(
        "local-folders",
        "local.folders",
        "Document folders",
        "list",
        help=f"for local search; several separated by {os.pathsep}",
        placeholder="e.g. ~/notes",
    ),
    Field(
        "providers-private",
        "providers.private",
        "Private mode",
        "bool",
        help="refuse to start if anything would leave this machine",
    ),
    Field("gemini-model", "gemini.model", "Model", placeholder="gemini-2.5-flash"),
    Field(
        "tavily-search-depth",
        "tavily.search_depth",
        "Search depth",
        "choice",
        ("basic", "advanced"),
        help="advanced costs 2 Tavily credits per search",
    ),
    Field(
        "research-rounds",
        "research.rounds",
        "Rounds",
        "int",
        minimum=ROUNDS_RANGE[0],
        maximum=ROUNDS_RANGE[1],
    ),
    Field(
        "research-breadth",
        "research.breadth",
        "Breadth",
        "int",
        minimum=BREADTH_RANGE[0],
        maximum=BREADTH_RANGE[1],
        help="searches per round",
    ),
    Field(
        "research-review-queries",
        "research.review_queries",
        "Review queries",
        "bool",
        help="edit each round's queries before they run",
    ),
    Field(
        "filters-include",
        "filters.include_domains",
        "Only domains",
        help="comma-separated; subdomains too",
        placeholder="any domain",
    ),
    Field(
        "filters-exclude",
        "filters.exclude_domains",
        "Exclude domains",
        help="comma-separated",
        placeholder="none",
    ),
    Field(
        "filters-recency",
        "filters.recency",
        "Recency",
        help="day, week, month, year or YYYY-MM-DD",
        placeholder="any date",
    ),
    Field(
        "cost-max-usd",
        "cost.max_usd",
        "Budget (USD)",
        "number",
        help="0: no limit; stops before a round that would not fit, then reports",
    ),
    Field(
        "cost-max-tokens",
        "cost.max_tokens",
        "Budget (tokens)",
        "number",
        help="0: no limit; input and output tokens",
    ),
    Field(
        "cost-tavily-usd-per-credit",
        "cost.tavily_usd_per_credit",
        "USD per Tavily credit",
        "number",
        help="a basic search is 1 credit, advanced 2",
    ),
    Field(
        "trust-judge",
        "trust.judge",
        "Model judges quotes",
        "bool",
        help="one more call before the report: does each verified quote support its claim?",
    ),
    Field(
        "graph-backend",
        "graph.backend",
        "Graph backend",
        "choice",
        ("ladybug", "neo4j"),
        help="ladybug is embedded, nothing to set up",
    ),
    Field(
        "neo4j-uri",
        "neo4j.uri",
        "Neo4j URI",
        help="used when the backend is neo4j",
        placeholder="e.g. bolt://localhost:7687",
    ),
    Field("neo4j-user", "neo4j.user", "Neo4j user"),
    Field("neo4j-password", "neo4j.password", "Neo4j password", "secret"),
    Field("neo4j-database", "neo4j.database", "Neo4j database"),
)

CHECKED_TEXT = frozenset({"providers.search"})
"""Text settings checked with the config file's own rule before they are saved."""
REQUIRED_SECRETS = frozenset({"gemini.api_key", "tavily.api_key"})
"""Keys whose absence is flagged (a local model server and Neo4j may need none)."""

SECTION_BEFORE = {
    "gemini.api_key": "API keys",
    "providers.llm": "Providers",
    "gemini.model": "Research",
    "filters.include_domains": "Search filters (defaults for new researches)",
    "cost.max_usd": "Cost (defaults for new researches)",
    "graph.backend": "Mind map",
}


def env_source(config: Config, dotted: str) -> str | None:
    """Name of the environment variable a value came from, or None if it did not."""
    if dotted not in config.env_keys:
        return None
    from core.config import ENV_OVERRIDES

    for name in ENV_OVERRIDES.get(dotted, ()):
        if os.environ.get(name, "").strip():
            return name
    return ENV_OVERRIDES.get(dotted, ("the environment",))[0]


def current_value(config: Config, dotted: str) -> Any:
    section, key = dotted.split(".")
    return getattr(getattr(config, section), key)


def check_neo4j(uri: str, user: str, password: str, timeout: float = TEST_TIMEOUT_S) -> str:
    """Connect and verify with the store's own driver settings; returns the address to show
    (without credentials). Raises on any failure; the caller scrubs the message."""
    from core.mindmap.neo4j_connect import open_driver, safe_uri

    driver = open_driver(uri, user, password, timeout_s=timeout)
    try:
        driver.verify_connectivity()
        return safe_uri(uri)
    finally:
        driver.close()


def neo4j_uri_hint(uri: str) -> str | None:
    """What to type instead of a URI the driver cannot use, or None when it is one it can.

    ``http://localhost:7474`` is what Neo4j Browser shows, so it is what people paste; the
    driver then fails with "No module named 'aiohttp'", which says nothing useful.
    """
    from urllib.parse import urlsplit

    from core.config import neo4j_uri_problem

    problem = neo4j_uri_problem(uri)
    if problem is None:
        return None
    try:
        parts = urlsplit(uri if "://" in uri else f"bolt://{uri}")
        host = parts.hostname or "localhost"
    except ValueError:
        host = "localhost"
    if parts.scheme in ("http", "https"):
        return (
            f"That is Neo4j Browser's web address; the driver speaks Bolt: use "
            f"bolt://{host}:7687 or neo4j://{host}:7687 (port 7687, not 7474)."
        )
    return problem[0].upper() + problem[1:] + f", e.g. bolt://{host}:7687."


def neo4j_failure_text(exc: BaseException, uri: str, password: str) -> str:
    """One line for a failed test: the error's type and first line, without credentials."""
    from core.mindmap.neo4j_connect import scrub

    text = str(exc).strip()
    first_line = text.splitlines()[0] if text else ""
    return scrub(f"Could not connect: {type(exc).__name__} {first_line}", uri, [password])


class SettingsScreen(StyledOnce, Screen[bool]):
    """Edit and save the config file. Dismisses True after a save with both keys present,
    False on Escape."""

    CSS_PATH = SETTINGS_CSS
    AUTO_FOCUS = "#settings-form Input:enabled"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="settings.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="settings.cancel"),
        Binding("ctrl+t", "test_connection", "Test Neo4j", id="settings.test_neo4j"),
    ]

    class Neo4jTested(Message):
        def __init__(self, ok: bool, text: str, test: int = 0) -> None:
            super().__init__()
            self.ok = ok
            self.text = text
            self.test = test
            """Which test this answers (``_tests``)."""

    def __init__(self, config: Config, first_launch: bool = False) -> None:
        super().__init__()
        self.config = config
        self._tests = Latest()
        """The Neo4j tests asked for: only the newest one's answer is shown."""
        self.first_launch = first_launch
        self.saved = False
        self.test_result: tuple[bool | None, str] | None = None
        """(ok, message) of the last Neo4j test; None until one ran."""

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TitleHeader()
        with VerticalScroll(id="settings-form"):
            yield Static("", id="settings-intro")
            for spec in FIELDS:
                if heading := SECTION_BEFORE.get(spec.key):
                    yield Label(heading, classes="settings-heading")
                with Horizontal(classes="settings-row", id=f"row-{spec.id}"):
                    yield Label(spec.label, classes="settings-label")
                    yield self._widget(spec)
                    yield Static(self._note(spec), id=f"note-{spec.id}", classes="settings-note")
                if spec.key == "cost.tavily_usd_per_credit":
                    yield from price_rows(self.config)
            with Horizontal(id="neo4j-test-row", classes="settings-row"):
                yield Label("", classes="settings-label")
                yield Button("Test connection", id="test-neo4j")
                yield Static("", id="neo4j-result")
            yield Static("", id="settings-path")
        with Horizontal(id="settings-buttons"):
            yield Button("Save", variant="primary", id="save", compact=True)
            yield Button("Cancel", id="cancel", compact=True)
        yield SteadyFooter()

    def _widget(self, spec: Field) -> Input | Select[str] | Switch:
        env = env_source(self.config, spec.key)
        value = current_value(self.config, spec.key)
        if spec.kind == "bool":
            return Switch(bool(value), id=spec.id, disabled=env is not None)
        if spec.kind == "choice":
            return Select(
                [(choice, choice) for choice in spec.choices],
                value=value if value in spec.choices else spec.choices[0],
                allow_blank=False,
                id=spec.id,
                disabled=env is not None,
                compact=True,
            )
        if spec.kind == "secret":
            return InOrderInput(
                "",
                placeholder=self._secret_placeholder(spec),
                password=True,
                id=spec.id,
                disabled=env is not None,
                compact=True,
            )
        shown = os.pathsep.join(value) if isinstance(value, list) else str(value)
        if spec.kind == "number":
            shown = f"{value:g}"  # 0.008, not 0.008000000000000002; 2, not 2.0
        return InOrderInput(
            "" if env else shown,
            placeholder=f"from env {env}" if env else spec.placeholder,
            type="integer" if spec.kind == "int" else "number" if spec.kind == "number" else "text",
            id=spec.id,
            disabled=env is not None,
            compact=True,
        )

    def _secret_placeholder(self, spec: Field) -> str:
        env = env_source(self.config, spec.key)
        if env:
            return f"from env {env}"
        if current_value(self.config, spec.key):
            # Short enough for the field at 80 columns; the note beside it says "set (…1234)".
            return "type to replace"
        # The note beside an API key already says "not set"; the password has no note.
        return "paste it here" if self._note(spec) else "not set — paste it here"

    def _note(self, spec: Field) -> str:
        from core.config import redact

        env = env_source(self.config, spec.key)
        if spec.kind == "secret":
            value = str(current_value(self.config, spec.key))
            if env:
                return f"[$text-success]from env {env}[/] ({escape(redact(value))})"
            if value:
                return f"[$text-success]set[/] ({escape(redact(value))})"
            return "[$text-warning]not set[/]" if spec.key in REQUIRED_SECRETS else ""
        if env:
            return f"from env {env}"
        return escape(spec.help)

    def on_mount(self) -> None:
        self.title = "deepresearch-tui"
        self.sub_title = "Settings"
        self._refresh_intro()

    def _refresh_intro(self) -> None:
        from core.config import GEMINI_KEY_URL, TAVILY_KEY_URL

        config = self.config
        path = escape(str(config.path))
        intro = self.query_one("#settings-intro", Static)
        lines: list[str] = []
        chain = config.providers.search_chain
        missing = [
            (name, env, url)
            for name, wanted, value, env, url in (
                (
                    "Gemini",
                    config.providers.llm == "gemini",
                    config.gemini.api_key,
                    "GEMINI_API_KEY",
                    GEMINI_KEY_URL,
                ),
                (
                    "Tavily",
                    "tavily" in chain,
                    config.tavily.api_key,
                    "TAVILY_API_KEY",
                    TAVILY_KEY_URL,
                ),
            )
            if wanted and not value
        ]
        others = [m for m in config.missing_keys() if not m.startswith(("No Gemini", "No Tavily"))]
        if missing or others:
            if self.first_launch:
                lines.append(
                    "[b]Welcome to deepresearch-tui.[/b] Research needs an LLM and a search: "
                    "Gemini and Tavily keys, or no key at all with a local model (LLM "
                    "provider openai) and keyless search (ddgs, searxng, local)."
                )
            for name, env, url in missing:
                lines.append(
                    f"• [b]{name}[/b] key is missing: get one at [link='{url}']{url}[/link] "
                    f"(or set {env})."
                )
            lines.extend(f"• {escape(m)}" for m in others)
            if missing:
                lines.append(
                    "Paste the keys below and press [b]Save[/b] (ctrl+s). The environment "
                    "variables GEMINI_API_KEY and TAVILY_API_KEY work too and are never "
                    "written to the file."
                )
            lines.append(f"Config file: [b]{shown_path(path)}[/b]")
        intro.update("\n".join(lines))
        intro.display = bool(lines)
        intro.set_class(bool(missing or others), "-missing")
        verb = "Saved to" if self.saved else "Will be saved to"
        self.query_one("#settings-path", Static).update(
            f"{verb} {shown_path(path)} (mode 0600: readable only by you)."
        )

    # --- saving ---------------------------------------------------------------------------

    def collect(self) -> tuple[dict[str, Any], list[str]]:
        """Changed file values from the form, and validation problems."""
        from core.config import neo4j_uri_problem

        changes: dict[str, Any] = {}
        problems: list[str] = []
        for spec in FIELDS:
            if env_source(self.config, spec.key):
                continue
            current = current_value(self.config, spec.key)
            if spec.kind == "bool":
                value: Any = self.query_one(f"#{spec.id}", Switch).value
            elif spec.kind == "choice":
                value = self.query_one(f"#{spec.id}", Select).value
            else:
                text = self.query_one(f"#{spec.id}", Input).value.strip()
                if spec.kind == "secret":
                    if text:
                        changes[spec.key] = text
                    continue
                if spec.kind == "int":
                    try:
                        value = int(text)
                    except ValueError:
                        problems.append(f"{spec.label} must be a whole number.")
                        continue
                    if not spec.minimum <= value <= spec.maximum:
                        problems.append(f"{spec.label} must be {spec.minimum} to {spec.maximum}.")
                        continue
                elif spec.kind == "number":
                    from core.config import check_value
                    from core.errors import ConfigError

                    try:  # the config's own type and limit (float or int, 0 or more)
                        value = check_value(spec.key, text or "0")
                    except ConfigError as exc:
                        problems.append(f"{spec.label}: {exc}".removesuffix(".") + ".")
                        continue
                elif spec.kind == "list" or spec.key in CHECKED_TEXT:
                    from core.config import check_value
                    from core.errors import ConfigError

                    try:
                        value = check_value(spec.key, text) if text or spec.kind == "list" else ""
                    except ConfigError as exc:
                        problems.append(f"{spec.label}: {exc}")
                        continue
                    if spec.key == "providers.search" and not text:
                        problems.append("Search chain cannot be empty (e.g. tavily).")
                        continue
                else:
                    value = text
                    if spec.key == "neo4j.uri" and text and (problem := neo4j_uri_problem(text)):
                        problems.append(problem[0].upper() + problem[1:] + ".")
                        if (hint := neo4j_uri_hint(text)) and "Bolt" in hint:
                            problems.append(hint)
                        continue
                    if spec.key == "gemini.model" and not text:
                        problems.append("Model cannot be empty.")
                        continue
                    if spec.key.startswith("filters."):
                        from core.config import check_value
                        from core.errors import ConfigError

                        try:
                            value = check_value(spec.key, text)  # normalised, as saved
                        except ConfigError as exc:
                            problems.append(f"{spec.label}: {exc}".removesuffix(".") + ".")
                            continue
            if value != current:
                changes[spec.key] = value
        prices, price_problems = collect_prices(self, self.config)
        problems.extend(price_problems)
        if prices is not None:
            changes["cost.prices"] = prices
        return changes, problems

    def action_save(self) -> None:
        from core.config import save
        from core.errors import ConfigError

        changes, problems = self.collect()
        if problems:
            self.notify("\n".join(problems), title="Not saved", severity="error", timeout=8)
            return
        for dotted, value in changes.items():
            section, key = dotted.split(".")
            self.config.file_values.setdefault(section, {})[key] = value
            setattr(getattr(self.config, section), key, value)
        try:
            path = save(self.config)
        except (OSError, ConfigError) as exc:
            self.notify(
                f"Could not write {shown_path(self.config.path)}: {escape(str(exc))}",
                severity="error",
            )
            return
        self.saved = True
        for spec in FIELDS:
            if spec.kind == "secret":
                field = self.query_one(f"#{spec.id}", Input)
                field.value = ""
                field.placeholder = self._secret_placeholder(spec)
            self.query_one(f"#note-{spec.id}", Static).update(self._note(spec))
        self._refresh_intro()
        if missing := self.config.missing_keys():
            self.notify(
                f"Saved to {shown_path(path)}. Still missing: " + " ".join(missing),
                severity="warning",
            )
            return
        self.notify(f"Settings saved to {shown_path(path)}.")
        self.dismiss(True)

    def action_cancel(self) -> None:
        if self.config.missing_keys():
            self.app.notify(
                "No API keys yet (or no local model server), so research cannot start. Press "
                "ctrl+s on Home to add them, or set GEMINI_API_KEY and TAVILY_API_KEY.",
                title="Keys missing",
                severity="warning",
                timeout=10,
            )
        self.dismiss(False)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    # --- Neo4j test -----------------------------------------------------------------------

    @on(Button.Pressed, "#test-neo4j")
    def action_test_connection(self) -> None:
        uri = self._field_or_config("neo4j-uri", "neo4j.uri")
        if not uri:
            self._show_test(False, "Type a Neo4j URI first (e.g. bolt://localhost:7687).")
            return
        if hint := neo4j_uri_hint(uri):  # before the driver turns it into a riddle
            self._show_test(False, hint)
            return
        user = self._field_or_config("neo4j-user", "neo4j.user")
        password = self._field_or_config("neo4j-password", "neo4j.password")
        from core.mindmap.neo4j_connect import safe_uri

        self._show_test(None, f"Connecting to {safe_uri(uri)}…")
        self._test_worker(uri, user, password, self._tests.issue())

    def _field_or_config(self, widget_id: str, dotted: str) -> str:
        field = self.query_one(f"#{widget_id}", Input)
        text = field.value.strip()
        return text or str(current_value(self.config, dotted))

    @work(thread=True, exclusive=True, exit_on_error=False, group="settings-neo4j")
    def _test_worker(self, uri: str, user: str, password: str, test: int) -> None:
        try:
            shown = check_neo4j(uri, user, password)
        except Exception as exc:  # every driver failure is a message, never a crash
            failure = neo4j_failure_text(exc, uri, password)
            self.post_message(self.Neo4jTested(False, failure, test))
        else:
            self.post_message(self.Neo4jTested(True, f"Connected to {shown}.", test))

    @on(Neo4jTested)
    def _tested(self, message: Neo4jTested) -> None:
        if self._tests.is_current(message.test):  # not a slower, older test's answer
            self._show_test(message.ok, message.text)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            from core.mindmap.neo4j_connect import scrub

            uri = self._field_or_config("neo4j-uri", "neo4j.uri")
            password = self._field_or_config("neo4j-password", "neo4j.password")
            self._show_test(False, scrub(f"Test failed: {event.worker.error}", uri, [password]))

    def _show_test(self, ok: bool | None, text: str) -> None:
        result = self.query_one("#neo4j-result", Static)
        result.update(Content(("✓ " if ok else "✗ " if ok is False else "") + text))
        result.set_class(ok is True, "-ok")
        result.set_class(ok is False, "-error")
        self.test_result = (ok, text)
        # ctrl+t works from any field, and the result row is at the bottom of a form taller
        # than 24 rows: bring it into view, or the test seems to do nothing.
        self.query_one("#neo4j-test-row").scroll_visible(animate=False)
