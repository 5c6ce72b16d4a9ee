"""``deepresearch-tui sessions``: list, show, export and delete saved researches."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from core.atomic import SHARED, write_atomic
from core.ingest import safe
from tui.cli.common import err_console, fail, load_config_or_exit
from tui.cli.parser import EXIT_OK, EXIT_USAGE
from tui.status_label import SHORT_WIDTH, status_label

if TYPE_CHECKING:
    from core.config import Config
    from core.sessions import SessionHandle, SessionStore


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sessions", help="list, show, export or delete saved researches")
    commands = parser.add_subparsers(dest="sessions_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="a table of saved researches, newest first")
    listing.set_defaults(func=list_sessions)

    show = commands.add_parser("show", help="one research: status, counts, summary, files")
    show.add_argument("session_id", metavar="ID")
    show.set_defaults(func=show_session)

    export = commands.add_parser("export", help="export a research as markdown or JSON")
    export.add_argument("session_id", metavar="ID")
    export.add_argument("--format", choices=("md", "json"), default="md")
    export.add_argument(
        "-o", "--output", metavar="PATH", help="write here instead of stdout (- is stdout)"
    )
    export.set_defaults(func=export_session)

    delete = commands.add_parser("delete", help="delete a saved research")
    delete.add_argument("session_id", metavar="ID")
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(func=delete_session)


def _store(config: Config | None = None) -> SessionStore | None:
    """The saved researches of ``config`` (read here when not given; None: already said why)."""
    if config is None:
        config = load_config_or_exit()
    if config is None:
        return None
    from core.sessions import SessionStore

    return SessionStore(config.sessions_dir)


def _when(timestamp: float, *, short: bool = False) -> str:
    """``2026-11-23 16:14``; with ``short``, ``16:14`` for today, ``11-23`` (month-day) for
    this year and ``2025-11-23`` before: the listing's room goes to the topic."""
    if not timestamp:
        return ""
    moment = datetime.fromtimestamp(timestamp)
    if not short:
        return moment.strftime("%Y-%m-%d %H:%M")
    today = datetime.now().date()
    if moment.date() == today:
        return moment.strftime("%H:%M")
    return moment.strftime("%m-%d" if moment.year == today.year else "%Y-%m-%d")


LIST_COLUMNS = ("id", "topic", "status", "rounds", "sources", "cost", "updated")
WIDE_LIST = 100
"""From this many columns ``sessions list`` spells every status out ("done with warnings")."""
NARROW_HEADERS = {"rounds": "rnd", "sources": "src"}
"""``sessions list`` headers below 90 columns: a header wider than its column's values
takes cells from the topic."""
ESTIMATED = "~"
"""Before a cost that is partly an estimate (``SessionInfo.cost_estimated``); a key says so."""
ESTIMATED_KEY = "~ = estimated cost (usage not reported, or priced later at today's prices)"
"""One line at 80 columns; ``sessions show ID`` says which of the two it was."""


def list_sessions(args: argparse.Namespace) -> int:
    store = _store()
    if store is None:
        return EXIT_USAGE
    infos = store.list()
    console = Console()
    if not infos:
        console.print('No saved researches yet. Start one with: deepresearch-tui run "TOPIC"')
        return EXIT_OK
    # Below 90 columns the columns sit one space apart, so the topic keeps some room, and
    # the count columns' headers are short ("rnd", "src") for the same reason.
    narrow = console.width < 90
    # a narrow terminal shows "done ⚠" for "done with warnings": the topic needs the room
    status_room = 18 if console.width >= WIDE_LIST else SHORT_WIDTH
    rows = [
        (
            info.id,
            safe(info.topic),
            status_label(info.status, status_room),
            f"{info.rounds_done}/{info.rounds_planned}",
            str(info.sources),
            _listed_cost(info),
            _when(info.updated, short=True),
        )
        for info in infos
    ]
    headers = NARROW_HEADERS if narrow else {}
    titles = [headers.get(name, name) for name in LIST_COLUMNS]
    lines = listing_lines(titles, rows, console.width, narrow=narrow)
    console.print(Text("\n").join(lines), no_wrap=True, overflow="ellipsis")
    if any(info.cost_estimated and info.cost_usd >= 0 for info in infos):
        console.print(escape(ESTIMATED_KEY), style="dim", soft_wrap=True)
    shortened = sorted({i.status for i in infos if status_label(i.status, status_room) != i.status})
    if shortened:  # a key to the short forms: "done ⚠ = done with warnings"
        key = "; ".join(f"{status_label(status, status_room)} = {status}" for status in shortened)
        console.print(escape(key), style="dim", soft_wrap=True)
    return EXIT_OK


