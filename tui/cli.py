"""The ``deepresearch-tui`` entry point.

With a command (``run``, ``sessions``, ``config``, ``graph``, ``import``) it runs headless via
``core.cli``; otherwise it opens the full-screen app: ``deepresearch-tui`` (Home),
``deepresearch-tui "TOPIC"`` (start straight away) or ``deepresearch-tui --open ID``.
Textual is imported only on that last path, so headless commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from core import __version__


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deepresearch-tui",
        description="Open the full-screen research app. Headless commands: run, sessions, "
        "config, graph, import (see `deepresearch-tui COMMAND --help`).",
    )
    parser.add_argument("topic", nargs="?", help="start a research on this topic right away")
    parser.add_argument("--open", metavar="ID", dest="open_session", help="open a saved research")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    from core.cli import COMMAND_NAMES, build_parser

    if args_list and args_list[0] in COMMAND_NAMES:
        args = build_parser(only=args_list[0]).parse_args(args_list)
        return run_command(args)
    if args_list and args_list[0] in {"-h", "--help"}:
        build_parser().print_help()
        print('\nWithout a COMMAND: deepresearch-tui ["TOPIC"] [--open ID] opens the app.')
        return 0
    args = _app_parser().parse_args(args_list)
    return launch(topic=args.topic, open_session=args.open_session)


def run_command(args: argparse.Namespace) -> int:
    """Run a headless command; failures become one clear line, never a traceback.

    Known trouble (a corrupt session file, a busy session, a folder that is not a folder)
    exits 2 naming the file; anything unexpected exits 1 with its type and message.
    ``DEEPRESEARCH_TUI_DEBUG=1`` shows the traceback instead.
    """
    import os

    from core.cli.common import fail
    from core.errors import ConfigError
    from core.sessions import CorruptSession, SessionBusy

    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("DEEPRESEARCH_TUI_DEBUG"):
            raise
        if isinstance(exc, CorruptSession | SessionBusy | ConfigError):
            fail(str(exc))
            return 2
        if isinstance(exc, OSError):
            where = f" ({exc.filename})" if exc.filename else ""
            fail(f"{exc.strerror or exc}{where}")
            return 2
        fail(f"unexpected {type(exc).__name__}: {exc} (DEEPRESEARCH_TUI_DEBUG=1 shows details)")
        return 1


def launch(*, topic: str | None = None, open_session: str | None = None) -> int:
    from core.cli.common import load_config_or_exit

    config = load_config_or_exit()
    if config is None:
        return 2
    from tui.app import DeepResearchApp

    app = DeepResearchApp(config, start_topic=topic, open_session=open_session)
    app.run()
    return int(app.return_code or 0)


if __name__ == "__main__":
    raise SystemExit(main())
