"""Configuration: a TOML file at the platform's config path, overridden by environment variables.

Read with ``tomllib``, written with ``tomlkit`` (mode 0600: it holds API keys), which edits
the user's document in place so their comments and layout survive a ``config set``. Only
values that came from the file are ever written back, so an API key given through the
environment never lands on disk. A broken file, or a value of the wrong type, is reported
with its path and line and is never overwritten. Writes go through a unique temporary file
and an atomic rename under an advisory lock, so two ``config set`` calls at once both land.
Nothing here touches the disk at import time.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import APP_NAME
from core.errors import ConfigError

CONFIG_ENV = "DEEPRESEARCH_TUI_CONFIG"
"""Path of the config file (tests and portable installs); default: the platform config dir."""
DATA_ENV = "DEEPRESEARCH_TUI_DATA"
"""Folder for sessions and the graph; default: the platform data dir."""

DEFAULT_MODEL = "gemini-2.5-flash"
GEMINI_KEY_URL = "https://aistudio.google.com/apikey"
TAVILY_KEY_URL = "https://app.tavily.com"


@dataclass
class GeminiConfig:
    api_key: str = ""
    model: str = DEFAULT_MODEL
    base_url: str = ""
    rpm: int = 10
    """Client-side requests per minute; the free tier of flash models allows about 10."""
    max_retries: int = 5


@dataclass
class TavilyConfig:
    api_key: str = ""
    base_url: str = ""
    search_depth: str = "basic"
    include_raw_content: bool = False
    raw_content_chars: int = 3000
    timeout_s: float = 30.0
    concurrency: int = 4
    """Searches sent to Tavily at once (``core.search.chain``): a paid API takes several."""


@dataclass
class ResearchConfig:
    rounds: int = 3
    breadth: int = 4
    """Cap on searches per round (every planned query up to this cap is run)."""
    results_per_search: int = 5
    concurrency: int = 4
    language: str = ""
    """Empty: write in the topic's own language."""
    review_queries: bool = False
    """Let the user edit the next round's planned queries before they run (TUI)."""
    context_chars: int = 3000
    """Budget for the mind-map context in each reasoning prompt."""


@dataclass
class GraphConfig:
    backend: str = "ladybug"
    """"ladybug" (embedded, default) or "neo4j"."""
    path: str = ""
    """Embedded database folder; empty: ``<data dir>/graph``."""


@dataclass
class Neo4jConfig:
    uri: str = ""
    user: str = "neo4j"
    password: str = ""
    database: str = "neo4j"


LLM_PROVIDERS: tuple[str, ...] = ("gemini", "openai")
SEARCH_PROVIDERS: tuple[str, ...] = ("tavily", "ddgs", "searxng", "local")


@dataclass
class ProvidersConfig:
    llm: str = "gemini"
    """"gemini" or "openai" (any OpenAI-compatible server: Ollama, LM Studio, vLLM, …)."""
    search: str = "tavily"
    """The search chain, comma-separated, tried in this order: tavily,ddgs,searxng,local."""
    private: bool = False
    """Only local documents and an LLM on loopback or a private network may be used."""

    @property
    def search_chain(self) -> list[str]:
        return [name.strip() for name in self.search.split(",") if name.strip()]


@dataclass
class OpenAIConfig:
    base_url: str = ""
    """E.g. http://localhost:11434/v1 (Ollama), http://localhost:1234/v1 (LM Studio)."""
    api_key: str = ""
    """Optional: local servers need none."""
    model: str = ""
    timeout_s: float = 600.0
    first_token_timeout_s: float = 300.0
    """A large local model may take minutes to load before its first token."""
    rpm: int = 0
    """Client-side requests per minute; 0: no limit (local servers)."""
    max_retries: int = 5


@dataclass
class SearxngConfig:
    base_url: str = ""
    timeout_s: float = 20.0
    concurrency: int = 3
    """Searches sent to the SearXNG instance at once: it fans each one out to its engines."""


@dataclass
class DdgsConfig:
    backend: str = "auto"
    """ddgs engines, comma-separated (duckduckgo, bing, brave, …) or "auto"."""
    region: str = "us-en"
    timeout_s: float = 10.0
    concurrency: int = 2
    """Searches sent to ddgs at once: keyless engines rate-limit bursts without warning."""


