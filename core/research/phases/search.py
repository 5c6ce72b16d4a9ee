"""Search: every planned query, concurrently (bounded), de-duplicated by URL in the source book."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

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
    async with RoundSearches(run, n) as searches:
        for query in queries:
            searches.start(query)
    return searches.sources()


@dataclass(eq=False)
class Search:
    """One search of the round: its task and what it found (``ids``)."""

    query: str
    task: asyncio.Task[None] | None = None
    ids: list[int] = field(default_factory=list)
    voided: bool = False
    """Started for a reasoning attempt that was retried, and not in the final plan."""


class RoundSearches:
    """The round's searches, each started as soon as its query is known (while the plan
    still streams, or all at once) and all awaited when the block ends.

    Bounded by ``options.concurrency``; each waits at the gate before it starts. A TaskGroup,
    not gather: when one search raises (a bug, a quota pause), its siblings are cancelled
    instead of emitting events after the session ended; when the block itself raises (the
    reasoning call failed, a stop), the searches under way are cancelled and that error is
    the one raised.
    """

    def __init__(self, run: Run, n: int) -> None:
        self.run, self.n = run, n
        self.started: list[Search] = []
        self._slots = asyncio.Semaphore(_slots(run))
        self._round_ids: set[int] = set()
        self._fatal: list[ProviderError] = []
        self._group = asyncio.TaskGroup()

    async def __aenter__(self) -> RoundSearches:
        await self._group.__aenter__()
        return self

    async def __aexit__(self, et: Any, exc: BaseException | None, tb: Any) -> None:
        # When the block raised, the TaskGroup itself cancels the searches still under way.
        try:
            await self._group.__aexit__(et, exc, tb)
        except BaseExceptionGroup as failures:
            # The block's own error (not the cancellation a failed search caused) wins.
            if exc is not None and not isinstance(exc, asyncio.CancelledError):
                raise exc from None
            raise failures.exceptions[0] from None  # the loop's own handlers take it
        if self._fatal:
            first = self._fatal[0]
            auth = isinstance(first, AuthError)
            raise SearchUnusable(first.provider or "search", str(first), auth=auth)

    def start(self, query: str) -> Search:
        """Start searching ``query`` now (it waits for a free slot and the gate)."""
        search = Search(query)
        search.task = self._group.create_task(self._one(search))
        self.started.append(search)
        return search

    def void(self, search: Search) -> None:
        """A search the final plan does not have: cancelled if still under way (its
        ``SearchFinished`` says so), its sources left out of the round's synthesis."""
        search.voided = True
        if search.task is not None and not search.task.done():
            search.task.cancel()

    def sources(self) -> list[SourceAdded]:
        """The round's sources, in id order, without those only voided searches found."""
        voided = {i for s in self.started if s.voided for i in s.ids}
        kept = {i for s in self.started if not s.voided for i in s.ids}
        ids = self._round_ids - (voided - kept)
        return [self.run.state.sources[i] for i in sorted(ids)]

    async def _one(self, search: Search) -> None:
        run, n, query, options = self.run, self.n, search.query, self.run.options
        filters = options.filters

        async def on_wait(delay: float, error: ProviderError, attempt: int) -> None:
            announce_wait(run.emit, "search", delay, error, attempt)

        async with self._slots:
            await run.gate.checkpoint(allow_stop=False)
            if self._fatal or search.voided:  # the provider is known to be unusable
                return
            run.emit(SearchStarted(round=n, query=query))
            started = time.monotonic()
            provider = getattr(run.providers.search, "name", "")
            # In flight until its events are recorded: a pause holds (and says so) only
            # once the search's results are on record.
            async with run.gate.in_flight():
                try:
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
                except asyncio.CancelledError:
                    if search.voided:  # on record as ended, so no search is left "running"
                        ms = int((time.monotonic() - started) * 1000)
                        run.emit(
                            SearchFinished(
                                round=n, query=query, ms=ms, error=VOIDED, provider=provider
                            )
                        )
                    raise
                except (AuthError, FatalProviderError) as exc:
                    self._fatal.append(exc)
                    _failed(run, n, query, started, exc, provider)
                    return
                except (ProviderError, QuotaExhausted) as exc:
                    _failed(run, n, query, started, exc, provider)
                    return
                self._record(search, hits, started)

    def _record(self, search: Search, hits: list, started: float) -> None:
        """A search's results on record: the filters enforced, its new sources, its end."""
        run, n, query = self.run, self.n, search.query
        # Enforced here, on every result, whatever the provider did with the filters.
        hits, dropped = admit_all(run.options.filters, hits)
        ids = run.sources.add(n, query, hits, self._round_ids)
        search.ids = ids
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


VOIDED = "cancelled: the reasoning call was retried and its new plan has no such search"
"""The error of a search cancelled because the plan that asked for it was voided (not a
failure of the provider: ``core.search_failures`` leaves searches outside the plan out)."""


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
