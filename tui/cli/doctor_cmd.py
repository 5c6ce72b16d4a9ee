"""``deepresearch-tui doctor``: can the configured research run? One real, minimal call each.

It checks the LLM (an OpenAI-compatible server lists its models, so a missing model is named
before a research fails on it; Gemini answers one tiny prompt), every search provider in the
chain (one search for one result; local documents are indexed), the graph backend, and in
private mode what would leave the machine. Each failure comes with its fix. It takes the same
``--llm``, ``--search``, ``--docs`` and ``--private`` flags as ``run``, and exits 1 when the
research could not run (no LLM, no search provider, a private-mode refusal).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict, dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape

from core.config import Config
from core.errors import ConfigError, ProviderError
from tui.cli.common import fail, load_config_or_exit
from tui.cli.parser import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_provider_flags

CHECK_TIMEOUT_S = 60.0
PROBE_QUERY = "deepresearch-tui connectivity check"


@dataclass
class Check:
    area: str
    """"llm", "search", "graph" or "private"."""
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True
    """A failure here means the research cannot run (exit 1)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check each configured provider with one real call, with fixes"
    )
    add_provider_flags(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=doctor)


def doctor(args: argparse.Namespace) -> int:
    from core.providers import with_overrides

    config = load_config_or_exit()
    if config is None:
        return EXIT_USAGE
    try:
        config = with_overrides(
            config, llm=args.llm, search=args.search, docs=args.docs, private=args.private
        )
    except ConfigError as exc:
        fail(str(exc))
        return EXIT_USAGE
    checks = asyncio.run(run_checks(config))
    runnable = all(c.ok for c in checks if c.required) and any(
        c.ok for c in checks if c.area == "search"
    )
    if args.json:
        print(json.dumps({"ok": runnable, "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        _print(checks, runnable)
    return EXIT_OK if runnable else EXIT_FAILED


async def run_checks(config: Config) -> list[Check]:
    checks: list[Check] = []
    if config.providers.private:
        from core.providers import private_mode_problems

        problems = private_mode_problems(config)
        checks.append(
            Check(
                "private",
                "private mode",
                not problems,
                "nothing leaves the machine" if not problems else " ".join(problems),
                "" if not problems else "change the providers named above or drop --private",
            )
        )
    checks.append(await _check_llm(config))
    chain = config.providers.search_chain or ["tavily"]
    for name in chain:
        checks.append(await _check_search(config, name, required=len(chain) == 1))
    checks.append(_check_graph(config))
    return checks


async def _bounded(coro: Any) -> Any:
    return await asyncio.wait_for(coro, timeout=CHECK_TIMEOUT_S)


def _missing_for(config: Config, words: tuple[str, ...]) -> str:
    return " ".join(m for m in config.missing_keys() if any(w in m for w in words))


async def _check_llm(config: Config) -> Check:
    from core.providers import build_llm

    kind = config.providers.llm
    words = ("OpenAI", "OPENAI") if kind == "openai" else ("Gemini",)
    if missing := _missing_for(config, words):
        return Check("llm", kind, False, "not configured", missing)
    try:
        llm = build_llm(config)
    except ProviderError as exc:
        return Check("llm", kind, False, exc.message)
    try:
        if kind == "openai":
            models = await _bounded(llm.list_models())  # type: ignore[attr-defined]
            where = f"{config.openai.model} at {_where(config.openai.base_url)}"
            if models and config.openai.model not in models:
                shown = ", ".join(models[:8]) + (" …" if len(models) > 8 else "")
                hint = (
                    f"`ollama pull {config.openai.model}`"
                    if ":11434" in config.openai.base_url
                    else "set OPENAI_MODEL to one of the listed models"
                )
                return Check(
                    "llm", kind, False, f"the server has no model {where} (it has: {shown})", hint
                )
            return Check("llm", kind, True, f"{where}: the server answers ({len(models)} models)")
        resp = await _bounded(llm.stream_text("Reply with the single word OK."))
        return Check("llm", kind, True, f"{config.gemini.model} answered ({resp.ms} ms)")
    except TimeoutError:
        return Check("llm", kind, False, f"no answer within {CHECK_TIMEOUT_S:g}s")
    except ProviderError as exc:
        return Check("llm", kind, False, exc.message)
    finally:
        await llm.aclose()


async def _check_search(config: Config, name: str, *, required: bool) -> Check:
    from core.providers import build_search_provider

    words = {"tavily": ("Tavily",), "searxng": ("SearXNG",), "local": ("document folders",)}
    if (w := words.get(name)) and (missing := _missing_for(config, w)):
        return Check("search", name, False, "not configured", missing, required=required)
    try:
        provider = build_search_provider(config, name)
    except ProviderError as exc:
        return Check("search", name, False, exc.message, required=required)
    try:
        if name == "local":
            stats = await _bounded(provider.refresh())  # type: ignore[attr-defined]
            detail = f"{stats.files} documents indexed ({stats.seconds:.1f}s)"
            if stats.skipped:
                detail += f"; {len(stats.skipped)} unreadable, e.g. {stats.skipped[0][0]}"
            if stats.missing_folders:
                detail += "; missing folders: " + ", ".join(stats.missing_folders)
            ok = stats.files > 0
            fix = "" if ok else "put .md, .txt, .html or .pdf files in the folders"
            return Check("search", name, ok, detail, fix, required=required)
        hits = await _bounded(provider.search(PROBE_QUERY, max_results=1))
        if not hits:
            return Check(
                "search",
                name,
                False,
                "answered, but with no results (often a silent rate limit)",
                "wait a while, or put another provider after it in the chain",
                required=required,
            )
        return Check("search", name, True, "answered a test search", required=required)
    except TimeoutError:
        return Check(
            "search", name, False, f"no answer within {CHECK_TIMEOUT_S:g}s", required=required
        )
    except ProviderError as exc:
        return Check("search", name, False, exc.message, required=required)
    finally:
        await provider.aclose()


def _check_graph(config: Config) -> Check:
    from core.mindmap.factory import DB_FILE, open_store

    backend = config.graph.backend
    if backend != "neo4j" and not (config.graph_path / DB_FILE).exists():
        # Opening would create it: a check must not leave files behind.
        return Check(
            "graph", backend, True, f"none yet; the first research creates {config.graph_path}"
        )
    try:
        store, warnings = open_store(config, read_only=True)
    except Exception as exc:  # any failure to open is the finding itself
        return Check("graph", backend, False, f"{type(exc).__name__}: {exc}"[:300])
    try:
        stats = store.stats()
        detail = f"{sum(stats.nodes.values())} nodes at {stats.location}"
    except Exception as exc:
        detail = f"opened, but stats failed ({type(exc).__name__})"
    finally:
        store.close()
    if warnings:
        return Check("graph", backend, True, f"{detail}; " + " ".join(warnings), required=False)
    return Check("graph", backend, True, detail)


def _where(url: str) -> str:
    from core.llm.openai_compat import server_label

    return server_label(url)


def _print(checks: list[Check], runnable: bool) -> None:
    console = Console(highlight=False, soft_wrap=True)
    for c in checks:
        mark = "[green]✓[/]" if c.ok else ("[red]✗[/]" if c.required else "[yellow]![/]")
        console.print(f"{mark} [bold]{c.area}[/] {escape(c.name)}: {escape(c.detail)}")
        if c.fix and not c.ok:
            console.print(f"    fix: {escape(c.fix)}")
    verdict = "[green]ready to research[/]" if runnable else "[red]the research cannot run[/]"
    console.print(verdict)
