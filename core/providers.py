"""Choosing providers from the config: the LLM, the search chain, and the private-mode check.

One place decides which classes a configuration means, so the engine, ``run``, the app and
``doctor`` cannot disagree. Provider modules are imported only for the providers chosen
(each SDK costs start-up time). ``private_mode_problems`` is a pure function — no DNS, no
network — so it can refuse a research before anything is sent anywhere.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.config import Config, check_value
from core.llm.base import LLMProvider
from core.search.base import SearchProvider
from core.search.chain import OnWarning

PRIVATE_SUFFIXES: tuple[str, ...] = (".localhost", ".local", ".lan", ".internal", ".home.arpa")
"""Host names that by convention never leave the local network (RFC 6761, 6762, 8375)."""

GEMINI_HOST = "generativelanguage.googleapis.com"
TAVILY_HOST = "api.tavily.com"


@dataclass(frozen=True)
class LLMLimits:
    """How the engine paces and names the chosen LLM: its client-side requests per minute,
    its retries, and the words its errors and countdowns use (so a local model's failure
    never says "Gemini")."""

    rpm: int
    max_retries: int
    provider: str = "gemini"
    label: str = "Gemini"
    """Who answered, for messages: "Gemini" or "the model server at localhost:11434"."""
    model: str = ""
    rpm_setting: str = "gemini.rpm"
    """The config key of ``rpm``, named in the client-side limit's countdown."""


def build_llm(config: Config) -> LLMProvider:
    """The configured LLM provider (``providers.llm``)."""
    if config.providers.llm == "openai":
        from core.llm.openai_compat import OpenAICompatProvider

        oa = config.openai
        return OpenAICompatProvider(
            base_url=oa.base_url,
            model=oa.model,
            api_key=oa.api_key,
            timeout_s=oa.timeout_s,
            first_token_timeout_s=oa.first_token_timeout_s,
        )
    from core.llm.gemini import GeminiProvider

    gemini = config.gemini
    return GeminiProvider(gemini.api_key, gemini.model, base_url=gemini.base_url)


def llm_limits(config: Config) -> LLMLimits:
    """Client-side pacing and retries for the chosen LLM (``gemini.rpm`` or ``openai.rpm``)."""
    if config.providers.llm == "openai":
        from core.llm.openai_compat import server_label

        oa = config.openai
        where = f"the model server at {server_label(oa.base_url)}" if oa.base_url else ""
        return LLMLimits(
            oa.rpm,
            oa.max_retries,
            provider="openai",
            label=where or "the model server",
            model=oa.model,
            rpm_setting="openai.rpm",
        )
    gemini = config.gemini
    return LLMLimits(gemini.rpm, gemini.max_retries, model=gemini.model)


def search_label(config: Config) -> str:
    """The search chain as the session records it ("tavily", "searxng,local")."""
    return ",".join(config.providers.search_chain or ["tavily"])


def build_search_provider(config: Config, name: str) -> SearchProvider:
    """One search provider by its chain name."""
    if name == "tavily":
        from core.search.tavily import TavilySearch

        tavily = config.tavily
        return TavilySearch(
            tavily.api_key,
            base_url=tavily.base_url,
            search_depth=tavily.search_depth,
            include_raw_content=tavily.include_raw_content,
            raw_content_chars=tavily.raw_content_chars,
            timeout_s=tavily.timeout_s,
        )
    if name == "ddgs":
        from core.search.ddgs import DdgsSearch

        return DdgsSearch(
            backend=config.ddgs.backend, region=config.ddgs.region, timeout_s=config.ddgs.timeout_s
        )
    if name == "searxng":
        from core.search.searxng import SearxngSearch

        return SearxngSearch(config.searxng.base_url, timeout_s=config.searxng.timeout_s)
    if name == "local":
        from core.search.local_docs import LocalDocsSearch

        return LocalDocsSearch(config.local.folders)
    raise ValueError(f"unknown search provider {name!r}")


