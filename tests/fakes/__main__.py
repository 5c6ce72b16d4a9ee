"""Run the fakes by hand: ``python -m tests.fakes [--gemini-port P] [--tavily-port Q]
[--openai-port R] [--searxng-port S]``.

For trying the app in a terminal (tmux) without keys or network: paste the printed
``export`` lines into the shell that runs ``deepresearch-tui``.
"""

from __future__ import annotations

import argparse
import threading

from tests.fakes.gemini_server import DEFAULT_GEMINI_KEY, FakeGemini
from tests.fakes.openai_server import DEFAULT_OPENAI_MODEL, FakeOpenAI
from tests.fakes.searxng_server import FakeSearxng
from tests.fakes.tavily_server import DEFAULT_TAVILY_KEY, FakeTavily


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fakes", description=__doc__)
    ap.add_argument("--gemini-port", type=int, default=0)
    ap.add_argument("--tavily-port", type=int, default=0)
    ap.add_argument("--openai-port", type=int, default=0, help="the OpenAI-compatible fake")
    ap.add_argument("--searxng-port", type=int, default=0, help="the SearXNG fake")
    ap.add_argument(
        "--think", action="store_true", help="the OpenAI-compatible fake thinks in <think> tags"
    )
    ap.add_argument(
        "--first-token-delay", type=float, default=0.0, help="seconds before its first token"
    )
    ap.add_argument(
        "--chunk-delay", type=float, default=0.05, help="seconds between streamed chunks"
    )
    ap.add_argument("--search-delay", type=float, default=0.0, help="seconds per search")
    ap.add_argument("--poison", action="store_true", help="inject a prompt-injection result")
    args = ap.parse_args(argv)

    gemini = FakeGemini(port=args.gemini_port, chunk_delay_s=args.chunk_delay).start()
    tavily = FakeTavily(port=args.tavily_port, delay_s=args.search_delay, poison=args.poison)
    tavily.start()
    openai = FakeOpenAI(
        port=args.openai_port,
        chunk_delay_s=args.chunk_delay,
        first_token_delay_s=args.first_token_delay,
        think=args.think,
    ).start()
    searxng = FakeSearxng(port=args.searxng_port).start()
    print(f"export GEMINI_API_KEY={DEFAULT_GEMINI_KEY}")
    print(f"export GEMINI_BASE_URL={gemini.base_url}")
    print(f"export TAVILY_API_KEY={DEFAULT_TAVILY_KEY}")
    print(f"export TAVILY_BASE_URL={tavily.base_url}")
    print(f"export OPENAI_BASE_URL={openai.base_url}/v1")
    print(f"export OPENAI_MODEL={DEFAULT_OPENAI_MODEL}")
    print(f"export SEARXNG_URL={searxng.base_url}")
    print("# fake Gemini, Tavily, OpenAI-compatible and SearXNG up; Ctrl+C to stop", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        gemini.stop()
        tavily.stop()
        openai.stop()
        searxng.stop()
        print(
            f"# served {len(gemini.requests)} Gemini, {len(tavily.requests)} Tavily and "
            f"{len(openai.requests)} OpenAI-compatible requests"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
