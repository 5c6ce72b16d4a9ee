"""How a research ends early: raised by a phase, caught once by the loop (``engine.py``).

Exceptions, not return codes, because the cause sits deep inside a phase (a search task, a
retried LLM call) and every step between it and the loop would otherwise have to pass it on.
"""

from __future__ import annotations


class Stopped(Exception):
    """The user asked to stop; go straight to the (partial) report."""


class Paused(Exception):
    """A daily quota is spent; save and pause the session."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Failed(Exception):
    """The research cannot go on (bad key, model unavailable, no usable answer)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class SearchUnusable(Exception):
    """The search provider can never answer (rejected key, spent plan, refused connection):
    stop searching and write the report from what was gathered, naming the provider."""

    def __init__(self, provider: str, reason: str, *, auth: bool = False) -> None:
        super().__init__(reason)
        self.provider = provider
        self.reason = reason
        self.auth = auth
