"""The research's model, search and mind map store, each built from the config on first use.

Which classes a configuration means is ``core.providers``' decision (one ``build_llm`` and
one ``build_search`` for the engine, ``run``, the app and ``doctor``); this module only
makes the building lazy. Lazy because the SDKs are slow to import (google-genai alone takes
about a second) and a research that fails early, or a test that injects its own fakes,
should not pay for them.
"""

from __future__ import annotations

import contextlib

from core.config import Config
from core.llm.base import LLMProvider
from core.mindmap.base import MindMapStore
from core.providers import build_llm, build_search
from core.search.base import SearchProvider
from core.search.chain import OnWarning


def open_store(config: Config) -> tuple[MindMapStore, list[str]]:
    """The configured store and any warnings (e.g. "Neo4j down, using the embedded one")."""
    from core.mindmap import factory

    return factory.open_store(config)


def warm_up(provider: object) -> None:
    """Whatever a provider can do ahead of its first call (``warm``: SDK imports, client
    and TLS set-up, lazy model completion), and each provider of a search chain."""
    for each in (provider, *getattr(provider, "providers", ())):
        warm = getattr(each, "warm", None)
        if callable(warm):
            with contextlib.suppress(Exception):  # never worse than building it lazily
                warm()


class Providers:
    """The research's model and search, given (tests, the TUI) or built from the config."""

    def __init__(
        self,
        config: Config,
        llm: LLMProvider | None = None,
        search: SearchProvider | None = None,
        *,
        on_search_warning: OnWarning | None = None,
    ) -> None:
        self.config = config
        self._llm = llm
        self._search = search
        self.on_search_warning = on_search_warning
        """Receives a search chain's fallback warnings ("ddgs is rate-limited, using …")."""

    @property
    def llm(self) -> LLMProvider:
        if self._llm is None:
            self._llm = build_llm(self.config)
        return self._llm

    @property
    def built_llm(self) -> LLMProvider | None:
        """The model if it is built or was given (never builds it)."""
        return self._llm

    @property
    def search(self) -> SearchProvider:
        if self._search is None:
            self._search = build_search(self.config, on_warning=self.on_search_warning)
        return self._search

    @property
    def ready(self) -> bool:
        """Both clients are built (so the first round pays no set-up)."""
        return self._llm is not None and self._search is not None

    def prepare(self) -> None:
        """Build both clients now, and warm them (``warm_up``). Meant for a worker thread
        while the mind map opens, so the SDK imports and client set-up (a second or two for
        google-genai, a third of one for tavily) happen before the first round and off the
        engine's loop. A client that cannot be built (no key)
        is left for its first use, which raises in the phase that needs it, as before."""
        with contextlib.suppress(Exception):
            _ = self.llm
        with contextlib.suppress(Exception):
            _ = self.search
        for provider in (self._llm, self._search):
            warm_up(provider)

    async def aclose(self) -> None:
        for provider in (self._llm, self._search):
            if provider is not None:
                with contextlib.suppress(Exception):  # closing must never mask the outcome
                    await provider.aclose()