@dataclass
class LocalDocsConfig:
    folders: list[str] = field(default_factory=list)
    """Folders of .md, .txt, .html and .pdf files to search."""
    concurrency: int = 1
    """Local searches at once: each reads the disk and holds a CPU core, so more only
    makes them compete."""


@dataclass
class FiltersConfig:
    """Default search filters for new researches (``core.search.filters``); the Home form
    and ``run``'s flags override them per research."""

    include_domains: str = ""
    """Comma-separated: only results from these domains (and their subdomains)."""
    exclude_domains: str = ""
    """Comma-separated: never results from these domains."""
    recency: str = ""
    """day, week, month, year, or YYYY-MM-DD; empty: any date."""


FILTER_KEYS = frozenset({"filters.include_domains", "filters.exclude_domains", "filters.recency"})


@dataclass
class CostConfig:
    prices: str = ""
    """Prices over the defaults (``core.cost.prices``): ``MODEL=INPUT/OUTPUT`` USD per million
    tokens, comma-separated; a model not listed and not a Gemini model costs 0."""
    tavily_usd_per_credit: float = 0.008
    """USD per Tavily API credit (a basic search is 1 credit, an advanced one 2)."""
    max_usd: float = 0.0
    """Budget per research in USD; 0: no cap."""
    max_tokens: int = 0
    """Budget per research in tokens (input + output); 0: no cap."""


@dataclass
class TrustConfig:
    judge: bool = False
    """One extra LLM call before the report judging whether each verified quote supports
    its claim (supported / partial / contradicts); off by default, budgeted like any call."""


