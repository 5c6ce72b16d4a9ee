"""Errors the providers raise, already classified, so the engine decides without SDK types.

Each provider (Gemini, Tavily, ...) translates its SDK's exceptions into these. The retry
code in ``core.ratelimit`` and the engine only ever look at these classes.
"""

from __future__ import annotations

import re

from core.ingest import MESSAGE_CHARS, clean_text


class ProviderError(Exception):
    """Something a provider could not do. ``provider`` names it for messages."""

    def __init__(self, message: str, *, provider: str = "") -> None:
        # Error texts quote server bodies: outside text, cleaned like any other (ingest).
        message = clean_text(message, MESSAGE_CHARS)
        super().__init__(message)
        self.provider = provider
        self.message = message

    def redact(self, *secrets: str, pattern: re.Pattern[str] | None = None) -> ProviderError:
        """Remove API keys (and anything ``pattern`` matches) from the message; returns self.

        SDK error texts sometimes echo request details; ours must never carry a key.
        """
        text = self.message
        for secret in secrets:
            if secret:
                text = text.replace(secret, "[redacted]")
        if pattern is not None:
            text = pattern.sub("[redacted]", text)
        self.message = text
        self.args = (text,)
        return self


class AuthError(ProviderError):
    """Bad or missing API key: retrying will not help."""


class FatalProviderError(ProviderError):
    """Retrying can never help: a spent plan (Tavily 432/433), a forbidden key (403), a
    refused connection (nothing listens at the configured address). The research stops
    using the provider at once and the message says which one failed and how to fix it."""


class TransientError(ProviderError):
    """A 5xx, a timeout or a dropped connection: worth retrying with backoff."""

    def __init__(
        self, message: str, *, provider: str = "", retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, provider=provider)
        self.retry_after_s = retry_after_s


class BadOutputError(TransientError):
    """The model answered, but with nothing usable (empty, blocked, cut-off JSON).

    Often a one-off, so it is retried like a transient error; if it persists, the engine
    skips what it could not get (a synthesis) instead of failing the whole research.
    """


class RateLimitError(ProviderError):
    """A 429. ``retry_after_s`` is the server's own delay when it gave one.

    ``daily`` means a per-day quota is spent: waiting seconds will not help, so the session
    pauses. ``unavailable`` means the quota is zero ("limit: 0"): the model is not on this
    key's tier at all, so the research stops with that message.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        retry_after_s: float | None = None,
        daily: bool = False,
        unavailable: bool = False,
    ) -> None:
        super().__init__(message, provider=provider)
        self.retry_after_s = retry_after_s
        self.daily = daily
        self.unavailable = unavailable


class QuotaExhausted(ProviderError):
    """Raised by the retry layer when a daily quota stops the work: the session pauses."""

    def __init__(self, message: str, *, provider: str = "") -> None:
        super().__init__(message, provider=provider)


class ConfigError(Exception):
    """Configuration is missing or broken. The message names the file or env var to fix."""
