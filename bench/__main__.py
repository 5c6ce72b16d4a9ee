"""``python -m bench``: every figure in one table (and bench/RESULTS.md);
``python -m bench engine|mindmap|neo4j|startup|live|open|trust|rounds|sessions|budget [...]``:
one benchmark."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="without BENCH: runs per figure")
    commands = parser.add_subparsers(dest="bench", metavar="BENCH")
    mindmap = commands.add_parser("mindmap", help="the embedded mind map on an N-node graph")
    mindmap.add_argument("--nodes", type=int, default=10_000, help="graph size (default 10000)")
    mindmap.add_argument("--repeat", type=int, default=20, help="timed repetitions per read")
    engine = commands.add_parser("engine", help="event log, streaming parser, replay, full run")
    engine.add_argument("--events", type=int, default=2000, help="events to append and replay")
    engine.add_argument("--rounds", type=int, default=3, help="rounds of the full research")
    engine.add_argument("--repeat", type=int, default=20, help="timed repetitions")
    neo4j = commands.add_parser("neo4j", help="the mind map on Neo4j (NEO4J_URI) vs LadybugDB")
    neo4j.add_argument("--nodes", type=int, default=10_000, help="graph size (default 10000)")
    neo4j.add_argument("--repeat", type=int, default=20, help="timed repetitions per read")
    neo4j.add_argument("--rounds", type=int, default=3, help="rounds of the stall research")
    startup = commands.add_parser("startup", help="CLI and import start-up times")
    startup.add_argument("--repeat", type=int, default=7, help="processes per figure")
    live = commands.add_parser("live", help="keypress latency while the panes stream")
    live.add_argument("--runs", type=int, default=3, help="app runs (median, min, max)")
    live.add_argument("--profile", action="store_true", help="cProfile the UI thread instead")
    reopen = commands.add_parser("open", help="first frame of Home; reopening 20 rounds")
    reopen.add_argument("--repeat", type=int, default=3, help="runs (median, min, max)")
    trust = commands.add_parser("trust", help="quote check: ms per claim, share verified")
    trust.add_argument("--repeat", type=int, default=3, help="timed repetitions")
    rounds = commands.add_parser("rounds", help="20 rounds: round-20/round-3 prompt size, RSS")
    rounds.add_argument("--repeat", type=int, default=3, help="researches (median, min, max)")
    budget = commands.add_parser("budget", help="capped researches: overshoot, report reserve")
    budget.add_argument("--steps", type=int, default=10, help="caps swept (default 10)")
    listing = commands.add_parser("sessions", help="sessions list over 200 saved researches")
    listing.add_argument("--repeat", type=int, default=3, help="runs (median, min, max)")
    args = parser.parse_args(argv)
    if args.bench == "budget":
        from bench.bench_budget import run as run_budget

        return run_budget(steps=args.steps)
    if args.bench in ("rounds", "sessions"):
        from bench import bench_rounds, bench_sessions
        from bench.bench_live import print_table

        module = bench_rounds if args.bench == "rounds" else bench_sessions
        print_table(module.measure(args.repeat))
        return 0
    if args.bench is None:
        from bench.bench_all import run as run_all

        return run_all(runs=args.runs)
    if args.bench == "trust":
        from bench.bench_trust import run as run_trust

        return run_trust(repeat=args.repeat)
    if args.bench == "open":
        from bench.bench_open import run as run_open

        return run_open(repeat=args.repeat)
    if args.bench == "live":
        from bench.bench_live import run as run_live

        return run_live(runs=args.runs, profile=args.profile)
    if args.bench == "startup":
        from bench.bench_startup import run as run_startup

        return run_startup(repeat=args.repeat)
    if args.bench == "engine":
        from bench.bench_engine import run as run_engine

        return run_engine(events=args.events, repeat=args.repeat, rounds=args.rounds)
    if args.bench == "neo4j":
        from bench.bench_neo4j import run as run_neo4j

        return run_neo4j(nodes=args.nodes, repeat=args.repeat, rounds=args.rounds)
    if args.bench == "mindmap":
        from bench.bench_mindmap import run

        return run(nodes=args.nodes, repeat=args.repeat)
    return 2


if __name__ == "__main__":
    sys.exit(main())
