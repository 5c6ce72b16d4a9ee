"""Client-side pacing and retries for provider calls.

Providers never retry on their own: retrying here lets the engine show each wait as a
countdown (``on_wait``) and lets us honour the server's own delay (Gemini's
``RetryInfo.retryDelay``), which the SDK's built-in retry ignores. A spent daily quota
becomes ``QuotaExhausted`` so the session pauses instead of spinning.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.errors import (
    AuthError,
    BadOutputError,
    ProviderError,
    QuotaExhausted,
    RateLimitError,
    TransientError,
)
from core.events import RateLimited

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[object]]
OnWait = Callable[[float, ProviderError, int], Awaitable[None] | None]

WINDOW_S = 60.0


class RateLimiter:
    """At most ``rpm`` acquisitions in any sliding 60-second window; ``rpm <= 0`` disables.

    Staying under the free tier's requests-per-minute avoids most 429s in the first place.
    """

    def __init__(
        self,
        rpm: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rpm = rpm
        self._clock = clock
        self._sleep = sleep
        self._stamps: deque[float] = deque()
        self._lock: asyncio.Lock | None = None

    def _prune(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - WINDOW_S:
            self._stamps.popleft()

    def wait_needed(self) -> float:
        """Seconds the next ``acquire`` would wait right now (0 when a slot is free)."""
        if self.rpm <= 0:
            return 0.0
        now = self._clock()
        self._prune(now)
        if len(self._stamps) < self.rpm:
            return 0.0
        return max(0.0, self._stamps[0] + WINDOW_S - now)

    async def acquire(self) -> float:
        """Wait for a free slot and take it; returns the seconds waited."""
        if self.rpm <= 0:
            return 0.0
        if self._lock is None:
            # Created lazily so the limiter binds to the loop that first uses it.
            self._lock = asyncio.Lock()
        waited = 0.0
        async with self._lock:
            now = self._clock()
            self._prune(now)
            while len(self._stamps) >= self.rpm:
                delay = max(0.0, self._stamps[0] + WINDOW_S - now)
                if delay > 0:
                    await self._sleep(delay)
                    waited += delay
                # We slept until the oldest stamp left the window, even if a fake or
                # coarse clock has not caught up.
                self._stamps.popleft()
                now = max(self._clock(), now + delay)
                self._prune(now)
            self._stamps.append(now)
        return waited


def backoff_delay(attempt: int, base_delay_s: float, max_delay_s: float) -> float:
    """Exponential backoff with full jitter (AWS style): uniform(0, min(cap, base*2^n))."""
    ceiling = min(max_delay_s, base_delay_s * (2 ** max(0, attempt - 1)))
    return random.uniform(0, ceiling)


def _server_delay_with_jitter(seconds: float) -> float:
    """The server's delay plus a little jitter so parallel callers do not retry in step."""
    return seconds + random.uniform(0, min(1.0, 0.1 * seconds))


async def call_with_retries(
    fn: Callable[[], Awaitable[T]],
    *,
    max_retries: int = 5,
    base_delay_s: float = 1.0,
    max_delay_s: float = 60.0,
    max_wait_s: float = 300.0,
    on_wait: OnWait | None = None,
    sleep: Sleep = asyncio.sleep,
    limiter: RateLimiter | None = None,
) -> T:
    """Call ``fn`` until it succeeds, retrying rate limits and transient failures.

    - RateLimitError: wait the server's ``retry_after_s`` (+ jitter), else backoff.
      ``daily`` or a delay longer than ``max_wait_s`` -> ``QuotaExhausted``;
      ``unavailable`` (quota is zero) -> re-raised.
    - TransientError: backoff, or its ``retry_after_s`` when given.
    - AuthError and any other ProviderError: re-raised at once.
    After ``max_retries`` retries the last error is re-raised. ``on_wait(delay, error,
    attempt)`` runs before every wait (attempt counts from 1).
    """
    attempt = 0
    while True:
        if limiter is not None:
            await limiter.acquire()
        try:
            return await fn()
        except (QuotaExhausted, AuthError):
            raise
        except RateLimitError as err:
            if err.unavailable:
                raise
            if err.daily:
                raise QuotaExhausted(
                    f"{err.message.rstrip('.')}. The research is paused; "
                    "resume it later or switch model.",
                    provider=err.provider,
                ) from err
            if err.retry_after_s is not None and err.retry_after_s > max_wait_s:
                raise QuotaExhausted(
                    f"The server asks to wait {err.retry_after_s:.0f}s, longer than "
                    f"{max_wait_s:.0f}s. The research is paused; resume it later.",
                    provider=err.provider,
                ) from err
            error: ProviderError = err
            if err.retry_after_s is not None:
                delay = _server_delay_with_jitter(max(0.0, err.retry_after_s))
            else:
                delay = backoff_delay(attempt + 1, base_delay_s, max_delay_s)
        except TransientError as err:
            error = err
            if err.retry_after_s is not None:
                delay = _server_delay_with_jitter(max(0.0, min(err.retry_after_s, max_wait_s)))
            else:
                delay = backoff_delay(attempt + 1, base_delay_s, max_delay_s)
        if attempt >= max_retries:
            raise error
        attempt += 1
        if on_wait is not None:
            result = on_wait(delay, error, attempt)
            if inspect.isawaitable(result):
                await result
        await sleep(delay)


def wait_cause(error: ProviderError) -> str:
    """What a retry waits out, for labels: only a 429 is "rate limited"."""
    if isinstance(error, RateLimitError):
        return "rate limited"
    if isinstance(error, BadOutputError):
        return "unusable answer"
    return _cause_from_text(error.message) or (
        "server error" if isinstance(error, TransientError) else "failed"
    )


def _cause_from_text(text: str) -> str:
    lowered = text.lower()
    if "timed out" in lowered or "timeout" in lowered:
        return "timed out"
    if "connection" in lowered:
        return "connection failed"
    if "429" in lowered or "rate limit" in lowered or "quota" in lowered:
        return "rate limited"
    if "unavailable" in lowered or "server side" in lowered or re.search(r"\b5\d\d\b", text):
        return "server error"
    return ""


def wait_label(event: RateLimited) -> str:
    """The words a wait is shown with: "server error: retrying in 4s", not "rate limited"."""
    if event.scope == "rpm":
        return "pacing (gemini.rpm)"
    return event.cause or _cause_from_text(event.message) or "rate limited"
