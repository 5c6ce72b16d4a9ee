"""Several search providers in the user's order, each standing in when the one before fails.

Keyless search engines rate-limit without warning and often answer "no results" when they
do. The chain turns that into a visible, bounded event instead of a research that silently
finds nothing:

- a provider that is rate-limited, failing or empty for a query hands the query to the next
  one, with one warning per episode (not one per query);
- a rate-limited or failing provider is *rested*: skipped until its rest ends, the server's
  ``Retry-After`` when it gave one, else exponential backoff. A rejected key rests it for the
  longest rest. A success ends the episode;
- each hit says which provider found it;
- each provider has its own bound on searches at once (``limits``, from the
  ``<provider>.concurrency`` settings): a keyless engine that rate-limits bursts gets two
  while a paid API gets four, whatever the research's own ``research.concurrency``.

When nothing could answer, the chain raises: a ``RateLimitError`` carrying the shortest rest
left when every provider is resting (so the retry layer waits exactly that long), else the
last provider's error. All providers empty is an answer: ``[]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from core.errors import AuthError, ProviderError, RateLimitError
from core.search.base import SearchHit, SearchProvider
from core.search.filters import SearchFilters, search_kwargs

OnWarning = Callable[[str], Awaitable[None] | None]


@dataclass
class _Health:
    failures: int = 0
    rested_until: float = 0.0
    warned: set[str] = field(default_factory=set)
    error: ProviderError | None = None
    """What started the current rest."""


class SearchChain:
    """A ``SearchProvider`` over ``providers``, tried in order."""

    name = "chain"

    def __init__(
        self,
        providers: Sequence[SearchProvider],
        *,
        on_warning: OnWarning | None = None,
        base_rest_s: float = 30.0,
        max_rest_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        if not providers:
            raise ValueError("a search chain needs at least one provider")
        self.providers = list(providers)
        self.limits: dict[str, int] = (
            {}
            if limits is None
            else {p.name: max(1, limits[p.name]) for p in self.providers if p.name in limits}
        )
        """Searches at once per provider; one ``limits`` leaves out is not bounded here
        (the research's own ``research.concurrency`` still is)."""
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        self.on_warning = on_warning
        self.base_rest_s = base_rest_s
        self.max_rest_s = max_rest_s
        self._clock = clock
        self._health = {p.name: _Health() for p in self.providers}

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.providers]

    def resting(self) -> dict[str, float]:
        """Seconds of rest left per resting provider (for the status bar and ``doctor``)."""
        now = self._clock()
        return {
            name: h.rested_until - now for name, h in self._health.items() if h.rested_until > now
        }

    async def search(
        self, query: str, *, max_results: int, filters: SearchFilters | None = None
    ) -> list[SearchHit]:
        any_empty = False
        all_auth = True
        last_error: ProviderError | None = None
        waits: list[float] = []
        for index, provider in enumerate(self.providers):
            health = self._health[provider.name]
            now = self._clock()
            # Alone, a provider is never skipped: the retry layer paces it instead.
            if health.rested_until > now and len(self.providers) > 1:
                waits.append(health.rested_until - now)
                all_auth = all_auth and isinstance(health.error, AuthError)
                last_error = health.error or last_error
                continue
            following = self._next_name(index)
            try:
                async with self._slot(provider.name):
                    hits = await provider.search(
                        query, max_results=max_results, **search_kwargs(filters)
                    )
            except AuthError as err:
                last_error = err
                rest = self._rest(health, self.max_rest_s, err)
                waits.append(rest)
                await self._warn(health, "auth", f"{provider.name}: {err.message} {following}")
                continue
            except RateLimitError as err:
                all_auth = False
                last_error = err
                rest = self._rest(health, err.retry_after_s, err)
                waits.append(rest)
                await self._warn(
                    health,
                    "rate",
                    f"{provider.name} is rate-limited; resting it {rest:.0f}s. {following}",
                )
                continue
            except ProviderError as err:
                all_auth = False
                last_error = err
                rest = self._rest(health, None, err)
                waits.append(rest)
                await self._warn(
                    health,
                    "fail",
                    f"{provider.name} failed ({err.message}); resting it {rest:.0f}s. {following}",
                )
                continue
            if not hits:
                any_empty = True
                await self._warn(
                    health, "empty", f"{provider.name} found nothing for {query!r}. {following}"
                )
                continue
            health.failures = 0
            health.error = None
            health.warned.clear()
            return [
                hit if hit.provider else dataclasses.replace(hit, provider=provider.name)
                for hit in hits
            ]
        if any_empty:
            return []
        if last_error is not None and (len(self.providers) == 1 or all_auth):
            raise last_error
        wait = min(waits) if waits else None
        raise RateLimitError(
            "Every search provider is resting or failing ("
            + ", ".join(self.names)
            + ")"
            + (f"; the first is free again in {wait:.0f}s." if wait is not None else "."),
            provider="search",
            retry_after_s=wait,
        ) from last_error

    async def aclose(self) -> None:
        for provider in self.providers:
            with contextlib.suppress(Exception):  # closing must never mask a run's outcome
                await provider.aclose()

    # ------------------------------------------------------------------ helpers
    def _slot(self, name: str) -> contextlib.AbstractAsyncContextManager[object]:
        """The provider's semaphore (made for the running loop: an app may run researches
        on more than one loop over its life, and a semaphore belongs to one)."""
        limit = self.limits.get(name)
        if limit is None:
            return contextlib.nullcontext()
        loop = asyncio.get_running_loop()
        if loop is not self._slots_loop:
            self._slots_loop, self._slots = loop, {}
        slot = self._slots.get(name)
        if slot is None:
            slot = self._slots[name] = asyncio.Semaphore(limit)
        return slot

    def _next_name(self, index: int) -> str:
        now = self._clock()
        for provider in self.providers[index + 1 :]:
            if self._health[provider.name].rested_until <= now:
                return f"Trying {provider.name}."
        return "No other search provider is available."

    def _rest(self, health: _Health, seconds: float | None, error: ProviderError) -> float:
        health.failures += 1
        health.error = error
        if seconds is None:
            seconds = self.base_rest_s * (2 ** (health.failures - 1))
        seconds = max(0.0, min(self.max_rest_s, seconds))
        health.rested_until = self._clock() + seconds
        return seconds

    async def _warn(self, health: _Health, kind: str, message: str) -> None:
        if kind in health.warned:
            return
        health.warned.add(kind)
        if self.on_warning is not None:
            result = self.on_warning(message)
            if inspect.isawaitable(result):
                await result
