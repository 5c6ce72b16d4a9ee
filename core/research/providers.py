"""Building the model, the search and the mind map store from the config, each on first use.

Lazy because the SDKs are slow to import (google-genai alone takes about a second) and a
research that fails early, or a test that injects its own fakes, should not pay for them.
"""

from __future__ import annotations

import contextlib

from core.config import Config
from core.llm.base import LLMProvider
from core.mindmap.base import MindMapStore
from core.search.base import SearchProvider


def build_llm(config: Config) -> LLMProvider:
    from core.llm.gemini import GeminiProvider

    gemini = config.gemini
    return GeminiProvider(gemini.api_key, gemini.model, base_url=gemini.base_url)


def build_search(config: Config) -> SearchProvider:
    from core.search.tavily import TavilySearch

    tavily = config.tavily
    return TavilySearch(
        tavily.api_key,
        base_url=tavily.base_url,
        search_depth=tavily.search_depth,
        include_raw_content=tavily.include_raw_content,
        raw_content_chars=tavily.raw_content_chars,
        timeout_s=tavily.timeout_s,
    )


def open_store(config: Config) -> tuple[MindMapStore, list[str]]:
    """The configured store and any warnings (e.g. "Neo4j down, using the embedded one")."""
    from core.mindmap import factory

    return factory.open_store(config)


class Providers:
    """The research's model and search, given (tests, the TUI) or built from the config."""

    def __init__(
        self, config: Config, llm: LLMProvider | None = None, search: SearchProvider | None = None
    ) -> None:
        self.config = config
        self._llm = llm
        self._search = search

    @property
    def llm(self) -> LLMProvider:
        if self._llm is None:
            self._llm = build_llm(self.config)
        return self._llm

    @property
    def search(self) -> SearchProvider:
        if self._search is None:
            self._search = build_search(self.config)
        return self._search

    @property
    def ready(self) -> bool:
        """Both clients are built (so the first round pays no set-up)."""
        return self._llm is not None and self._search is not None

    def prepare(self) -> None:
        """Build both clients now. Meant for a worker thread while the mind map opens, so
        the SDK imports and client set-up (a second or two for google-genai) happen before
        the first round and off the engine's loop. A client that cannot be built (no key)
        is left for its first use, which raises in the phase that needs it, as before."""
        with contextlib.suppress(Exception):
            _ = self.llm
        with contextlib.suppress(Exception):
            _ = self.search

    async def aclose(self) -> None:
        for provider in (self._llm, self._search):
            if provider is not None:
                with contextlib.suppress(Exception):  # closing must never mask the outcome
                    await provider.aclose()
