"""Keyless web search through the ``ddgs`` metasearch package (DuckDuckGo, Bing, …).

``ddgs`` is synchronous (it fans out to engines in threads), so each search runs in a worker
thread. It reports a rate limit mostly as "No results found" (the engines answer 202/403
instead of results), which we return as an empty list: the search chain then falls back to
the next provider with a warning instead of the research silently finding nothing.
``ddgs`` is imported lazily (it pulls in lxml and a native HTTP client).
"""

from __future__ import annotations

import asyncio
from typing import Any

from core.errors import ProviderError, RateLimitError, TransientError
from core.search.base import SearchHit
from core.search.filters import SearchFilters

PROVIDER = "ddgs"


class DdgsSearch:
    """``SearchProvider`` over ``ddgs.DDGS().text``. ``backend`` as ddgs takes it."""

    name = "ddgs"

    def __init__(
        self,
        *,
        backend: str = "auto",
        region: str = "us-en",
        safesearch: str = "moderate",
        timeout_s: float = 10.0,
        proxy: str | None = None,
    ) -> None:
        self.backend = backend
        self.region = region
        self.safesearch = safesearch
        self.timeout_s = timeout_s
        self.proxy = proxy or None

    async def search(
        self, query: str, *, max_results: int, filters: SearchFilters | None = None
    ) -> list[SearchHit]:
        timelimit = filters.ddgs_timelimit() if filters is not None else None
        return await asyncio.to_thread(
            self._search_sync, query, max(1, int(max_results)), timelimit
        )

    async def aclose(self) -> None:
        """Nothing held open: each search builds its own short-lived client."""

    def _search_sync(
        self, query: str, max_results: int, timelimit: str | None = None
    ) -> list[SearchHit]:
        from ddgs import DDGS
        from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

        try:
            results = DDGS(proxy=self.proxy, timeout=int(max(1, self.timeout_s))).text(
                query,
                region=self.region,
                safesearch=self.safesearch,
                max_results=max_results,
                backend=self.backend,
                timelimit=timelimit,  # ddgs has no domain filter: ours applies
            )
        except RatelimitException as exc:
            raise RateLimitError(f"ddgs is rate-limited: {exc}", provider=PROVIDER) from exc
        except TimeoutException as exc:
            raise TransientError(f"ddgs timed out: {exc}", provider=PROVIDER) from exc
        except DDGSException as exc:
            text = str(exc)
            if "no results found" in text.lower():
                return []
            raise TransientError(f"ddgs search failed: {text[:300]}", provider=PROVIDER) from exc
        except Exception as exc:
            raise ProviderError(
                f"ddgs search failed ({type(exc).__name__}: {exc})", provider=PROVIDER
            ) from exc
        return _hits(results, max_results)


def _hits(results: Any, limit: int) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for item in results or []:
        if not isinstance(item, dict):
            continue
        url = str(item.get("href") or item.get("url") or "")
        if not url.startswith(("http://", "https://")):
            continue
        hits.append(
            SearchHit(
                title=str(item.get("title") or url),
                url=url,
                content=str(item.get("body") or ""),
                score=max(0.0, 1.0 - 0.05 * len(hits)),  # ddgs ranks, but gives no score
                provider=PROVIDER,
                published=str(item.get("date") or "")[:64],
            )
        )
        if len(hits) >= limit:
            break
    return hits
