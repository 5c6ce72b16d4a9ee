"""The source book: every URL once per research, each with a stable number ([n] citations).

Ids are handed out here and nowhere else, so the report's citations, the mind map and the
research log all agree on what ``[3]`` is. The book is rebuilt from the saved sources when a
research resumes, so a resumed run never gives a known page a second number. Only web
pages (http/https) and our own local documents' file:/// references are admitted
(``core.ingest.UrlFence``); the first one turned away is reported as a warning.
"""

from __future__ import annotations

from collections.abc import Callable

from core import ingest
from core.events import Event, SourceAdded, WarningRaised
from core.search.base import SearchHit
from core.state import SessionState
from core.urls import normalise_url


class SourceBook:
    def __init__(self, state: SessionState, emit: Callable[[Event], Event]) -> None:
        self._state = state
        self._emit = emit
        self._known: dict[str, int] = {normalise_url(s.url): n for n, s in state.sources.items()}
        self._fence = ingest.UrlFence()

    def add(self, n: int, query: str, hits: list[SearchHit], round_ids: set[int]) -> list[int]:
        """Source ids for these hits of round ``n``; new sources are emitted as ``SourceAdded``.

        A URL seen in an earlier round is skipped; one that an interrupted attempt at this
        same round already saved counts for this round again (so a resumed round still
        synthesises it). A URL that cannot be parsed is skipped with a warning.
        """
        ids: list[int] = []
        for hit in hits:
            url = self._fence.admit(hit.url, local=hit.provider == "local")
            if url is None:  # javascript:, file:, data: ...: never a source
                if (message := self._fence.warning()) is not None:
                    self._emit(WarningRaised(message=message, kind="search", round=n))
                continue
            try:
                key = normalise_url(url)
            except ValueError:
                self._emit(
                    WarningRaised(
                        message=f"Skipped a result with a broken URL: {hit.url[:200]!r}",
                        kind="search",
                        round=n,
                    )
                )
                continue
            known = self._known.get(key)
            if known is not None:
                if self._state.sources[known].round == n and known not in round_ids:
                    round_ids.add(known)
                    ids.append(known)
                continue
            source_id = max(self._state.sources, default=0) + 1
            self._known[key] = source_id
            snippet = hit.content
            if hit.raw_content:
                snippet = f"{hit.content}\n\n{hit.raw_content}"
            self._emit(
                SourceAdded(
                    round=n,
                    source_id=source_id,
                    url=url,
                    title=" ".join(hit.title.split()) or url,
                    snippet=snippet,
                    query=query,
                    score=hit.score,
                    provider=hit.provider or None,
                )
            )
            round_ids.add(source_id)
            ids.append(source_id)
        return ids
