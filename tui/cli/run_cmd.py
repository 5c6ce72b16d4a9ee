"""``deepresearch-tui run``: a research without the UI, progress on stderr, result on stdout."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from rich.console import Group
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from core.config import check_value, requirement
from core.cost.prices import format_usd
from core.errors import ConfigError
from core.events import (
    ErrorRaised,
    Event,
    LLMCallStarted,
    LLMFirstToken,
    PhaseStarted,
    PlanReady,
    RateLimited,
    ReportReady,
    RoundFinished,
    RoundStarted,
    SearchFinished,
    SessionFinished,
    SessionStarted,
    WarningRaised,
)
from core.ratelimit import wait_label
from core.state import SessionState
from tui.cli.common import err_console, fail, load_config_or_exit, with_provider_flags
from tui.cli.filter_flags import add_filter_flags, filters_from_args
from tui.cli.filter_flags import given as filter_flags_given
from tui.cli.parser import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PAUSED,
    EXIT_USAGE,
    add_provider_flags,
)

EXIT_BY_STATUS = {
    "done": EXIT_OK,
    "done with warnings": EXIT_OK,
    "budget reached": EXIT_OK,
    "stopped": EXIT_OK,
    "paused": EXIT_PAUSED,
    "interrupted": EXIT_INTERRUPTED,
    "failed": EXIT_FAILED,
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run a research headless (no UI)",
        description="Run a research without the UI. Progress goes to stderr; the report path "
        "(or, with --json, a JSON summary) to stdout. Exit codes: 0 done, 2 usage or config "
        "error, 3 paused on quota (resume later), 130 interrupted (state saved), 1 failed.",
    )
    parser.add_argument("topic", nargs="?", help="what to research")
    parser.add_argument(
        "--rounds",
        type=_setting("research.rounds"),
        metavar="N",
        help=f"research rounds, {requirement('research.rounds')} (default from config: 3)",
    )
    parser.add_argument(
        "--breadth",
        type=_setting("research.breadth"),
        metavar="K",
        help=f"searches per round at most, {requirement('research.breadth')} (default 4)",
    )
    parser.add_argument("--language", help="report language (default: the topic's)")
    parser.add_argument("--resume", metavar="ID", help="continue a paused or interrupted session")
    parser.add_argument(
        "--focus",
        metavar="QUESTION",
        help="with --resume ID --rounds N: dig deeper, N more rounds on this follow-up "
        "question (the report is rewritten; the earlier one is kept under reports/)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--judge",
        action="store_true",
        help="before the report, one more LLM call judges whether each verified quote "
        "supports its claim (supported / partial / contradicts; default from trust.judge)",
    )
    add_provider_flags(parser)
    add_filter_flags(parser)
    from tui.cli.cost_flags import add_cost_flags

    add_cost_flags(parser)
    parser.set_defaults(func=handler)


def _setting(dotted: str) -> Callable[[str], int]:
    """An argparse ``type`` that checks a flag like the config file checks ``dotted``: the
    same limits, the same wording, so ``run --rounds 500`` fails as ``config set`` does."""

    def parse(text: str) -> int:
        try:
            return int(check_value(dotted, text))
        except ConfigError as exc:
            # argparse prefixes "argument --rounds: "; the setting's name would repeat it.
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{dotted} ")) from None

    parse.__name__ = dotted  # argparse names the type in some of its own messages
    return parse


WAIT_SHOWN_AFTER_S = 2.0
"""A first token within this is normal for any model: only a longer wait is worth a line."""


def model_wait_text(state: SessionState, now: float) -> str | None:
    """ "waiting for the model — 47 s, first token not yet" while a call has sent nothing."""
    since = state.model_waiting_since
    if since is None or now - since < WAIT_SHOWN_AFTER_S:
        return None
    return f"waiting for the model — {int(now - since)} s, first token not yet"


class Progress:
    """A live stderr panel computed from the session state on every refresh (so the
    rate-limit countdown ticks without events)."""

    def __init__(self) -> None:
        self.state = SessionState()
        self.started = time.monotonic()
        self.spinner = Spinner("dots", style="cyan")

    def activity(self) -> str:
        """What is happening right now, in a few words."""
        state = self.state
        current = state.round
        if state.current_phase == "search" and current is not None:
            done = sum(1 for s in current.searches if s.status != "running")
            running = [s.query for s in current.searches if s.status == "running"]
            detail = f": {running[0]}" if running else ""
            return f"searching {done}/{len(current.queries) or len(current.searches)}{detail}"
        return {
            "context": "reading the mind map",
            "reasoning": "planning (streaming)",
            "synthesis": "synthesising evidence",
            "report": "writing the report",
        }.get(state.current_phase or "", "starting")

    def __rich__(self) -> Group:
        state = self.state
        table = Table.grid(padding=(0, 2))
        elapsed = int(time.monotonic() - self.started)
        phase = state.current_phase or "starting"
        cells = [
            Text(f"round {state.current_round}/{state.rounds_planned or '?'}", style="bold"),
            Text(str(phase), style="cyan"),
            Text(f"LLM calls {state.llm_calls}"),
            Text(f"tokens {state.tokens_in}↑ {state.tokens_out}↓ {format_usd(state.cost_usd)}"),
            Text(f"sources {len(state.sources)}"),
            Text(f"{elapsed // 60}:{elapsed % 60:02d}"),
        ]
        if state.results_dropped:  # results the search filters turned away
            cells.insert(-1, Text(f"dropped {state.results_dropped}", style="yellow"))
        table.add_row(*cells)
        line = Table.grid(padding=(0, 1))
        line.add_row(self.spinner, Text(self.activity(), overflow="ellipsis", no_wrap=True))
        parts: list[Text | Table] = [Text(state.topic, style="bold magenta"), table, line]
        if (waiting := model_wait_text(state, time.time())) is not None:
            parts.append(Text(waiting, style="yellow"))
        if state.rate_limited_until:
            left = state.rate_limited_until - time.time()
            if left > 0:
                label = state.rate_limit_label or "rate limited"
                parts.append(Text(f"{label}: retrying in {left:4.1f}s", style="yellow"))
        return Group(*parts)


class PlainProgress:
    """Progress as plain lines on stderr, for when it is not a terminal (a log file, a CI job,
    a pipe): one line per step, each complete when written, with no colour, cursor movement or
    spinner that would garble a log. The live panel (``Progress``) is for terminals only."""

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        self.started = time.monotonic()
        self.write = write or self._stderr

    @staticmethod
    def _stderr(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    def line(self, text: str) -> None:
        """One line, prefixed with the elapsed time; a multi-line message is joined up."""
        elapsed = int(time.monotonic() - self.started)
        self.write(f"[{elapsed // 60}:{elapsed % 60:02d}] " + " ".join(text.split()))

    def on_event(self, event: Event, state: SessionState) -> None:
        """Say what ``event`` means for the run (``state`` has already applied it)."""
        where = f"round {state.current_round}/{state.rounds_planned or '?'}"
        if isinstance(event, SessionStarted):
            if event.resumed:
                done = state.completed_rounds()
                self.line(f"resuming {event.session_id} after round {done}: {event.topic}")
                if event.focus:
                    self.line(f"digging deeper (to round {event.rounds}) into: {event.focus}")
            else:
                self.line(
                    f"research {event.session_id}: {event.topic} ({event.rounds} rounds, "
                    f"up to {event.breadth} searches each)"
                )
            if described := _filters_text(event.filters):
                self.line(f"filters: {described}")
        elif isinstance(event, RoundStarted):
            self.line(f"{where}: started")
        elif isinstance(event, PlanReady):
            current = state.round
            early = (
                sum(1 for search in current.searches if search.status != "running")
                if current is not None
                else 0
            )
            already = f", {early} already searched" if early else ""
            self.line(f"{where}: planned {len(event.queries)} search(es){already}")
        elif isinstance(event, SearchFinished):
            current = state.round
            if current is not None and not event.error:  # a failure is its own warning
                done = sum(1 for search in current.searches if search.status != "running")
                # Searches start as the plan names them, so one may end before the plan does:
                # its total is not known yet.
                count = f"{done}/{len(current.queries)}" if current.queries else f"{done}"
                early = "" if current.queries else " while the plan is written"
                dropped = f", {event.dropped} dropped by the filters" if event.dropped else ""
                self.line(
                    f"{where}: search {count} done{early}, {event.results} result(s){dropped}: "
                    f"{event.query}"
                )
        elif isinstance(event, PhaseStarted) and event.phase == "synthesis":
            self.line(f"{where}: searches done ({len(state.sources)} sources in all); synthesising")
        elif isinstance(event, PhaseStarted) and event.phase == "report":
            self.line("writing the report")
        elif isinstance(event, RoundFinished):
            from core.evidence import round_verdicts

            self.line(
                f"{where}: done ({len(state.sources)} sources, {state.llm_calls} LLM calls, "
                f"tokens {state.tokens_in} in / {state.tokens_out} out, "
                f"{format_usd(state.cost_usd)}); "
                f"evidence: {round_verdicts(state.evidence, event.round)}"
            )
        elif isinstance(event, ReportReady):
            how = f" (assembled without the LLM: {event.reason})" if event.fallback else ""
            self.line(f"report written: {event.path}{how}")
        elif isinstance(event, LLMCallStarted) and event.purpose != "ask":
            self.line(f"{where}: {event.purpose}: waiting for the model {event.model}".strip())
        elif isinstance(event, LLMFirstToken) and event.ms >= WAIT_SHOWN_AFTER_S * 1000:
            self.line(f"{where}: {event.purpose}: first token after {event.ms / 1000:.0f} s")
        elif isinstance(event, RateLimited):
            self.line(f"{wait_label(event)} ({event.scope}): retrying in {event.retry_in_s:.0f}s")
        elif isinstance(event, WarningRaised):
            self.line(f"{'note' if event.kind == 'info' else 'warning'}: {event.message}")
        elif isinstance(event, ErrorRaised):
            self.line(f"error: {event.message}")
        elif isinstance(event, SessionFinished):
            reason = f" ({event.reason})" if event.reason else ""
            self.line(f"finished: {event.status}{reason}")


def handler(args: argparse.Namespace) -> int:
    config = load_config_or_exit()
    if config is None:
        return EXIT_USAGE
    config = with_provider_flags(config, args)
    if config is None:
        return EXIT_USAGE
    if not args.topic and not args.resume:
        fail("give a TOPIC to research, or --resume ID")
        return EXIT_USAGE
    if args.topic and args.resume:
        fail("give either a TOPIC or --resume ID, not both")
        return EXIT_USAGE
    from tui.cli.cost_flags import apply_cost_flags, print_estimate

    apply_cost_flags(config, args)
    if args.estimate:
        return print_estimate(config, args)
    if args.resume and any(v is not None for v in (args.breadth, args.language)):
        fail(
            "--breadth and --language set up a new research; --resume goes on "
            "with the saved research's own settings"
        )
        return EXIT_USAGE
    if args.focus is not None and not (args.resume and args.rounds):
        fail("--focus digs deeper into a saved research: give --resume ID --rounds N with it")
        return EXIT_USAGE
    if args.focus is not None and not args.focus.strip():
        fail("--focus needs a question (it was empty)")
        return EXIT_USAGE
    if args.resume and filter_flags_given(args):
        fail(
            "--include-domain, --exclude-domain and --recency set up a new research; "
            "--resume filters as the saved research began"
        )
        return EXIT_USAGE
    from core.search.filters import FilterError

    try:
        filters = filters_from_args(args, config)
    except FilterError as exc:
        fail(str(exc))
        return EXIT_USAGE
    if missing := config.missing_keys():
        for message in missing:
            fail(message)
        return EXIT_USAGE

    from core.research import ResearchEngine, ResearchOptions
    from core.sessions import SessionBusy, SessionNotFound

    progress = Progress()
    # Not a terminal (redirected, piped, CI): Live would draw nothing at all there, so the
    # run would look dead until it ends. Plain lines instead.
    plain = None if sys.stderr.isatty() else PlainProgress()

    def on_event(event: Event) -> None:
        progress.state = engine.state
        if plain is not None:
            plain.on_event(event, engine.state)
        elif isinstance(event, WarningRaised):
            label = "[cyan]note:[/]" if event.kind == "info" else "[yellow]warning:[/]"
            err_console.print(f"{label} {_escape(event.message)}")
        elif isinstance(event, ErrorRaised):
            err_console.print(f"[red]error:[/] {_escape(event.message)}")

    if args.judge:  # this run only (a resumed one too), never saved
        config.trust.judge = True
    engine = ResearchEngine(config, on_event=on_event)

    async def main() -> object:
        _cancel_on_signals(engine)
        try:
            if args.resume:
                return await engine.resume(
                    args.resume, extra_rounds=args.rounds or 0, focus=args.focus or ""
                )
            options = ResearchOptions.from_config(
                config,
                rounds=args.rounds,
                breadth=args.breadth,
                language=args.language,
                filters=filters,
            )  # the budget (--max-cost, --max-tokens) came in through config.cost
            return await engine.run(args.topic, options)
        finally:
            await engine.aclose()

    live = (
        contextlib.nullcontext()
        if plain is not None
        else Live(progress, console=err_console, refresh_per_second=4, transient=True)
    )
    with live, _sigterm_as_sigint():
        try:
            result = asyncio.run(main())
        except (KeyboardInterrupt, asyncio.CancelledError):
            _stop(live)
            if args.json:  # a script reading stdout learns the outcome here too
                print(json.dumps(_interrupted(engine).as_dict(), ensure_ascii=False))
            err_console.print(
                f"Interrupted. Saved; resume with: deepresearch-tui run --resume "
                f"{engine.session_id}"
            )
            return EXIT_INTERRUPTED
        except SessionNotFound as exc:
            _stop(live)
            fail(str(exc))
            return EXIT_USAGE
        except SessionBusy as exc:
            _stop(live)
            fail(str(exc))
            return EXIT_USAGE
        except ValueError as exc:
            _stop(live)
            fail(str(exc))
            return EXIT_USAGE

    from core.research import RunResult

    assert isinstance(result, RunResult)
    _catch_up_mind_map(config)
    if args.json:
        print(json.dumps(result.as_dict(), ensure_ascii=False))
    elif result.report_path:
        print(result.report_path)
    if result.status == "paused":
        err_console.print(
            f"Paused: {_escape(result.reason)}\nEverything is saved; resume with: "
            f"deepresearch-tui run --resume {result.session_id}"
        )
    elif result.status == "failed":
        fail(result.reason)
    return EXIT_BY_STATUS.get(result.status, EXIT_FAILED)


def _cancel_on_signals(engine: Any) -> None:
    """Ctrl+C and SIGTERM while the research runs: cancel it (it saves itself as interrupted)
    and tell its gate too, so a cancellation that a library swallows on its way up is raised
    again at the next checkpoint instead of letting the run carry on. A second signal ends
    at once. (asyncio's own SIGINT handler only cancels, once.)"""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received: list[int] = []

    def on_signal() -> None:
        received.append(1)
        if len(received) > 1:
            raise KeyboardInterrupt
        engine.interrupt()
        if task is not None:
            task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, on_signal)