@dataclass
class Config:
    gemini: GeminiConfig = field(default_factory=GeminiConfig)
    tavily: TavilyConfig = field(default_factory=TavilyConfig)
    research: ResearchConfig = field(default_factory=ResearchConfig)
    graph: GraphConfig = field(default_factory=GraphConfig)
    neo4j: Neo4jConfig = field(default_factory=Neo4jConfig)
    providers: ProvidersConfig = field(default_factory=ProvidersConfig)
    openai: OpenAIConfig = field(default_factory=OpenAIConfig)
    searxng: SearxngConfig = field(default_factory=SearxngConfig)
    ddgs: DdgsConfig = field(default_factory=DdgsConfig)
    local: LocalDocsConfig = field(default_factory=LocalDocsConfig)
    filters: FiltersConfig = field(default_factory=FiltersConfig)
    cost: CostConfig = field(default_factory=CostConfig)
    trust: TrustConfig = field(default_factory=TrustConfig)
    path: Path = field(default_factory=lambda: config_path())
    """Where this config was read from (and where ``save`` writes)."""
    file_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Exactly what the file held: the only values ``save`` writes back."""
    env_keys: set[str] = field(default_factory=set)
    """Dotted keys whose effective value came from the environment."""

    @property
    def data_dir(self) -> Path:
        return data_dir()

    @property
    def sessions_dir(self) -> Path:
        return data_dir() / "sessions"

    @property
    def graph_path(self) -> Path:
        return Path(self.graph.path).expanduser() if self.graph.path else data_dir() / "graph"

    def missing_keys(self) -> list[str]:
        """Human sentences naming each missing key, the env var and the config file.

        Only the chosen providers count: an OpenAI-compatible LLM needs no Gemini key, a
        chain without Tavily no Tavily key."""
        missing = []
        if self.providers.llm == "openai":
            if not self.openai.base_url:
                missing.append(
                    "No OpenAI-compatible server: set OPENAI_BASE_URL (e.g. "
                    "http://localhost:11434/v1 for Ollama), or run `deepresearch-tui config "
                    f"set openai.base_url URL` (writes {self.path})."
                )
            if not self.openai.model:
                missing.append(
                    "No model for the OpenAI-compatible server: set OPENAI_MODEL, or run "
                    f"`deepresearch-tui config set openai.model NAME` (writes {self.path})."
                )
        elif not self.gemini.api_key:
            missing.append(
                f"No Gemini API key: set GEMINI_API_KEY (or GOOGLE_API_KEY), or run "
                f"`deepresearch-tui config set gemini.api_key KEY` (writes {self.path}). "
                f"Get a key at {GEMINI_KEY_URL}"
            )
        chain = self.providers.search_chain
        if "tavily" in chain and not self.tavily.api_key:
            missing.append(
                f"No Tavily API key: set TAVILY_API_KEY, or run "
                f"`deepresearch-tui config set tavily.api_key KEY` (writes {self.path}). "
                f"Get a key at {TAVILY_KEY_URL}"
            )
        if "searxng" in chain and not self.searxng.base_url:
            missing.append(
                "No SearXNG URL: set SEARXNG_URL, or run `deepresearch-tui config set "
                f"searxng.base_url URL` (writes {self.path})."
            )
        if "local" in chain and not self.local.folders:
            missing.append(
                "No document folders for local search: pass --docs PATH, or run "
                f"`deepresearch-tui config set local.folders PATH` (writes {self.path})."
            )
        return missing


SECTIONS: dict[str, type] = {
    "gemini": GeminiConfig,
    "tavily": TavilyConfig,
    "research": ResearchConfig,
    "graph": GraphConfig,
    "neo4j": Neo4jConfig,
    "providers": ProvidersConfig,
    "openai": OpenAIConfig,
    "searxng": SearxngConfig,
    "ddgs": DdgsConfig,
    "local": LocalDocsConfig,
    "filters": FiltersConfig,
    "cost": CostConfig,
    "trust": TrustConfig,
}

ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "gemini.api_key": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "gemini.base_url": ("GEMINI_BASE_URL", "GOOGLE_GEMINI_BASE_URL"),
    "gemini.model": ("GEMINI_MODEL",),
    "tavily.api_key": ("TAVILY_API_KEY",),
    "tavily.base_url": ("TAVILY_BASE_URL",),
    "neo4j.uri": ("NEO4J_URI",),
    "neo4j.user": ("NEO4J_USER", "NEO4J_USERNAME"),
    "neo4j.password": ("NEO4J_PASSWORD",),
    "neo4j.database": ("NEO4J_DATABASE",),
    "openai.base_url": ("OPENAI_BASE_URL",),
    "openai.api_key": ("OPENAI_API_KEY",),
    "openai.model": ("OPENAI_MODEL",),
    "searxng.base_url": ("SEARXNG_URL",),
}

SECRET_KEYS = frozenset({"gemini.api_key", "tavily.api_key", "neo4j.password", "openai.api_key"})


def config_path() -> Path:
    if override := os.environ.get(CONFIG_ENV):
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def data_dir() -> Path:
    if override := os.environ.get(DATA_ENV):
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)


URL_KEYS = frozenset(
    {"gemini.base_url", "tavily.base_url", "neo4j.uri", "openai.base_url", "searxng.base_url"}
)
"""Settings holding URLs, which may carry ``user:password@`` or a ``?key=`` token."""


def redact(value: str) -> str:
    """Keys are shown only as their last 4 characters."""
    if not value:
        return ""
    return "…" + value[-4:] if len(value) > 4 else "…"


def redact_url(url: str) -> str:
    """A URL without credentials or query string, marked where they were (for display)."""
    from core.redaction import url_without_credentials

    return url_without_credentials(url, marked=True, invalid="<unparseable URL>")


ROUNDS_RANGE: tuple[int, int] = (1, 20)
"""Rounds per research, lowest and highest: the app's forms, ``config set``, the config file
and ``run --rounds`` all check this one range, so a value one of them takes the others take."""
BREADTH_RANGE: tuple[int, int] = (1, 10)
"""Searches per round, lowest and highest (shared like ``ROUNDS_RANGE``)."""

LIMITS: dict[str, tuple[int, int | None]] = {
    "gemini.rpm": (0, None),
    "gemini.max_retries": (0, None),
    "tavily.raw_content_chars": (0, None),
    "tavily.timeout_s": (1, None),
    "tavily.concurrency": (1, None),
    "searxng.concurrency": (1, None),
    "ddgs.concurrency": (1, None),
    "local.concurrency": (1, None),
    "research.rounds": ROUNDS_RANGE,
    "research.breadth": BREADTH_RANGE,
    "research.results_per_search": (1, None),
    "research.concurrency": (1, None),
    "research.context_chars": (0, None),
    "openai.timeout_s": (1, None),
    "openai.first_token_timeout_s": (1, None),
    "openai.rpm": (0, None),
    "openai.max_retries": (0, None),
    "searxng.timeout_s": (1, None),
    "ddgs.timeout_s": (1, None),
    "cost.tavily_usd_per_credit": (0, None),
    "cost.max_usd": (0, None),
    "cost.max_tokens": (0, None),
}
"""Inclusive (lowest, highest or None) per numeric setting. ``research.breadth = 0`` would
plan nothing and quietly search nothing; a 0 s timeout would fail every search."""
NEO4J_SCHEMES: tuple[str, ...] = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
"""URI schemes of the Bolt driver (``neo4j://`` routes over a cluster; ``+s`` verifies TLS,
``+ssc`` accepts a self-signed certificate). The driver's HTTP preview is not supported."""