TOPIC = LIST_COLUMNS.index("topic")
COST = LIST_COLUMNS.index("cost")


def listing_lines(
    titles: list[str], rows: list[tuple[str, ...]], width: int, *, narrow: bool
) -> list[Text]:
    """The listing as lines of ``width`` cells: a bold header, then a line per research.

    Every column but the topic is as wide as its widest cell (or title); the topic takes
    the rest and ends in an ellipsis when cut. Cells sit two spaces apart inside a space at
    each edge, one space apart with none at the edges when ``narrow``: the layout of a
    borderless Rich ``Table``, built directly because every width is known here. Rich's
    table lays out and renders each cell on its own, and with 200 researches that was
    a third of the command's time (``python -m bench sessions``).

    Cells are ``Text``: a topic is shown as written, never read as markup.
    """
    widths = [
        max(cell_len(title), *(cell_len(row[i]) for row in rows)) for i, title in enumerate(titles)
    ]
    widths[0] = max(widths[0], 20)  # ids line up across listings of different days
    gap, edge = (" ", "") if narrow else ("  ", " ")
    fixed = sum(w for i, w in enumerate(widths) if i != TOPIC)
    # Below 60 columns the topic keeps a cell or two and the line is cut at the edge.
    widths[TOPIC] = max(2, width - fixed - len(gap) * (len(widths) - 1) - 2 * len(edge))

    def fit(cell: str, cell_width: int, index: int) -> str:
        size = cell_len(cell)
        if index == COST:  # right-aligned, as money is
            return " " * (cell_width - size) + cell
        if size > cell_width:  # Rich's "ellipsis" overflow
            return set_cell_size(cell, cell_width - 1) + "…"
        return cell + " " * (cell_width - size)

    def line(cells: tuple[str, ...] | list[str], style: str = "") -> Text:
        # One string per line and one Text around it: a Text per cell, truncated and
        # joined, was most of the listing's cost per research.
        fitted = (fit(cell, w, i) for i, (cell, w) in enumerate(zip(cells, widths, strict=True)))
        return Text(edge + gap.join(fitted) + edge, style=style, no_wrap=True)

    return [line(titles, "bold"), *(line(row) for row in rows)]


def _listed_cost(info: Any) -> str:
    """``$0.012``, ``~$0.012`` when part of it is an estimate, ``—`` when not recorded."""
    text = _cost(info.cost_usd)
    return f"{ESTIMATED}{text}" if info.cost_estimated and info.cost_usd >= 0 else text


def _cost(usd: float, *, estimated: bool = False, usage: bool = False) -> str:
    """``$0.012``; ``—`` when the session was saved before costs were recorded (below 0);
    "estimated" when some old calls were priced afterwards at today's prices, or (``usage``)
    a server reported no token usage and the tokens were counted from the text."""
    from core.cost.prices import format_usd

    if usd < 0:
        return "—"
    text = format_usd(usd)
    why = []
    if estimated:
        why.append("some calls priced at today's list prices")
    if usage:
        why.append("the server reported no token usage, so tokens were counted from the text")
    return f"~{text} (estimated: {'; '.join(why)})" if why else text


def _open(session_id: str, config: Config | None = None) -> SessionHandle | None:
    from core.sessions import SessionNotFound

    store = _store(config)
    if store is None:
        return None
    try:
        return store.open(session_id)
    except SessionNotFound as exc:
        fail(str(exc))  # names the folder searched, or lists an ambiguous prefix's matches
        return None