def search_concurrency(config: Config, name: str) -> int | None:
    """Searches provider ``name`` may have under way at once (``<provider>.concurrency``);
    None for a name that is not one of ours (a test's provider: the caller's bound holds)."""
    sections = {
        "tavily": config.tavily,
        "ddgs": config.ddgs,
        "searxng": config.searxng,
        "local": config.local,
    }
    section = sections.get(name)
    return None if section is None else max(1, section.concurrency)


def build_search(config: Config, *, on_warning: OnWarning | None = None) -> SearchProvider:
    """The configured search: one provider, or a ``SearchChain`` in ``providers.search``
    order. ``on_warning`` receives the chain's fallback warnings (the engine's Warning
    events)."""
    names = config.providers.search_chain or ["tavily"]
    providers = [build_search_provider(config, name) for name in names]
    if len(providers) == 1:
        return providers[0]
    from core.search.chain import SearchChain

    limits = {name: limit for name in names if (limit := search_concurrency(config, name))}
    return SearchChain(providers, on_warning=on_warning, limits=limits)


def with_overrides(
    config: Config,
    *,
    llm: str | None = None,
    search: str | None = None,
    docs: Iterable[str] = (),
    private: bool | None = None,
) -> Config:
    """A copy of ``config`` with the ``--llm``, ``--search``, ``--docs`` and ``--private``
    flags applied (validated like the config file). Nothing is saved."""
    out = copy.deepcopy(config)
    if llm is not None:
        out.providers.llm = check_value("providers.llm", llm)
    if search is not None:
        out.providers.search = check_value("providers.search", search)
    folders = [str(d) for d in docs]
    if folders:
        out.local.folders = folders
        if search is None and "local" not in out.providers.search_chain:
            # --docs alone means "search these too": put them first.
            out.providers.search = ",".join(["local", *out.providers.search_chain])
    if private is not None:
        out.providers.private = private
    return out


# --------------------------------------------------------------------------- private mode


def host_is_private(host: str) -> bool:
    """True for loopback, private (RFC 1918, ULA), link-local and local-only host names.

    Any other name is not trusted: without a DNS lookup (which would itself leak) we cannot
    know where it points, so the user is asked for an address instead.
    """
    name = host.strip("[]").rstrip(".").lower()
    if not name:
        return False
    if name == "localhost" or name.endswith(PRIVATE_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_private or address.is_link_local


def _host(url: str) -> str:
    try:
        return urlsplit(url if "://" in url else f"//{url}").hostname or ""
    except ValueError:
        return ""


def private_mode_problems(config: Config) -> list[str]:
    """What would leave the machine if this configuration ran: one sentence per problem.

    Empty means the research may run in private mode: local documents only, an LLM on
    loopback or a private network, and the mind map local (embedded, or Neo4j on a private
    host). Pure: it reads the config only.
    """
    problems: list[str] = []
    if config.providers.llm == "openai":
        host = _host(config.openai.base_url)
        if not host:
            problems.append("The LLM has no base URL (set OPENAI_BASE_URL to a local server).")
        elif not host_is_private(host):
            problems.append(
                f"Prompts would go to the LLM at {host}, which is not on loopback or a "
                "private network (use its IP address if it is on your network)."
            )
    else:
        host = _host(config.gemini.base_url) or GEMINI_HOST
        problems.append(
            f"Prompts would go to Gemini at {host}: choose --llm openai with a local server."
        )
    for name in config.providers.search_chain:
        if name == "local":
            continue
        where = {
            "tavily": _host(config.tavily.base_url) or TAVILY_HOST,
            "ddgs": "public search engines (DuckDuckGo, Bing, …)",
            "searxng": "it forwards them to public search engines",
        }.get(name, name)
        problems.append(f"Search queries would go to {name} ({where}): use --search local.")
    if "local" not in config.providers.search_chain:
        problems.append("Private mode searches only local documents: add --docs PATH.")
    if config.graph.backend == "neo4j":
        host = _host(config.neo4j.uri)
        if not host_is_private(host):
            problems.append(
                f"The mind map would be written to Neo4j at {host or 'an unset host'}, "
                "which is not local: use the embedded graph (graph.backend = ladybug)."
            )
    return problems