def neo4j_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be a Neo4j URI (a sentence), or None when its scheme is one we use.

    One check for the config file, ``NEO4J_URI`` and the Settings form, so a typo such as
    ``http://`` or a missing ``bolt://`` is named where it was made instead of surfacing
    as a driver error on first use. The URI is quoted without its credentials.
    """
    from urllib.parse import urlsplit

    try:
        scheme = urlsplit(uri).scheme.lower()
    except ValueError:
        scheme = ""
    if "://" in uri and scheme in NEO4J_SCHEMES:
        return None
    schemes = ", ".join(f"{name}://" for name in NEO4J_SCHEMES)
    # Without "://" urlsplit sees no userinfo, so quote only what follows any "@".
    shown = redact_url(uri) if "://" in uri else uri.rpartition("@")[2]
    return f"a Neo4j URI must start with one of {schemes} (got {shown!r})"


CHOICES: dict[str, tuple[str, ...]] = {
    "graph.backend": ("ladybug", "neo4j"),
    "providers.llm": LLM_PROVIDERS,
    "tavily.search_depth": ("basic", "advanced"),
}

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _kind(dotted: str) -> type:
    """The Python type of a setting (its default's), or ConfigError for an unknown one."""
    section, _, key = dotted.partition(".")
    if section not in SECTIONS:
        raise ConfigError(f"unknown setting {dotted} (sections: {', '.join(SECTIONS)})")
    fields = {f.name: f for f in dataclasses.fields(SECTIONS[section])}
    if key not in fields:
        raise ConfigError(f"unknown setting {dotted} (known in [{section}]: {', '.join(fields)})")
    if fields[key].default_factory is not dataclasses.MISSING:
        return type(fields[key].default_factory())
    return type(fields[key].default)


def requirement(dotted: str) -> str:
    """What ``dotted`` accepts, in words: "a whole number from 1 to 20", "true or false",
    "one of: basic, advanced". The CLI and the config loader word every refusal with it."""
    if dotted in CHOICES:
        return "one of: " + ", ".join(CHOICES[dotted])
    if dotted == "providers.search":
        return "a comma-separated chain of " + ", ".join(SEARCH_PROVIDERS)
    if dotted == "filters.recency":
        from core.search.filters import RECENCY_HELP

        return RECENCY_HELP
    if dotted in FILTER_KEYS:
        return "comma-separated domains, e.g. example.org, docs.python.org"
    if dotted == "cost.prices":
        return "comma-separated MODEL=INPUT/OUTPUT prices in USD per million tokens"
    kind = _kind(dotted)
    if kind is list:
        return f"a list of folder paths (in one string, separated by {os.pathsep!r})"
    if kind is bool:
        return "true or false"
    if kind is str:
        return "text"
    noun = "a whole number" if kind is int else "a number"
    low, high = LIMITS.get(dotted, (None, None))
    if low is not None and high is not None:
        return f"{noun} from {low} to {high}"
    if low is not None:
        return f"{noun} of at least {low}"
    return noun


def _shown(value: Any) -> str:
    """A refused value as the user wrote it: strings quoted, TOML booleans in lower case."""
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value) if isinstance(value, str) else str(value)