def show_session(args: argparse.Namespace) -> int:
    handle = _open(args.session_id)
    if handle is None:
        return EXIT_USAGE
    state = handle.state()
    status = handle.live_status(state.status)
    console = Console()
    rows = [
        ("id", handle.id),
        ("topic", state.topic),
        ("status", status + (f" ({state.status_reason})" if state.status_reason else "")),
        ("rounds", f"{state.completed_rounds()}/{state.rounds_planned}"),
        ("sources", _sources_text(state)),
        ("evidence", str(len(state.evidence))),
        ("LLM calls", str(state.llm_calls)),
        ("tokens", f"{state.tokens_in} in, {state.tokens_out} out"),
        (
            "cost",
            _cost(state.cost_usd, estimated=state.cost_estimated, usage=state.usage_estimated),
        ),
        *_filter_rows(state),
        ("folder", str(handle.folder)),
        ("report", str(handle.report_path) if handle.report_path.exists() else "(none yet)"),
    ]
    # "Dig deeper" keeps each earlier report; follow-up questions are counted.
    rows += [(f"earlier report {k}", path) for k, path in enumerate(state.reports_kept, 1)]
    if state.focus:
        rows.append(("focus", state.focus))
    if state.qa:
        rows.append(("questions asked", str(len(state.qa))))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        # One line each, never wrapped or cut by us (soft_wrap): a path is there to be
        # copied whole, whatever the terminal's width.
        console.print(f"[bold]{name:<{width}}[/]  {escape(safe(value))}", soft_wrap=True)
    from core.search_failures import failed_searches

    if failures := failed_searches(state):
        console.print(f"\n[bold]Failed searches[/] ({len(failures)})")
        for failure in failures:
            line = f"round {failure.round}, {failure.provider}: {failure.query} — {failure.reason}"
            console.print(f"- {escape(safe(line))}", soft_wrap=True)
    if state.summary:
        console.print("\n[bold]Summary[/]")
        console.print(escape(safe(state.summary)))
    return EXIT_OK


def _sources_text(state: Any) -> str:
    """ "12 (tavily 8, ddgs 4)": the count and which provider found them (the count alone
    for a research saved before providers were recorded)."""
    by_provider = state.sources_by_provider()
    if not by_provider:
        return str(len(state.sources))
    parts = [f"{name} {count}" for name, count in by_provider.items()]
    unknown = len(state.sources) - sum(by_provider.values())
    if unknown:
        parts.append(f"unrecorded {unknown}")
    return f"{len(state.sources)} ({', '.join(parts)})"


def _filter_rows(state: Any) -> list[tuple[str, str]]:
    """ "filters" and "dropped" rows, for a research that had filters (none otherwise)."""
    from core.search.filters import SearchFilters

    described = SearchFilters.from_dict(state.filters).describe()
    if not described and not state.results_dropped:
        return []
    return [("filters", described or "none"), ("dropped", f"{state.results_dropped} results")]


def export_session(args: argparse.Namespace) -> int:
    config = load_config_or_exit()
    if config is None:
        return EXIT_USAGE
    handle = _open(args.session_id, config)
    if handle is None:
        return EXIT_USAGE
    from core.record.exports import export_session as render
    from core.redaction import secret_values

    text = render(handle, args.format, secret_values=secret_values(config))
    if args.output and args.output != "-":  # "-" is standard output, as usual
        path = Path(args.output).expanduser()
        try:
            write_atomic(path, text, mode=SHARED)
        except OSError as exc:
            fail(f"cannot write {path}: {exc.strerror}")
            return EXIT_USAGE
        print(path)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def delete_session(args: argparse.Namespace) -> int:
    config = load_config_or_exit()
    if config is None:
        return EXIT_USAGE
    handle = _open(args.session_id, config)
    if handle is None:
        return EXIT_USAGE
    if not args.yes:
        if not sys.stdin.isatty():
            fail("refusing to delete without confirmation: add --yes")
            return EXIT_USAGE
        answer = input(f"Delete research {handle.id} ({handle.folder})? [y/N] ")
        if answer.strip().lower() not in {"y", "yes"}:
            print("Kept.")
            return EXIT_OK
    from core.deletion import delete_research
    from core.sessions import SessionBusy

    try:
        warning = delete_research(config, handle.id)
    except SessionBusy as exc:
        fail(str(exc))
        return EXIT_USAGE
    print(f"Deleted {handle.id}")
    if warning:
        err_console.print(f"[yellow]Warning:[/] {escape(warning)}", soft_wrap=True)
    return EXIT_OK
