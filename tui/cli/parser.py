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
