"""The search provider protocol and the result shape every provider returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    content: str
    """The snippet. Untrusted web text: it is data, never instructions."""
    score: float = 0.0
    raw_content: str | None = None
    """Only when raw content is configured, and then already truncated."""
    provider: str = ""
    """Which search provider found it (``tavily``, ``ddgs``, ``searxng``, ``local``)."""
    published: str = ""
    """The publication date the provider gave (ISO 8601 or RFC 2822), "" when none: what
    the recency filter checks (``core.search.filters``)."""


@runtime_checkable
class SearchProvider(Protocol):
    name: str

    async def search(self, query: str, *, max_results: int) -> list[SearchHit]:
        """One search. Raises ``core.errors`` classes (AuthError, RateLimitError, ...).

        Providers that can filter also take ``filters: SearchFilters`` (a keyword); the
        engine passes it only when a research has filters, and checks every result itself
        anyway (``core.search.filters``), so a provider without it stays valid."""
        ...

    async def aclose(self) -> None: ...
