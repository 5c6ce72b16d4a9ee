"""``deepresearch-tui graph``: stats, query, ask, rebuild and export of the mind map.

Reading commands open the store read-only (so they work while the app runs a research);
``query`` and ``ask`` go through the same read-only guard the app uses. ``rebuild``
re-projects every saved research's ``events.jsonl`` (idempotent: MERGE on deterministic ids).
The Cypher export is a file for people to load into a database: every value in it is a
literal we escape ourselves, never text pasted in raw.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from core.atomic import SHARED, write_atomic
from core.ingest import safe
from tui.cli.common import err_console as err
from tui.cli.common import load_config_or_exit
from tui.cli.parser import EXIT_FAILED, EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "graph", help="inspect, question, rebuild or export the mind map"
    )
    commands = parser.add_subparsers(dest="graph_command", metavar="ACTION", required=True)

    stats = commands.add_parser("stats", help="node and relation counts, backend, location")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(func=stats_cmd)

    query = commands.add_parser("query", help="run read-only Cypher (same guard as the app)")
    query.add_argument("cypher", metavar="CYPHER")
    query.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="K=V",
        help="a query parameter (V parsed as JSON, else a string); repeatable",
    )
    query.add_argument("--limit", type=int, default=200, help="row limit (default 200)")
    query.add_argument("--json", action="store_true", help="print JSON")
    query.set_defaults(func=query_cmd)

    ask = commands.add_parser(
        "ask", help="ask the mind map a question (the configured model writes read-only Cypher)"
    )
    ask.add_argument("question", metavar="QUESTION")
    ask.add_argument("--topic", default=None, help="restrict to one research topic")
    ask.set_defaults(func=ask_cmd)

    rebuild = commands.add_parser("rebuild", help="re-project every saved research's events")
    rebuild.set_defaults(func=rebuild_cmd)

    export = commands.add_parser("export", help="export one research's part of the graph")
    export.add_argument("session_id", metavar="SESSION_ID")
    export.add_argument("--format", choices=("json", "cypher", "graphml"), default="json")
    export.add_argument(
        "-o", "--output", metavar="PATH", help="write here instead of stdout (- is stdout)"
    )
    export.set_defaults(func=export_cmd)


# --- shared -------------------------------------------------------------------------------


def _config() -> Any:
    """The config, or None after the error went to stderr (the handler returns 2)."""
    return load_config_or_exit()


def _open(config: Any, *, read_only: bool) -> Any:
    from core.mindmap.factory import open_store

    store, warnings = open_store(config, read_only=read_only)
    for warning in warnings:
        err.print(f"[yellow]Warning:[/] {escape(warning)}")
    return store


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


# --- stats --------------------------------------------------------------------------------


def stats_cmd(args: argparse.Namespace) -> int:
    config = _config()
    if config is None:
        return EXIT_USAGE
    store = _open(config, read_only=True)
    try:
        stats = store.stats()
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {
                    "backend": stats.backend,
                    "location": stats.location,
                    "nodes": stats.nodes,
                    "relations": stats.relations,
                },
                indent=2,
            )
        )
        return EXIT_OK
    out = _out()
    out.print(f"[bold]Mind map[/] · {escape(stats.backend)} · {escape(stats.location)}")
    for title, counts in (("Nodes", stats.nodes), ("Relations", stats.relations)):
        table = Table(title=title, title_justify="left")
        table.add_column("type")
        table.add_column("count", justify="right")
        for name, count in counts.items():
            table.add_row(name, str(count))
        table.add_row("[bold]total[/]", f"[bold]{sum(counts.values())}[/]")
        out.print(table)
    return EXIT_OK


# --- query --------------------------------------------------------------------------------


def parse_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise ValueError(f"--param needs NAME=VALUE, got {item!r}")
        try:
            params[key] = json.loads(raw)
        except ValueError:
            params[key] = raw
    return params


def _print_rows(columns: list[str], rows: list[list[Any]], truncated: bool) -> None:
    out = _out()
    table = Table(*columns, show_lines=False)
    for row in rows:
        table.add_row(*(escape(safe(_cell(v))) for v in row))
    out.print(table)
    note = f"{len(rows)} row(s)" + (" (more were cut by the limit)" if truncated else "")
    err.print(f"[dim]{note}[/]")


def _blank(text: str, what: str, command: str) -> bool:
    """True (after one usage line on stderr) when ``text`` is empty or only whitespace: an
    empty question would still cost a model call, and an empty query only a vague error."""
    if text.strip():
        return False
    err.print(
        f"[bold red]Error:[/] {what} is empty; usage: deepresearch-tui graph {escape(command)}",
        soft_wrap=True,
    )
    return True


def query_cmd(args: argparse.Namespace) -> int:
    from core.mindmap.guard import CypherRefused

    if _blank(args.cypher, "the Cypher query", 'query "CYPHER"'):
        return EXIT_USAGE
    config = _config()
    if config is None:
        return EXIT_USAGE
    try:
        params = parse_params(args.param)
    except ValueError as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}")
        return EXIT_USAGE
    store = _open(config, read_only=True)
    try:
        result = store.run_read_query(args.cypher, params, limit=max(1, args.limit))
    except CypherRefused as exc:
        err.print(f"[bold red]Refused:[/] {escape(exc.reason)}")
        return EXIT_USAGE
    except Exception as exc:
        err.print(f"[bold red]Query failed:[/] {escape(str(exc))}")
        return EXIT_FAILED
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {"columns": result.columns, "rows": result.rows, "truncated": result.truncated},
                ensure_ascii=False,
                default=str,
            )
        )
    else:
        _print_rows(result.columns, result.rows, result.truncated)
    return EXIT_OK


# --- ask ----------------------------------------------------------------------------------


def ask_cmd(args: argparse.Namespace) -> int:
    if _blank(args.question, "the question", 'ask "QUESTION" [--topic TOPIC]'):
        return EXIT_USAGE
    config = _config()
    if config is None:
        return EXIT_USAGE
    if config.providers.llm != "openai" and not config.gemini.api_key:
        err.print(
            "[bold red]No Gemini API key:[/] set GEMINI_API_KEY (or GOOGLE_API_KEY), or "
            f"gemini.api_key in {escape(str(config.path))}"
        )
        return EXIT_USAGE
    if config.providers.llm == "openai" and not (config.openai.base_url and config.openai.model):
        err.print(
            "[bold red]No OpenAI-compatible model:[/] set OPENAI_BASE_URL and OPENAI_MODEL, "
            f"or openai.base_url and openai.model in {escape(str(config.path))}"
        )
        return EXIT_USAGE
    from core.mindmap.ask import ask_mind_map
    from core.providers import build_llm

    llm = build_llm(config)  # the configured model writes the Cypher, as in the app's `a`
    store = _open(config, read_only=True)

    async def go() -> Any:
        try:
            return await ask_mind_map(store, llm, args.question, topic=args.topic)
        finally:
            await llm.aclose()

    try:
        result = asyncio.run(go())
    finally:
        store.close()
    out = _out()
    if result.cypher:
        out.print("[bold]Cypher[/]")
        out.print(escape(result.cypher))
    if result.refused:
        err.print(f"[bold red]Refused:[/] {escape(result.refused)}")
        return EXIT_FAILED
    if result.columns:
        _print_rows(result.columns, result.rows, False)
    if result.error:
        err.print(f"[bold red]Error:[/] {escape(result.error)}")
        return EXIT_FAILED
    out.print("[bold]Answer[/]")
    out.print(escape(safe(result.answer)))
    return EXIT_OK


# --- rebuild ------------------------------------------------------------------------------


def rebuild_cmd(args: argparse.Namespace) -> int:
    from core.mindmap.rebuild import GraphReadOnly, rebuild_graph

    config = _config()
    if config is None:
        return EXIT_USAGE
    store = _open(config, read_only=False)
    try:
        done = rebuild_graph(store, config.sessions_dir)
    except GraphReadOnly as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}")
        return EXIT_FAILED
    finally:
        store.close()
    for line in done.skipped:
        err.print(f"[yellow]Skipped:[/] {escape(line)}")
    removed = (
        f" Removed {done.removed} deleted research(es) ({done.forgotten_nodes} nodes)."
        if done.removed
        else ""
    )
    _out().print(
        f"Rebuilt from {done.researches} research(es), {done.events} events: "
        f"{done.nodes} new nodes, {done.edges} new relations.{removed} Graph now holds "
        f"{done.total_nodes} nodes and {done.total_relations} relations."
    )
    return EXIT_FAILED if done.skipped else EXIT_OK


# --- export -------------------------------------------------------------------------------


def export_cmd(args: argparse.Namespace) -> int:
    from core.record.graph_export import GraphExportUnsupported, export_graph

    config = _config()
    if config is None:
        return EXIT_USAGE
    from core.sessions import SessionAmbiguous, SessionNotFound, SessionStore

    try:  # the same id resolution as `sessions`: a unique start of the id is enough
        session_id = SessionStore(config.sessions_dir).open(args.session_id).id
    except SessionAmbiguous as exc:
        err.print(f"[bold red]Error:[/] {escape(str(exc))}")
        return EXIT_USAGE
    except SessionNotFound:  # deleted from disk, maybe still in the graph: try it as given
        session_id = args.session_id
    store = _open(config, read_only=True)
    try:
        try:
            text = export_graph(store, session_id, args.format)
        except GraphExportUnsupported as exc:
            err.print(f"[bold red]Error:[/] {escape(str(exc))}")
            return EXIT_FAILED
        except KeyError:
            err.print(
                f"[bold red]Error:[/] no research {escape(session_id)!s} in the "
                "mind map (run `deepresearch-tui graph rebuild` if it is saved)"
            )
            return EXIT_USAGE
    finally:
        store.close()
    if args.output and args.output != "-":  # "-" is standard output, as usual
        path = Path(args.output).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text, mode=SHARED)
        err.print(f"Wrote {escape(str(path))}")
    else:
        sys.stdout.write(text)
    return EXIT_OK
