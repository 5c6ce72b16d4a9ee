"""One LLM call: the client-side rate limit, retries shown as countdowns, accounting, and
the mapping of provider errors onto how the research ends (``core.research.outcomes``).

Kept in one place because every phase that talks to the model (reasoning, synthesis,
report) must treat a 429, a spent quota or a rejected key the same way. Each attempt is
announced (``LLMCallStarted``) and its first streamed token too (``LLMFirstToken``), so a
slow local model that takes a minute to load shows "waiting for the model — 47 s" instead
of looking frozen; a reasoning model's thinking becomes ``ThinkingChunk`` events, never
answer text.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from core.cost.prices import PriceTable
from core.errors import AuthError, BadOutputError, ProviderError, QuotaExhausted, RateLimitError
from core.events import (
    Event,
    LLMCallFinished,
    LLMCallStarted,
    LLMFirstToken,
    RateLimited,
    StreamRestarted,
    ThinkingChunk,
    WarningRaised,
)
from core.llm.base import TextCallback
from core.providers import LLMLimits
from core.ratelimit import RateLimiter, call_with_retries, wait_cause
from core.research.outcomes import Failed, Paused

if TYPE_CHECKING:
    from core.research.gate import RunGate

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


def accepts_thinking(llm: Any) -> bool:
    """Whether ``llm.stream_text`` takes ``on_thinking`` (the OpenAI-compatible provider
    does; Gemini and test fakes written before it do not)."""
    try:
        parameters = inspect.signature(llm.stream_text).parameters
    except (TypeError, ValueError):
        return False
    return "on_thinking" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


class LLMCall:
    """Calls the model through the shared ``limiter`` and emits what each call cost."""

    def __init__(
        self,
        settings: LLMLimits,
        limiter: RateLimiter,
        emit: Emit,
        gate: RunGate | None = None,
        prices: PriceTable | None = None,
        priced_as: str = "",
    ) -> None:
        self.settings = settings
        self.limiter = limiter
        self.emit = emit
        self.gate = gate
        """The run gate: a call counts as in flight, and a pause holds its retries."""
        self._waiting: tuple[int, str, float] | None = None
        """(round, purpose, start) of the attempt under way until its first token."""
        self._thought = False
        """The call under way streamed thinking (else its response's is emitted at the end)."""
        self.prices = prices or PriceTable.defaults()
        """Each call's cost is recorded in its event at these prices (``core.cost``)."""
        self.priced_as = priced_as or settings.model

    def streaming(
        self, round_number: int, purpose: str, on_text: TextCallback, llm: Any
    ) -> dict[str, TextCallback]:
        """``stream_text`` keyword arguments for this call: ``on_text`` (and, when the
        provider can split it off, ``on_thinking``), each marking the first token."""

        async def text(chunk: str) -> None:
            self.first_token()
            result = on_text(chunk)
            if inspect.isawaitable(result):
                await result

        def thinking(chunk: str) -> None:
            self.first_token()
            self._thought = True
            if chunk:
                self.emit(ThinkingChunk(round=round_number, purpose=purpose, text=chunk))

        kwargs: dict[str, TextCallback] = {"on_text": text}
        if accepts_thinking(llm):
            kwargs["on_thinking"] = thinking
        return kwargs

    def first_token(self) -> None:
        """The attempt under way produced its first token: say so once (ends the wait)."""
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            round_number, purpose, started = waiting
            ms = int((time.monotonic() - started) * 1000)
            self.emit(LLMFirstToken(round=round_number, purpose=purpose, ms=ms))

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
        emit, model, label = self.emit, self.settings.model, self.settings.label
        said = label[0].upper() + label[1:]

        async def attempt() -> T:
            # After the client-side limit let it through: the wait shown from here on is
            # the model's own (loading, thinking), not ours.
            self._waiting = (round_number, purpose, time.monotonic())
            self._thought = False
            emit(LLMCallStarted(round=round_number, purpose=purpose, model=model))
            try:
                return await call()
            finally:
                self._waiting = None

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
                    f"requests per minute ({self.settings.rpm_setting})",
                )
            )
        gate = self.gate
        try:
            async with gate.in_flight() if gate is not None else contextlib.nullcontext():
                response = await call_with_retries(
                    attempt,
                    max_retries=self.settings.max_retries,
                    on_wait=on_wait,
                    limiter=self.limiter,
                    **({"sleep": gate.retry_sleep} if gate is not None else {}),
                )
        except QuotaExhausted as exc:
            raise Paused(str(exc)) from exc  # it names the provider and the quota already
        except RateLimitError as exc:
            if exc.unavailable:
                raise Failed(
                    "model_unavailable",
                    f"The model {model!r} is not available on this API "
                    f"key's tier (quota limit 0). Choose another model "
                    f"(`deepresearch-tui config set {self.settings.provider}.model ...`). {exc}",
                ) from exc
            raise Paused(f"{said} kept answering 429: {exc}") from exc
        except AuthError as exc:
            raise Failed("auth", str(exc)) from exc  # "Gemini rejected the API key (…)…"
        except BadOutputError as exc:
            raise Failed("bad_output", f"{said} gave no usable answer: {exc}") from exc
        except ProviderError as exc:
            what = "Gemini call" if self.settings.provider == "gemini" else f"Call to {label}"
            raise Failed("llm", f"{what} failed: {exc}") from exc
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
                usage_estimated=getattr(response, "usage_estimated", False) is True,
            )
        )
        thinking = getattr(response, "thinking", "")
        if thinking and isinstance(thinking, str) and not self._thought:
            # Not streamed (a JSON call): shown whole, still apart from the answer.
            emit(ThinkingChunk(round=round_number, purpose=purpose, text=thinking))
        if getattr(response, "truncated", False):
            emit(
                WarningRaised(
                    message=f"The model's {purpose} answer stopped at its output limit, "
                    "so it is cut short.",
                    kind="llm",
                    round=round_number,
                )
            )
        return response