def check_value(dotted: str, value: Any) -> Any:
    """``value`` (from the file, the environment or the command line, often a string) as the
    setting's type and within its limits or choices.

    Raises ConfigError "research.rounds must be a whole number from 1 to 20 (got 'abc')",
    without saying where the value came from: callers add that.
    """
    kind = _kind(dotted)
    problem = ConfigError(f"{dotted} must be {requirement(dotted)} (got {_shown(value)})")
    result: Any = None
    if kind is list:
        if isinstance(value, str):
            value = [part for part in value.split(os.pathsep) if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise problem
        return [v.strip() for v in value]
    if isinstance(value, kind) and not (kind is not bool and isinstance(value, bool)):
        result = value
    elif kind is float and isinstance(value, int) and not isinstance(value, bool):
        result = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if kind is bool and text.lower() in _TRUE | _FALSE:
                result = text.lower() in _TRUE
            elif kind is int:
                result = int(text)
            elif kind is float:
                result = float(text)
        except ValueError:
            raise problem from None
    if result is None:
        raise problem
    if dotted in CHOICES and result not in CHOICES[dotted]:
        raise problem
    if dotted in LIMITS:
        low, high = LIMITS[dotted]
        if not math.isfinite(result) or result < low or (high is not None and result > high):
            shown = _shown(result if isinstance(value, str) else value)
            raise ConfigError(f"{dotted} must be {requirement(dotted)} (got {shown})")
    if dotted == "neo4j.uri" and result and (uri_problem := neo4j_uri_problem(result)):
        raise ConfigError(f"neo4j.uri: {uri_problem}")
    if dotted in FILTER_KEYS:
        result = _check_filter(dotted, result)
    if dotted == "cost.prices" and result.strip():
        from core.cost.prices import PriceError, parse_prices

        try:
            parse_prices(result)
        except PriceError as exc:
            raise ConfigError(
                f"cost.prices must be MODEL=INPUT/OUTPUT (USD per million tokens), "
                f"comma-separated: {exc}"
            ) from None
    if dotted == "providers.search":
        names = [name.strip() for name in result.split(",") if name.strip()]
        unknown = [name for name in names if name not in SEARCH_PROVIDERS]
        if not names or unknown or len(set(names)) != len(names):
            raise problem
        result = ",".join(names)
    return result


def _check_filter(dotted: str, text: str) -> str:
    """A filter setting in its normal form ("https://www.Example.com/" → "example.com"),
    checked by the same parser as the Home form and ``run``'s flags."""
    from core.search.filters import FilterError, parse_domains, parse_recency

    try:
        if dotted == "filters.recency":
            return parse_recency(text)
        return ", ".join(parse_domains(text))
    except FilterError as exc:
        raise ConfigError(f"{dotted}: {exc}") from None


def _coerce(section: str, key: str, value: Any, *, source: str) -> Any:
    """``check_value``, its message starting with where the value came from (if given)."""
    try:
        return check_value(f"{section}.{key}", value)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}" if source else str(exc)) from None


def read_file(path: Path) -> dict[str, dict[str, Any]]:
    """The file's tables, or {} when it does not exist. Never writes."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Config file {path} is not UTF-8 text ({exc.reason}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"Config file {path} is not valid TOML: {exc}. "
            "Fix or remove it; it has not been changed."
        ) from exc
    tables: dict[str, dict[str, Any]] = {}
    text = raw.decode("utf-8")
    for section, values in data.items():
        if section not in SECTIONS or not isinstance(values, dict):
            where = _where(path, text, section)
            raise ConfigError(
                f"Config file {where}: unknown table [{section}] (known: {', '.join(SECTIONS)})"
            )
        tables[section] = {
            key: _coerce(section, key, value, source=_where(path, text, section, key))
            for key, value in values.items()
        }
    return tables


def _line_of(text: str, section: str, key: str | None = None) -> int | None:
    """The line (1-based) where ``[section]`` (or its ``key``) is set, found by reading the
    text the way people write TOML: a ``[section]`` header then ``key = ...`` lines, or a
    dotted ``section.key = ...``. None when it is written some other way."""
    import re

    header = re.compile(rf"^\s*\[\s*{re.escape(section)}\s*\]\s*(#.*)?$")
    any_header = re.compile(r"^\s*\[")
    dotted = re.compile(rf"^\s*{re.escape(section)}\s*\.\s*{re.escape(key or '')}\s*=")
    assignment = re.compile(rf"^\s*[\"']?{re.escape(key or '')}[\"']?\s*=")
    inside = False
    header_line = None
    for number, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            inside, header_line = True, header_line or number
            if key is None:
                return number
            continue
        if any_header.match(line):
            inside = False
            continue
        if key is not None and (dotted.match(line) or (inside and assignment.match(line))):
            return number
    return header_line


def _where(path: Path, text: str, section: str, key: str | None = None) -> str:
    line = _line_of(text, section, key)
    return f"{path}, line {line}" if line else str(path)


def load(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the file (if any), then apply environment overrides."""
    env = os.environ if env is None else env
    path = path or config_path()
    tables = read_file(path)
    config = Config(path=path, file_values=tables)
    for section, values in tables.items():
        target = getattr(config, section)
        for key, value in values.items():
            setattr(target, key, value)
    for dotted, names in ENV_OVERRIDES.items():
        for name in names:
            if value := env.get(name, "").strip():
                section, key = dotted.split(".")
                setattr(getattr(config, section), key, _coerce(section, key, value, source=name))
                config.env_keys.add(dotted)
                break
    return config


