"""Run both fakes by hand: ``python -m tests.fakes [--gemini-port P] [--tavily-port Q]``.

For trying the app in a terminal (tmux) without keys or network: paste the printed
``export`` lines into the shell that runs ``deepresearch-tui``.
"""

from __future__ import annotations

import argparse
import threading

from tests.fakes.gemini_server import DEFAULT_GEMINI_KEY, FakeGemini
from tests.fakes.tavily_server import DEFAULT_TAVILY_KEY, FakeTavily


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fakes", description=__doc__)
    ap.add_argument("--gemini-port", type=int, default=0)
    ap.add_argument("--tavily-port", type=int, default=0)
    ap.add_argument(
        "--chunk-delay", type=float, default=0.05, help="seconds between streamed chunks"
    )
    ap.add_argument("--search-delay", type=float, default=0.0, help="seconds per search")
    ap.add_argument("--poison", action="store_true", help="inject a prompt-injection result")
    args = ap.parse_args(argv)

    gemini = FakeGemini(port=args.gemini_port, chunk_delay_s=args.chunk_delay).start()
    tavily = FakeTavily(port=args.tavily_port, delay_s=args.search_delay, poison=args.poison)
    tavily.start()
    print(f"export GEMINI_API_KEY={DEFAULT_GEMINI_KEY}")
    print(f"export GEMINI_BASE_URL={gemini.base_url}")
    print(f"export TAVILY_API_KEY={DEFAULT_TAVILY_KEY}")
    print(f"export TAVILY_BASE_URL={tavily.base_url}")
    print("# fake Gemini and Tavily running; Ctrl+C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        gemini.stop()
        tavily.stop()
        print(f"# served {len(gemini.requests)} Gemini and {len(tavily.requests)} Tavily requests")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
