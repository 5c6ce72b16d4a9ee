"""``deepresearch-tui import FILE``: a saved session from the original tool's research log.

The log is parsed into the same events a live run emits (``core.researchlog.parse_seed_log``),
so an imported research opens, lists and exports like any other. Prints the new session id.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from core.cli import EXIT_OK, EXIT_USAGE
from core.cli.common import fail, load_config_or_exit


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import a research_log.md written by the original tool (or by this one)",
        description=(
            "Create a saved research from a 'Research Process' markdown log: its plans, "
            "searches, sources and final report. Prints the new session id."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="the research log (markdown)")
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    path = Path(args.file).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"No such file: {path}")
        return EXIT_USAGE
    except UnicodeDecodeError as exc:
        fail(f"{path} is not UTF-8 text ({exc.reason}); nothing was imported.")
        return EXIT_USAGE
    except OSError as exc:
        fail(f"Cannot read {path}: {exc.strerror or exc}")
        return EXIT_USAGE

    from core.researchlog import parse_seed_log

    try:
        events = parse_seed_log(text)
    except ValueError as exc:
        fail(f"{path}: {exc}; nothing was imported.")
        return EXIT_USAGE

    config = load_config_or_exit()
    if config is None:
        return EXIT_USAGE
    session_id = import_events(config.sessions_dir, events)
    print(session_id)
    return EXIT_OK


def import_events(sessions_dir: Path, events: list) -> str:
    """Record parsed events as a new session (report.md written first); returns its id.

    Written in a hidden staging folder and renamed into place at the end, so an import
    that is killed or fails midway leaves no half-written research in the listing.
    """
    from core.events import ReportChunk, ReportReady, SessionStarted
    from core.sessions import SessionRecorder, SessionStore, write_atomic

    topic = next((e.topic for e in events if isinstance(e, SessionStarted)), "")
    store = SessionStore(sessions_dir)
    with store.staged(topic) as (handle, final):
        recorder = SessionRecorder(handle)
        report_parts: list[str] = []
        for event in events:
            if isinstance(event, ReportChunk):
                report_parts.append(event.text)
            if isinstance(event, ReportReady):
                write_atomic(handle.report_path, "".join(report_parts))
                event = dataclasses.replace(event, path=str(final / handle.report_path.name))
            recorder(event.stamped(handle.id, event.seq))
    return handle.id