def set_value(config: Config, dotted: str, value: str) -> Any:
    """Set ``section.key`` in the file (validated) and save. Returns the stored value.

    Only this one key is changed in the file as it is *now* (re-read under the lock), so a
    parallel ``config set`` of another key is not undone by this one.
    """
    section, _, key = dotted.partition(".")
    if section not in SECTIONS or not key:
        raise ConfigError(
            f"Unknown setting {dotted!r}: use section.key, e.g. gemini.api_key "
            f"(sections: {', '.join(SECTIONS)})"
        )
    stored = _coerce(section, key, value, source="")

    def change(doc: Any) -> None:
        _set_in(doc, section, key, stored)

    _rewrite(config.path, change)
    config.file_values.setdefault(section, {})[key] = stored
    setattr(getattr(config, section), key, stored)
    return stored


def save(config: Config) -> Path:
    """Write the file values (not env overrides): the document on disk is edited to match,
    keeping its comments and the order the user chose."""

    def sync(doc: Any) -> None:
        for section in SECTIONS:
            wanted = config.file_values.get(section, {})
            table = doc.get(section)
            if table is not None and hasattr(table, "keys"):
                for key in [k for k in table if k not in wanted]:
                    del table[key]
            for key, value in wanted.items():
                _set_in(doc, section, key, value)

    _rewrite(config.path, sync)
    return config.path


def _set_in(doc: Any, section: str, key: str, value: Any) -> None:
    """``doc[section][key] = value``, leaving an equal value (and its formatting) alone."""
    import tomlkit

    table = doc.get(section)
    if table is None or not hasattr(table, "keys"):
        table = tomlkit.table()
        doc[section] = table
    current = table.get(key)
    if current is not None and _plain(current) == value and type(_plain(current)) is type(value):
        return
    table[key] = value


def _plain(item: Any) -> Any:
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if callable(unwrap) else item


def _rewrite(path: Path, change: Any) -> None:
    """Read-modify-write ``path`` under a lock, written with ``core.atomic.write_atomic``."""
    import tomlkit

    from core.atomic import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    with _file_lock(path):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        try:
            doc = tomlkit.parse(text)
        except Exception as exc:  # tomlkit's parse errors have no common base we can name
            raise ConfigError(
                f"Config file {path} is not valid TOML ({exc}); fix or remove it, it has "
                "not been changed."
            ) from exc
        change(doc)
        write_atomic(path, tomlkit.dumps(doc), mode=0o600)


class _file_lock:
    """An advisory ``flock`` on ``<config>.lock`` (a no-op where ``fcntl`` is missing)."""

    def __init__(self, path: Path) -> None:
        self._path = path.with_name(path.name + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> _file_lock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None


def effective_values(config: Config, *, reveal: bool = False) -> dict[str, dict[str, Any]]:
    """Every setting as it is in force, secrets redacted unless ``reveal``."""
    out: dict[str, dict[str, Any]] = {}
    for section in SECTIONS:
        values = dataclasses.asdict(getattr(config, section))
        for key, value in values.items():
            dotted = f"{section}.{key}"
            if reveal:
                continue
            if dotted in SECRET_KEYS:
                values[key] = redact(str(value))
            elif dotted in URL_KEYS and value:
                values[key] = redact_url(str(value))
        out[section] = values
    return out
