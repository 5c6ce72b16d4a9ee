"""Tavily web search through tavily-python's async client.

tavily-python silently switches to a rate-limited "keyless" mode when no key is given, so
we refuse to run without one. Snippets by default; raw page text only when configured,
then cut to ``raw_content_chars`` so one page cannot flood a prompt. ``tavily`` is imported
lazily to keep start-up fast.
"""

from __future__ import annotations

import contextlib
from typing import Any

from core import ingest
from core.errors import (
    AuthError,
    FatalProviderError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from core.search.base import SearchHit
from core.search.filters import SearchFilters

PROVIDER = "tavily"


class TavilySearch:
    """``SearchProvider`` for Tavily. ``base_url`` points the client at a proxy or the fake."""

    name = "tavily"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = "",
        search_depth: str = "basic",
        include_raw_content: bool = False,
        raw_content_chars: int = 3000,
        timeout_s: float = 30,
    ) -> None:
        self._key = api_key or ""
        self.base_url = base_url
        self.search_depth = search_depth
        self.include_raw_content = include_raw_content
        self.raw_content_chars = raw_content_chars
        self.timeout_s = timeout_s
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            from tavily import AsyncTavilyClient

            self._client = AsyncTavilyClient(api_key=self._key, api_base_url=self.base_url or None)
        return self._client

    def warm(self) -> None:
        """Import tavily and build its client now (a third of a second, with its HTTP
        client's TLS set-up), on ``Providers.prepare``'s worker thread rather than inside
        the first search on the engine's loop."""
        if self._key:
            with contextlib.suppress(Exception):  # the first search reports what is wrong
                self._get_client()

    async def search(
        self, query: str, *, max_results: int, filters: SearchFilters | None = None
    ) -> list[SearchHit]:
        if not self._key:
            raise AuthError(
                "No Tavily API key. Set TAVILY_API_KEY or [tavily] api_key in the config.",
                provider=PROVIDER,
            )
        client = self._get_client()
        try:
            response = await client.search(
                query,
                search_depth=self.search_depth,
                max_results=max(1, min(int(max_results), 20)),
                include_raw_content="text" if self.include_raw_content else False,
                timeout=self.timeout_s,
                **(filters.tavily_params() if filters is not None else {}),
            )
        except Exception as exc:
            raise self._translate(exc) from exc
        return self._hits(response)

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(Exception):  # closing must never mask a run's outcome
                await client.close()

    # ------------------------------------------------------------------ helpers
    def _hits(self, response: Any) -> list[SearchHit]:
        hits: list[SearchHit] = []
        results = response.get("results") if isinstance(response, dict) else None
        # The door for web text: every field is cleaned of control sequences and bounded
        # here, before anything stores or shows it (core/ingest.py). Which URLs may become
        # sources is decided where sources are made, for every provider alike.
        for item in results if isinstance(results, list) else []:
            if not isinstance(item, dict):
                continue
            url = ingest.clean_url(item.get("url"))
            if not url:
                continue
            raw = None
            if self.include_raw_content and isinstance(item.get("raw_content"), str):
                raw = ingest.clean_text(item["raw_content"], max(0, self.raw_content_chars))
            hits.append(
                SearchHit(
                    title=ingest.clean_line(item.get("title")) or url,
                    url=url,
                    content=ingest.clean_text(item.get("content") or "", ingest.SNIPPET_CHARS),
                    score=_score(item.get("score")),
                    raw_content=raw,
                    provider=PROVIDER,
                    published=ingest.clean_line(item.get("published_date") or "")[:64],
                )
            )
        return hits

    def _translate(self, exc: Exception) -> ProviderError:
        return self._classify(exc).redact(self._key)

    def _classify(self, exc: Exception) -> ProviderError:
        import httpx
        from tavily import errors as terr

        detail = str(exc) or type(exc).__name__
        if isinstance(exc, ProviderError):
            return exc
        if isinstance(exc, terr.InvalidAPIKeyError | terr.MissingAPIKeyError):
            return AuthError(
                f"Tavily rejected the API key: {detail} Check TAVILY_API_KEY or the config.",
                provider=PROVIDER,
            )
        if isinstance(exc, terr.UsageLimitExceededError):
            return RateLimitError(f"Tavily rate limit: {detail}", provider=PROVIDER)
        if isinstance(exc, terr.ForbiddenError):
            return FatalProviderError(_forbidden_message(detail), provider=PROVIDER)
        if isinstance(exc, terr.BadRequestError):
            return ProviderError(f"Tavily rejected the query: {detail}", provider=PROVIDER)
        if isinstance(exc, terr.TimeoutError):
            return TransientError(f"Tavily timed out: {detail}", provider=PROVIDER)
        if isinstance(exc, httpx.HTTPStatusError):
            code = exc.response.status_code
            text = f"Tavily error {code}"
            if code >= 500 or code == 408:
                return TransientError(f"{text} (server side; will retry)", provider=PROVIDER)
            return ProviderError(text, provider=PROVIDER)
        if _refused(exc):
            where = self.base_url or "api.tavily.com"
            return FatalProviderError(
                f"Tavily: connection refused at {where} — nothing is listening there; check "
                "[tavily] base_url (or TAVILY_BASE_URL) and that the server is up.",
                provider=PROVIDER,
            )
        if isinstance(exc, httpx.TransportError | httpx.TimeoutException):
            return TransientError(
                f"Tavily connection failed ({type(exc).__name__}: {detail})", provider=PROVIDER
            )
        return ProviderError(
            f"Tavily search failed ({type(exc).__name__}: {detail})", provider=PROVIDER
        )


def _forbidden_message(detail: str) -> str:
    """tavily-python raises one ForbiddenError for 403, 432 and 433; its body says which."""
    lowered = detail.lower()
    if "pay-as-you-go" in lowered:
        what = "pay-as-you-go limit reached (433) — raise the limit on the Tavily dashboard"
    elif "plan" in lowered or "usage limit" in lowered or "credit" in lowered:
        what = (
            "plan limit reached (432) — the plan's credits are spent; upgrade the plan or "
            "wait for the monthly reset (app.tavily.com)"
        )
    else:
        what = "access forbidden (403) — this key may not use the search endpoint"
    return f"Tavily: {what}. Server said: {detail}"


def _refused(exc: BaseException) -> bool:
    """A refused connection somewhere in the cause chain (httpx hides it behind "All
    connection attempts failed"): the port is closed, so a retry would be refused too."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return True
        current = current.__cause__ or current.__context__
    return False


def _score(value: object) -> float:
    """A finite relevance score (0.0 for anything else: text, NaN, an overflow)."""
    try:
        score = float(value or 0.0)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return 0.0
    return score if score == score and abs(score) != float("inf") else 0.0
