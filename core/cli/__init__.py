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


def build_parser() -> argparse.ArgumentParser:
    from core.cli import config_cmd, graph_cmd, import_cmd, run_cmd, sessions_cmd

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
    for module in (run_cmd, sessions_cmd, config_cmd, graph_cmd, import_cmd):
        module.register(subparsers)
    return parser


def command_names() -> set[str]:
    parser = build_parser()
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()
