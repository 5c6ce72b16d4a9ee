"""``python -m bench trust``: what the quote check costs and how much it verifies.

- ms per claim of ``core.evidence.check_evidence`` (normalise + rapidfuzz + numbers) on
  source texts of the size research keeps (snippets, and raw page text of 3000 chars);
- the share of evidence verified in a 3-round research against the loopback fakes (their
  default quotes are sentences of the fake Tavily pages, so it should be 1.0).
"""

from __future__ import annotations

import asyncio
import sys
import time

from bench.bench_live import Figure, print_table

_PAGE = (
    "Tidal power stations in Korea produced 552 GWh in 2023, about 0.1% of the grid. "
    "The Sihwa Lake plant, opened in 2011, has ten turbines of 25.4 MW each. "
)


def _claims(n: int, chars: int) -> tuple[list, dict[int, str]]:
    from core.evidence import Evidence

    text = (_PAGE * (chars // len(_PAGE) + 1))[:chars]
    items = []
    for i in range(n):
        quote = "The Sihwa Lake plant, opened in 2011, has ten turbines of 25.4 MW each."
        if i % 3 == 1:
            quote = "A committee confirmed the plant doubled its output in its annual audit."
        items.append(
            Evidence(claim=f"Sihwa has ten 25.4 MW turbines ({i}).", source_ids=(1,), quote=quote)
        )
    return items, {1: text}


def check_ms(chars: int, claims: int = 200, repeat: int = 3) -> tuple[float, ...]:
    from core.evidence import check_evidence

    items, texts = _claims(claims, chars)
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for item in items:
            check_evidence(item, texts)
        out.append((time.perf_counter() - t0) * 1000 / claims)
    return tuple(out)


def verified_share(rounds: int = 3, runs: int = 1) -> tuple[float, ...]:
    from bench.bench_engine import fake_world
    from core.research import ResearchEngine, ResearchOptions

    shares = []
    for _ in range(runs):
        with fake_world() as (_tmp, config):
            engine = ResearchEngine(config)

            async def go(engine: ResearchEngine = engine) -> None:
                try:
                    await engine.run("Tidal power in Korea", ResearchOptions(rounds=rounds))
                finally:
                    await engine.aclose()

            asyncio.run(go())
        evidence = engine.state.evidence
        shares.append(sum(e.verified for e in evidence) / max(1, len(evidence)))
    return tuple(shares)


def measure(runs: int = 3) -> list[Figure]:
    snippet = check_ms(300, repeat=runs)
    page = check_ms(3000, repeat=runs)
    share = verified_share(runs=1)
    return [
        Figure(
            "quote check per claim (300-char snippet)", snippet, "ms", "< 1 ms", max(snippet) < 1
        ),
        Figure("quote check per claim (3000-char page)", page, "ms", "< 5 ms", max(page) < 5),
        Figure("evidence verified, 3 rounds vs fakes", share, "", "1.0", min(share) >= 1.0),
    ]


def run(repeat: int = 3) -> int:
    print_table(measure(repeat))
    return 0


if __name__ == "__main__":
    sys.exit(run())
