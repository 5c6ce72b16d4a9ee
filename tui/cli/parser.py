"""The headless command line: ``run``, ``sessions``, ``config``, ``graph``, ``import``.

Each command lives in its own module with ``register(subparsers)``; handlers return the exit
code (0 done, 2 usage or configuration error, 3 paused on quota, 130 interrupted). Launching
the TUI is ``tui.cli``'s job, so this package never imports Textual.
"""

from __future__ import annotations

import argparse

from core import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_PAUSED = 3
EXIT_INTERRUPTED = 130


COMMAND_MODULES = {
    "run": "tui.cli.run_cmd",
    "sessions": "tui.cli.sessions_cmd",
    "config": "tui.cli.config_cmd",
    "graph": "tui.cli.graph_cmd",
    "import": "tui.cli.import_cmd",
    "doctor": "tui.cli.doctor_cmd",
    "ask": "tui.cli.ask_cmd",
}
COMMAND_NAMES = frozenset(COMMAND_MODULES)
"""Known without building the parser, so ``--version`` and the app launch import nothing
of the commands (a test checks it matches the parser)."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or with ``only`` just that command's (a quicker start: running
    ``config path`` need not import the research engine's progress display)."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="deepresearch-tui",
        description=(
            "Deep research in the terminal: rounds of plan → search → reflect with Gemini and "
            "Tavily, a Cypher mind map, and a cited report. Without a command it opens the "
            'full-screen app; `deepresearch-tui "TOPIC"` starts a research in it straight away.'
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMAND_MODULES.items():
        if only is None or only == name:
            importlib.import_module(module).register(subparsers)
    return parser


def parser_command_names(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def add_provider_flags(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--llm``, ``--search``, ``--docs`` and ``--private``: the same on ``run``, ``doctor``
    and the app, applied with ``core.providers.with_overrides`` (never saved)."""
    from core.config import LLM_PROVIDERS, SEARCH_PROVIDERS

    parser.add_argument(
        "--llm",
        choices=LLM_PROVIDERS,
        help="the LLM: gemini, or openai for any OpenAI-compatible server (Ollama, LM Studio, "
        "llama.cpp, vLLM) at OPENAI_BASE_URL / openai.base_url",
    )
    parser.add_argument(
        "--search",
        metavar="CHAIN",
        help="search providers tried in order, comma-separated, from "
        + ",".join(SEARCH_PROVIDERS)
        + " (e.g. searxng,local)",
    )
    parser.add_argument(
        "--docs",
        action="append",
        default=[],
        metavar="PATH",
        help="a folder of .md, .txt, .html and .pdf files to search (repeatable; adds "
        "local to the chain)",
    )
    parser.add_argument(
        "--private",
        action="store_true",
        default=None,
        help="refuse to start unless nothing leaves the machine: local documents only and "
        "an LLM on loopback or a private network",
    )
