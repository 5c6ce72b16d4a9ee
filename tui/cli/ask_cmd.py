"""``deepresearch-tui ask ID "QUESTION"``: a follow-up question on a saved research.

The answer streams to stdout as it arrives; then the checked citations: each cited source
with the quote the model gave and its verdict (``core.trust``). Saved in the session, so
the app replays it and ``sessions export`` includes it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from core import ingest
from tui.cli.common import fail, load_config_or_exit
from tui.cli.parser import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="ask a follow-up question about a saved research",
        description="One model call over the research's summary, evidence and sources; the "
        "answer streams to stdout, cites the research's sources as [n], and each cited "
        "claim's quote is checked against its source. Saved in the session.",
    )
    parser.add_argument("session_id", metavar="ID", help="the research (its id or the start)")
    parser.add_argument("question", metavar="QUESTION", help="what to ask")
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    config = load_config_or_exit()
    if config is None:
        return EXIT_USAGE
    if not args.question.strip():
        fail("give a QUESTION (it was empty)")
        return EXIT_USAGE
    if missing := [m for m in config.missing_keys() if "TAVILY" not in m.upper()]:
        for message in missing:
            fail(message)
        return EXIT_USAGE

    from core.research.ask import ask_session
    from core.sessions import SessionBusy, SessionNotFound

    def on_text(chunk: str) -> None:
        sys.stdout.write(ingest.safe(chunk))
        sys.stdout.flush()

    try:
        qa = asyncio.run(ask_session(config, args.session_id, args.question, on_text=on_text))
    except KeyboardInterrupt:
        print(file=sys.stderr)
        fail("interrupted; the question is saved unanswered")
        return EXIT_INTERRUPTED
    except (SessionNotFound, SessionBusy, ValueError) as exc:
        fail(str(exc))
        return EXIT_USAGE
    print()
    if qa.error:
        fail(f"no answer: {qa.error}")
        return EXIT_FAILED
    print("\nCitation check:", file=sys.stderr)
    for item in qa.quotes:
        line = f'  [{item["source_id"]}] {item["verdict"]} ({item["score"]:.0f}): "{item["quote"]}"'
        print(ingest.safe(line), file=sys.stderr)
    return EXIT_OK