@contextlib.contextmanager
def _sigterm_as_sigint() -> Iterator[None]:
    """SIGTERM (``kill``, a service manager, a container stop) ends the run the way Ctrl+C
    does: the session is saved as interrupted and can be resumed. Whoever handles SIGINT
    right now (asyncio's runner cancels the research) is asked to handle this one too."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:
            raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(engine: Any) -> Any:
    """The ``--json`` summary of a run ended by a signal, from what was saved."""
    from core.research import RunResult

    return RunResult.from_state(engine.session_id or "", engine.state, "interrupted")


def _filters_text(saved: dict[str, Any]) -> str:
    """The saved filters in words ("only a.org; past week"); "" for none."""
    from core.search.filters import SearchFilters

    return SearchFilters.from_dict(saved).describe()


def _catch_up_mind_map(config: Any) -> None:
    """A run whose graph was held elsewhere queued its research: add it now if free."""
    from core.mindmap.pending import catch_up_if_free, pending_sessions

    try:
        done = catch_up_if_free(config)
    except Exception as exc:  # the research is saved; the queue waits for the next writer
        err_console.print(f"[yellow]warning:[/] mind map catch-up failed: {_escape(str(exc))}")
        return
    if done.message():
        err_console.print(f"[cyan]note:[/] {_escape(done.message())}")
    elif pending_sessions(config.graph_path):
        err_console.print(
            "[cyan]note:[/] the mind map is still in use by another process; this research "
            "is queued and is added to it by itself the next time the graph is free."
        )


def _stop(live: object) -> None:
    """Clear the live panel (if there is one) before a final message is printed."""
    if isinstance(live, Live):
        live.stop()


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
