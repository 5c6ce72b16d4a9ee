"""``python -m bench mindmap [--nodes N]``: run one benchmark and print its figures."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="bench", metavar="BENCH", required=True)
    mindmap = commands.add_parser("mindmap", help="the embedded mind map on an N-node graph")
    mindmap.add_argument("--nodes", type=int, default=10_000, help="graph size (default 10000)")
    mindmap.add_argument("--repeat", type=int, default=20, help="timed repetitions per read")
    args = parser.parse_args(argv)
    if args.bench == "mindmap":
        from bench.bench_mindmap import run

        return run(nodes=args.nodes, repeat=args.repeat)
    return 2


if __name__ == "__main__":
    sys.exit(main())
