"""SearXNG, a self-hosted metasearch engine, through its JSON API (``GET /search?format=json``).

No key: the user runs (or trusts) the instance. Two failures are common and get their own
message: the JSON format is off by default (403; it must be listed under ``search.formats``
in ``settings.yml``), and the instance's limiter answers 429. ``httpx`` is imported lazily.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from core.errors import ProviderError, RateLimitError, TransientError
from core.search.base import SearchHit
from core.search.filters import SearchFilters

PROVIDER = "searxng"


def _retry_after(headers: Any) -> float | None:
    with contextlib.suppress(TypeError, ValueError):
        value = headers.get("retry-after")
        return max(0.0, float(value)) if value else None
    return None


class SearxngSearch:
    """``SearchProvider`` for a SearXNG instance at ``base_url``."""

    name = "searxng"

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 20.0,
        language: str = "",
        categories: str = "general",
    ) -> None:
        if not base_url:
            raise ProviderError(
                "No SearXNG URL. Set SEARXNG_URL or [searxng] base_url "
                "(e.g. http://localhost:8888).",
                provider=PROVIDER,
            )
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.language = language
        self.categories = categories
        self._client: Any = None

    @property
    def _where(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)

    def _get_client(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                timeout=self.timeout_s,
                headers={"Accept": "application/json"},
                follow_redirects=True,
            )
        return self._client

    async def search(
        self, query: str, *, max_results: int, filters: SearchFilters | None = None
    ) -> list[SearchHit]:
        import httpx

        params = {"q": query, "format": "json", "categories": self.categories}
        if self.language:
            params["language"] = self.language
        if filters is not None and (window := filters.window()):
            params["time_range"] = window  # SearXNG has no domain filter: ours applies
        try:
            response = await self._get_client().get(f"{self.base_url}/search", params=params)
        except httpx.ConnectError as exc:
            raise ProviderError(
                f"Cannot reach SearXNG at {self._where} ({exc}). Is the instance running "
                "and SEARXNG_URL right?",
                provider=PROVIDER,
            ) from exc
        except httpx.TimeoutException as exc:
            raise TransientError(f"SearXNG at {self._where} timed out.", provider=PROVIDER) from exc
        except httpx.TransportError as exc:
            raise TransientError(
                f"SearXNG at {self._where}: connection failed ({type(exc).__name__}).",
                provider=PROVIDER,
            ) from exc
        self._raise_for_status(response)
        try:
            payload = response.json()
        except ValueError as exc:
            raise ProviderError(
                f"SearXNG at {self._where} did not answer JSON (is format=json enabled?).",
                provider=PROVIDER,
            ) from exc
        return self._hits(payload, max(1, int(max_results)))

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(Exception):  # closing must never mask a run's outcome
                await client.aclose()

    # ------------------------------------------------------------------ helpers
    def _raise_for_status(self, response: Any) -> None:
        code = response.status_code
        if code == 200:
            return
        if code == 429:
            delay = _retry_after(response.headers)
            raise RateLimitError(
                f"SearXNG at {self._where} is rate-limiting us (its limiter answered 429).",
                provider=PROVIDER,
                retry_after_s=delay,
            )
        if code == 403:
            raise ProviderError(
                f"SearXNG at {self._where} refused format=json (403). Add `json` under "
                "search.formats in the instance's settings.yml and restart it.",
                provider=PROVIDER,
            )
        if code >= 500 or code == 408:
            raise TransientError(f"SearXNG at {self._where} error {code}.", provider=PROVIDER)
        raise ProviderError(f"SearXNG at {self._where} error {code}.", provider=PROVIDER)

    @staticmethod
    def _hits(payload: Any, limit: int) -> list[SearchHit]:
        results = payload.get("results") if isinstance(payload, dict) else None
        hits: list[SearchHit] = []
        for item in results or []:
            if not isinstance(item, dict):
                continue
            url = str(item.get("url") or "")
            if not url.startswith(("http://", "https://")):
                continue
            try:
                score = float(item.get("score") or 0.0)
            except (TypeError, ValueError):
                score = 0.0
            hits.append(
                SearchHit(
                    title=str(item.get("title") or url),
                    url=url,
                    content=str(item.get("content") or ""),
                    score=score,
                    provider=PROVIDER,
                    published=str(item.get("publishedDate") or "")[:64],
                )
            )
            if len(hits) >= limit:
                break
        return hits
