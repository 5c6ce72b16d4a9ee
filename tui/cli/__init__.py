"""The ``deepresearch-tui`` entry point.

With a command (``run``, ``sessions``, ``config``, ``graph``, ``import``) it runs headless via
``tui.cli.parser``; otherwise it opens the full-screen app: ``deepresearch-tui`` (Home),
``deepresearch-tui "TOPIC"`` (start straight away) or ``deepresearch-tui --open ID``.
Textual is imported only on that last path, so headless commands start fast.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core import __version__

if TYPE_CHECKING:
    from core.config import Config
    from tui.app import DeepResearchApp

APP_USAGE = (
    "deepresearch-tui [-h] [--version] [--llm ...] [--search CHAIN] [--docs PATH] [--private]"
    " [--max-cost USD] [--max-tokens N]"
    ' ["TOPIC" | --open ID]\n       deepresearch-tui COMMAND ...'
)
TOPIC_HELP = "open the app and start researching TOPIC right away"
OPEN_HELP = "open the app on a saved research: its id, or the start of it if only one matches"


def _app_parser() -> argparse.ArgumentParser:
    """Parses the app's own arguments (no COMMAND). ``-h`` is handled by ``main`` so that
    every help request shows the commands and these options together."""
    parser = argparse.ArgumentParser(prog="deepresearch-tui", usage=APP_USAGE, add_help=False)
    parser.add_argument("topic", nargs="?", metavar="TOPIC", help=TOPIC_HELP)
    parser.add_argument("--open", metavar="ID", dest="open_session", help=OPEN_HELP)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    from tui.cli.parser import add_provider_flags

    add_provider_flags(parser)
    from tui.cli.cost_flags import add_budget_flags

    add_budget_flags(parser)
    return parser


def _help_parser() -> argparse.ArgumentParser:
    """The headless commands' parser with the app's options added as a documented group.

    Only for printing help: parsing goes through ``_app_parser`` or one command's parser,
    because argparse cannot mix an optional positional TOPIC with sub-commands.
    """
    from tui.cli.parser import build_parser

    parser = build_parser()
    parser.usage = APP_USAGE
    group = parser.add_argument_group("open the app (without a COMMAND)")
    group.add_argument("topic", nargs="?", metavar='"TOPIC"', help=TOPIC_HELP)
    group.add_argument("--open", metavar="ID", help=OPEN_HELP)
    from tui.cli.parser import add_provider_flags

    add_provider_flags(group)
    from tui.cli.cost_flags import add_budget_flags

    add_budget_flags(group)
    return parser


SUBCOMMANDS = {
    "list": "sessions list",
    "show": "sessions show",
    "export": "sessions export",
    "delete": "sessions delete",
    "resume": "run --resume",
    "stats": "graph stats",
    "query": "graph query",
    "ask": "graph ask",
    "rebuild": "graph rebuild",
    "set": "config set",
    "path": "config path",
}
"""Words of the second level, which a user may well type first."""

NOT_COMMANDS = ("help", "version", "status", "init", "setup", "login", "update")
"""Commands other tools have: typed here, they are a guess at a command, not a topic."""


def command_typo(topic: str) -> str | None:
    """The sentence refusing a one-word topic that is (close to) a command, else None.

    ``deepresearch-tui doctor`` or ``deepresearch-tui sesions`` used to start a research on
    that word, spending quota. A topic of several words is always a topic; a one-word one is
    still possible with ``run "WORD"`` or from the app's form.
    """
    from tui.cli.parser import COMMAND_NAMES

    word = topic.strip()
    if not word or any(ch.isspace() for ch in word):
        return None
    lowered = word.lower()
    names = sorted(COMMAND_NAMES)
    known = [*names, *SUBCOMMANDS]
    close = difflib.get_close_matches(lowered, known, n=1, cutoff=0.75)
    if not close and lowered not in NOT_COMMANDS:
        return None
    commands = ", ".join(names)
    if close:
        guess = SUBCOMMANDS.get(close[0], close[0])
        opening = f"{word!r} is not a command; did you mean `deepresearch-tui {guess}`?"
    else:
        opening = f"{word!r} is not a command (the commands are {commands}; every one has --help)."
    return (
        f"{opening} To research the word itself: deepresearch-tui run {word!r}, or type it in "
        "the app's topic field."
    )


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    from tui.cli.parser import COMMAND_NAMES, build_parser

    if args_list and args_list[0] in COMMAND_NAMES:
        args = build_parser(only=args_list[0]).parse_args(args_list)
        return run_command(args)
    if "-h" in args_list or "--help" in args_list:
        _help_parser().print_help()
        return 0
    parser = _app_parser()
    args = parser.parse_args(args_list)
    if args.topic and args.open_session:
        parser.error("give a TOPIC to research or --open ID, not both")
    if args.topic and (typo := command_typo(args.topic)):
        from tui.cli.common import fail

        fail(typo)
        return 2
    return launch(topic=args.topic, open_session=args.open_session, flags=args)


def run_command(args: argparse.Namespace) -> int:
    """Run a headless command; failures become one clear line, never a traceback.

    Known trouble (a corrupt session file, a busy session, a folder that is not a folder)
    exits 2 naming the file; anything unexpected exits 1 with its type and message.
    ``DEEPRESEARCH_TUI_DEBUG=1`` shows the traceback instead.
    """
    import os

    from core.errors import ConfigError
    from core.mindmap.ladybug_store import GraphWriteFailed
    from core.sessions import DISK_FULL_ERRNOS, CorruptSession, SessionBusy
    from tui.cli.common import fail

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
            # A full disk is not a usage mistake: the command failed (1), the usage code is 2.
            return 1 if exc.errno in DISK_FULL_ERRNOS else 2
        if isinstance(exc, GraphWriteFailed):
            fail(str(exc))
            return 1
        fail(f"unexpected {type(exc).__name__}: {exc} (DEEPRESEARCH_TUI_DEBUG=1 shows details)")
        return 1


def launch(
    *,
    topic: str | None = None,
    open_session: str | None = None,
    flags: argparse.Namespace | None = None,
) -> int:
    """Open the app. A session to open is looked up first: an unknown or ambiguous id is
    one line on stderr and exit 2, not an empty research screen titled with the typo.
    ``--private`` that cannot be honoured refuses here, before the app opens."""
    from tui.cli.common import fail, load_config_or_exit, with_provider_flags

    config = load_config_or_exit()
    if config is None:
        return 2
    config = with_provider_flags(config, flags)
    if config is None:
        return 2
    if flags is not None:  # --max-cost / --max-tokens: this session's budget, not saved
        from tui.cli.cost_flags import apply_cost_flags

        apply_cost_flags(config, flags)
    if open_session is not None:
        from core.sessions import SessionNotFound, SessionStore

        try:
            open_session = SessionStore(config.sessions_dir).open(open_session).id
        except SessionNotFound as exc:
            fail(str(exc))
            return 2
    app = build_app(config, topic=topic, open_session=open_session)
    app.run()
    return int(app.return_code or 0)


def build_app(
    config: Config, *, topic: str | None = None, open_session: str | None = None
) -> DeepResearchApp:
    """The app, as ``deepresearch-tui`` starts it (``python -m bench`` starts it so too).

    The automatic garbage collections are held from here, before Textual is imported, to
    the app's first frame (``tui.heap``): importing it ran ~90 young collections, 10-15 ms
    of a ~250 ms start-up (issue 15; medians of 20 fresh processes importing the app:
    265 ms with them, 245 ms held). The app resumes them just after its first frame, or
    when it ends.
    """
    from tui.heap import hold_collections

    hold_collections()
    from tui.app import DeepResearchApp

    return DeepResearchApp(config, start_topic=topic, open_session=open_session)


if __name__ == "__main__":
    raise SystemExit(main())
