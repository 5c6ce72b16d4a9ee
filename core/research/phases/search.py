"""Search: every planned query, concurrently (bounded), de-duplicated by URL in the source book."""

from __future__ import annotations

import asyncio
import time

from core.cost.prices import PriceTable
from core.errors import AuthError, FatalProviderError, ProviderError, QuotaExhausted
from core.events import PhaseStarted, SearchFinished, SearchStarted, SourceAdded, WarningRaised
from core.ratelimit import call_with_retries
from core.research.llm_call import announce_wait
from core.research.outcomes import SearchUnusable
from core.research.run import Run
from core.search.filters import admit_all, search_kwargs

DROPPED_SHOWN = 20
"""Dropped results listed per search (all are counted)."""


async def search_all(run: Run, n: int, queries: list[str]) -> list[SourceAdded]:
    """The round's sources: new ones, and ones an earlier, unfinished attempt at this same
    round had found (after a resume). A failed query is a warning; an error no retry can
    fix (a rejected key, a spent plan, a refused connection) ends the searching: every
    other search would fail the same way, so the loop writes the report from what it has
    (``SearchUnusable``). Searches already under way finish; no new one starts."""
    run.emit(PhaseStarted(round=n, phase="search"))
    options = run.options
    filters = options.filters
    slots = asyncio.Semaphore(_slots(run))
    round_ids: set[int] = set()
    fatal: list[ProviderError] = []

    async def on_wait(delay: float, error: ProviderError, attempt: int) -> None:
        announce_wait(run.emit, "search", delay, error, attempt)

    async def one(query: str) -> None:
        async with slots:
            await run.gate.checkpoint(allow_stop=False)
            if fatal:  # the provider is known to be unusable: do not ask it again
                return
            run.emit(SearchStarted(round=n, query=query))
            started = time.monotonic()
            provider = getattr(run.providers.search, "name", "")
            try:
                async with run.gate.in_flight():
                    hits = await call_with_retries(
                        lambda: run.providers.search.search(
                            query, max_results=options.results_per_search, **search_kwargs(filters)
                        ),
                        max_retries=2,
                        base_delay_s=0.5,
                        max_wait_s=30.0,
                        on_wait=on_wait,
                        sleep=run.gate.retry_sleep,
                    )
            except (AuthError, FatalProviderError) as exc:
                fatal.append(exc)
                _failed(run, n, query, started, exc, provider)
                return
            except (ProviderError, QuotaExhausted) as exc:
                _failed(run, n, query, started, exc, provider)
                return
            # Enforced here, on every result, whatever the provider did with the filters.
            hits, dropped = admit_all(filters, hits)
            ids = run.sources.add(n, query, hits, round_ids)
            ms = int((time.monotonic() - started) * 1000)
            provider = search_provider(run, hits)
            cost = (run.prices or PriceTable.defaults()).search(
                provider, run.config.tavily.search_depth
            )
            run.emit(
                SearchFinished(
                    round=n,
                    query=query,
                    source_ids=ids,
                    results=len(hits),
                    ms=ms,
                    dropped=len(dropped),
                    dropped_reasons=dropped[:DROPPED_SHOWN],
                    provider=provider,
                    cost_usd=cost,
                )
            )

    try:
        # A TaskGroup, not gather: when one search raises (a bug, a quota pause), its
        # siblings are cancelled instead of emitting events after the session ended.
        async with asyncio.TaskGroup() as group:
            for query in queries:
                group.create_task(one(query))
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None  # the loop's own handlers take it
    if fatal:
        first = fatal[0]
        auth = isinstance(first, AuthError)
        raise SearchUnusable(first.provider or "search", str(first), auth=auth)
    return [run.state.sources[i] for i in sorted(round_ids)]


def _slots(run: Run) -> int:
    """Searches at once: ``research.concurrency``, and no more than a lone provider's own
    bound (a chain bounds each of its providers itself, ``core.search.chain``)."""
    from core.providers import search_concurrency

    wanted = max(1, run.options.concurrency)
    search = run.providers.search
    if hasattr(search, "names"):  # a SearchChain
        return wanted
    own = search_concurrency(run.config, str(getattr(search, "name", "")))
    return wanted if own is None else min(wanted, own)


def _failed(run: Run, n: int, query: str, started: float, exc: Exception, provider: str) -> None:
    """A search that came back with an error: a warning, and its failure on record (the
    report and ``run --json`` list it)."""
    ms = int((time.monotonic() - started) * 1000)
    run.emit(WarningRaised(message=f"Search failed for {query!r}: {exc}", kind="search", round=n))
    who = getattr(exc, "provider", "") or provider
    run.emit(SearchFinished(round=n, query=query, ms=ms, error=str(exc)[:300], provider=who))


def search_provider(run: Run, hits: list) -> str:
    """Who answered a search: its hits say so; with none, the provider itself (or the first
    of a chain), which was still asked and, for Tavily, still charges its credits."""
    for hit in hits:
        if getattr(hit, "provider", ""):
            return str(hit.provider)
    provider = run.providers.search
    names = getattr(provider, "names", None)
    if callable(names) and names():
        return str(names()[0])
    return str(getattr(provider, "name", ""))
