"""One LLM call: the client-side rate limit, retries shown as countdowns, accounting, and
the mapping of provider errors onto how the research ends (``core.research.outcomes``).

Kept in one place because every phase that talks to the model (reasoning, synthesis,
report) must treat a 429, a spent quota or a rejected key the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.config import GeminiConfig
from core.cost.prices import PriceTable
from core.errors import AuthError, BadOutputError, ProviderError, QuotaExhausted, RateLimitError
from core.events import Event, LLMCallFinished, RateLimited, StreamRestarted, WarningRaised
from core.ratelimit import RateLimiter, call_with_retries, wait_cause
from core.research.outcomes import Failed, Paused

T = TypeVar("T")
Emit = Callable[[Event], Event]


def announce_wait(emit: Emit, scope: str, delay: float, error: ProviderError, attempt: int) -> None:
    """A retry is about to wait ``delay`` seconds: say so (the UI counts it down)."""
    emit(
        RateLimited(
            retry_in_s=round(delay, 2),
            scope=scope,
            message=str(error)[:300],
            attempt=attempt,
            cause=wait_cause(error),
        )
    )


class LLMCall:
    """Calls the model through the shared ``limiter`` and emits what each call cost."""

    def __init__(
        self,
        settings: GeminiConfig,
        limiter: RateLimiter,
        emit: Emit,
        prices: PriceTable | None = None,
        priced_as: str = "",
    ) -> None:
        self.settings = settings
        self.limiter = limiter
        self.emit = emit
        self.prices = prices or PriceTable.defaults()
        """Each call's cost is recorded in its event at these prices (``core.cost``)."""
        self.priced_as = priced_as or settings.model

    async def __call__(
        self,
        round_number: int,
        purpose: str,
        call: Callable[[], Awaitable[T]],
        *,
        reset: Callable[[], None] | None = None,
    ) -> T:
        """``call`` with retries; raises ``Paused`` or ``Failed`` when the research cannot go on.

        ``reset`` is for streamed calls: before a retry it restarts whatever consumes the
        stream, and a ``StreamRestarted`` event voids the text the failed attempt showed.
        """
        emit, model = self.emit, self.settings.model

        async def on_wait(delay: float, error: ProviderError, attempt: int) -> None:
            if reset is not None:
                reset()
                emit(StreamRestarted(round=round_number, purpose=purpose))
            announce_wait(emit, "llm", delay, error, attempt)

        pending = self.limiter.wait_needed()
        if pending >= 1.0:  # the client-side per-minute budget: show it as a countdown too
            emit(
                RateLimited(
                    retry_in_s=round(pending, 2),
                    scope="rpm",
                    message=f"waiting for the client-side limit of {self.settings.rpm} "
                    "requests per minute (gemini.rpm)",
                )
            )
        try:
            response = await call_with_retries(
                call, max_retries=self.settings.max_retries, on_wait=on_wait, limiter=self.limiter
            )
        except QuotaExhausted as exc:
            raise Paused(str(exc)) from exc  # it names Gemini and the quota already
        except RateLimitError as exc:
            if exc.unavailable:
                raise Failed(
                    "model_unavailable",
                    f"The model {model!r} is not available on this API "
                    f"key's tier (quota limit 0). Choose another model "
                    f"(`deepresearch-tui config set gemini.model ...`). {exc}",
                ) from exc
            raise Paused(f"Gemini kept answering 429: {exc}") from exc
        except AuthError as exc:
            raise Failed("auth", str(exc)) from exc  # "Gemini rejected the API key (…)…"
        except BadOutputError as exc:
            raise Failed("bad_output", f"Gemini gave no usable answer: {exc}") from exc
        except ProviderError as exc:
            raise Failed("llm", f"Gemini call failed: {exc}") from exc
        tokens_in = getattr(response, "tokens_in", 0)
        tokens_out = getattr(response, "tokens_out", 0)
        emit(
            LLMCallFinished(
                round=round_number,
                purpose=purpose,  # type: ignore[arg-type]
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                ms=getattr(response, "ms", 0),
                model=model,
                cost_usd=self.prices.call(self.priced_as, tokens_in, tokens_out),
            )
        )
        if getattr(response, "truncated", False):
            emit(
                WarningRaised(
                    message=f"Gemini's {purpose} answer stopped at the model's output limit, "
                    "so it is cut short.",
                    kind="llm",
                    round=round_number,
                )
            )
        return response
