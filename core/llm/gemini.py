"""Google Gemini through the google-genai SDK's async client.

One provider call is one HTTP request: the SDK's own retry stays off so ``core.ratelimit``
can honour Google's ``RetryInfo`` and show waits. SDK exceptions are translated into
``core.errors`` here, and every message is scrubbed of the API key. ``google.genai`` is
imported lazily because it costs about a second of start-up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import json
import math
import re
import time
from typing import Any

from core.errors import (
    AuthError,
    BadOutputError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from core.ingest import strip_controls
from core.llm.base import LLMResponse, TextCallback

PROVIDER = "gemini"

_RETRY_IN_RE = re.compile(r"retry in\s+([0-9]+(?:\.[0-9]+)?)\s*(ms|s)?", re.IGNORECASE)
_DURATION_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m)?\s*$")
_GOOGLE_KEY_RE = re.compile(r"AIza[0-9A-Za-z_\-]{20,}")
_FENCE_RE = re.compile(r"^\s*```(?:json|JSON)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)

_TRANSIENT_STATUS = {408, 500, 502, 503, 504}
_NETWORK_ERROR_NAMES = {"TimeoutException", "TransportError", "NetworkError"}


def parse_duration(value: Any) -> float | None:
    """``"20s"`` / ``"0.2s"`` / ``"150ms"`` / ``{"seconds": 20, "nanos": ...}`` -> seconds.

    None for anything that is not a finite, non-negative duration (text, NaN, ``1e999``,
    a negative): a malformed body then counts as "no delay given", never as a crash.
    """
    seconds: float | None = None
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            seconds = float(value)
        elif isinstance(value, dict):
            seconds = float(value.get("seconds", 0)) + float(value.get("nanos", 0)) / 1e9
        elif isinstance(value, str):
            m = _DURATION_RE.match(value) if len(value) <= 64 else None
            if m:
                n = float(m.group(1))
                seconds = {"ms": n / 1000, "m": n * 60}.get(m.group(2) or "s", n)
    except (TypeError, ValueError, OverflowError):
        return None
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects in a list field of an error body (anything else in it is ignored)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _error_body(details: Any) -> dict[str, Any]:
    if isinstance(details, list) and details:
        details = details[0]
    if isinstance(details, dict):
        inner = details.get("error")
        return inner if isinstance(inner, dict) else details
    return {}


def classify_rate_limit(message: str, body: dict[str, Any]) -> RateLimitError:
    """Turn Google's 429 body into a RateLimitError (delay, daily, unavailable)."""
    retry_after: float | None = None
    per_day = per_minute = False
    for detail in _dicts(body.get("details")):
        kind = str(detail.get("@type", ""))
        if kind.endswith("RetryInfo"):
            retry_after = parse_duration(detail.get("retryDelay"))
        elif kind.endswith("QuotaFailure"):
            for v in _dicts(detail.get("violations")):
                quota_id = str(v.get("quotaId", ""))
                per_day = per_day or "PerDay" in quota_id
                per_minute = per_minute or "PerMinute" in quota_id
    if retry_after is None:
        m = _RETRY_IN_RE.search(message[:4000])
        if m:
            n = float(m.group(1))
            retry_after = parse_duration(n / 1000 if (m.group(2) or "").lower() == "ms" else n)
    unavailable = "limit: 0" in message
    # A per-day violation alone means waiting seconds will not help, whatever delay is
    # suggested; with a per-minute violation too, the short wait is worth trying first.
    daily = per_day and not per_minute
    first_line = message.strip().splitlines()[0] if message.strip() else "quota exceeded"
    if unavailable:
        text = (
            "Gemini says this model has no quota on your key's tier (limit: 0). "
            "Choose another model or enable billing."
        )
    elif daily:
        text = f"Gemini daily quota used up: {first_line}"
    else:
        wait = f" (retry in {retry_after:g}s)" if retry_after is not None else ""
        text = f"Gemini rate limit hit{wait}: {first_line}"
    return RateLimitError(
        text,
        provider=PROVIDER,
        retry_after_s=retry_after,
        daily=daily,
        unavailable=unavailable,
    )


def _is_network_error(exc: BaseException) -> bool:
    for cls in type(exc).__mro__:
        if cls.__name__ in _NETWORK_ERROR_NAMES and cls.__module__.split(".")[0] in (
            "httpx",
            "httpx2",
            "httpcore",
        ):
            return True
    return isinstance(exc, TimeoutError | ConnectionError)


def strip_json_fences(text: str) -> str:
    m = _FENCE_RE.match(text)
    return m.group(1) if m else text.strip()


def parse_json_text(text: str) -> Any:
    """Parse a model's JSON answer, tolerating ```json fences and chatter around it."""
    body = strip_json_fences(text)
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        start = min((i for i in (body.find("{"), body.find("[")) if i >= 0), default=-1)
        end = max(body.rfind("}"), body.rfind("]"))
        if start >= 0 and end > start:
            return json.loads(body[start : end + 1])
        raise


class GeminiProvider:
    """``LLMProvider`` for Gemini. ``base_url`` points the SDK at a proxy or the test fake."""

    name = "gemini"

    def __init__(
        self, api_key: str, model: str, *, base_url: str = "", timeout_s: float = 120
    ) -> None:
        if not api_key:
            raise AuthError(
                "No Gemini API key. Set GEMINI_API_KEY or [gemini] api_key in the config.",
                provider=PROVIDER,
            )
        from google import genai
        from google.genai import types

        self.model = model
        self._key = api_key
        self._types = types
        http_options = types.HttpOptions(
            base_url=base_url or None,
            timeout=int(timeout_s * 1000),
            retry_options=None,  # no SDK retries: core.ratelimit retries
        )
        self._client = genai.Client(api_key=api_key, http_options=http_options)

    def warm(self) -> None:
        """Pay the SDK's first-use costs now. Meant for the worker thread that builds the
        clients before the first round (``Providers.prepare``): pydantic completes the
        request and response models on first use, a quarter of a second that round 1's
        reasoning call would otherwise spend on the engine's loop."""
        types = self._types
        for name in _WARM_MODELS:
            model = getattr(types, name, None)
            rebuild = getattr(model, "model_rebuild", None)
            if callable(rebuild):
                with contextlib.suppress(Exception):  # a warm-up never fails the research
                    rebuild()
        with contextlib.suppress(Exception):
            types.GenerateContentConfig(system_instruction="warm", response_mime_type="text/plain")
            types.GenerateContentResponse.model_validate(
                {
                    "candidates": [{"content": {"parts": [{"text": ""}], "role": "model"}}],
                    "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1},
                }
            )

    # ------------------------------------------------------------------ protocol
    async def stream_text(
        self, prompt: str, *, system: str | None = None, on_text: TextCallback | None = None
    ) -> LLMResponse:
        config = self._types.GenerateContentConfig(system_instruction=system) if system else None
        started = time.perf_counter()
        parts: list[str] = []
        usage: Any = None
        last: Any = None
        try:
            stream = await self._client.aio.models.generate_content_stream(
                model=self.model, contents=prompt, config=config
            )
        except Exception as exc:
            raise self._translate(exc) from exc
        # aclosing: a failed, cancelled or abandoned stream hands its connection back now,
        # not whenever the garbage collector gets to the generator.
        async with contextlib.aclosing(stream):
            iterator = stream.__aiter__()
            while True:
                try:
                    chunk = await iterator.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    raise self._translate(exc) from exc
                last = chunk
                if chunk.usage_metadata is not None:
                    usage = chunk.usage_metadata
                text = _chunk_text(chunk)
                if text:
                    parts.append(text)
                    if on_text is not None:
                        result = on_text(text)
                        if inspect.isawaitable(result):
                            await result
        full = "".join(parts)
        if not full:
            raise BadOutputError(_empty_reason(last), provider=PROVIDER)
        return self._response(full, usage, started, truncated=_hit_token_limit(last))

    async def generate_json(
        self, prompt: str, *, schema: dict[str, Any], system: str | None = None
    ) -> LLMResponse:
        config = self._types.GenerateContentConfig(
            system_instruction=system,
            response_mime_type="application/json",
            response_json_schema=schema,
        )
        started = time.perf_counter()
        try:
            resp = await self._client.aio.models.generate_content(
                model=self.model, contents=prompt, config=config
            )
        except RecursionError as exc:
            # The SDK parses a structured answer itself: nesting deep enough to exhaust its
            # parser is an unusable answer, like invalid JSON, not a failed call.
            raise BadOutputError(
                "Gemini returned JSON nested too deeply to read.", provider=PROVIDER
            ) from exc
        except Exception as exc:
            raise self._translate(exc) from exc
        text = _chunk_text(resp)
        if not text:
            raise BadOutputError(_empty_reason(resp), provider=PROVIDER)
        try:
            data = parse_json_text(text)
        except (ValueError, RecursionError) as exc:
            # Not JSON, an integer too long to read, or nesting deep enough to exhaust the
            # parser's stack: all an unusable answer, never a crash.
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            raise BadOutputError(
                f"Gemini returned text that is not valid JSON ({why}): {text[:200]!r}",
                provider=PROVIDER,
            ) from exc
        base = self._response(text, resp.usage_metadata, started)
        return dataclasses.replace(base, data=data)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):  # closing must never mask a run's outcome
            await self._client.aio.aclose()

    # ------------------------------------------------------------------ helpers
    def _response(
        self, text: str, usage: Any, started: float, *, truncated: bool = False
    ) -> LLMResponse:
        tokens_in = tokens_out = 0
        if usage is not None:
            tokens_in = int(usage.prompt_token_count or 0)
            tokens_out = int(usage.candidates_token_count or 0) + int(
                usage.thoughts_token_count or 0
            )
        ms = int((time.perf_counter() - started) * 1000)
        return LLMResponse(
            text=text, tokens_in=tokens_in, tokens_out=tokens_out, ms=ms, truncated=truncated
        )

    def _translate(self, exc: Exception) -> ProviderError:
        return self._classify(exc).redact(self._key, pattern=_GOOGLE_KEY_RE)

    def _classify(self, exc: Exception) -> ProviderError:
        from google.genai import errors as genai_errors

        if isinstance(exc, ProviderError):
            return exc
        if isinstance(exc, genai_errors.APIError):
            code = exc.code if isinstance(exc.code, int) and not isinstance(exc.code, bool) else 0
            body = _error_body(exc.details)
            message = str(exc.message or body.get("message") or "")
            status = str(exc.status or body.get("status") or "")
            if code == 429:
                return classify_rate_limit(message, body)
            reasons = {str(d.get("reason", "")) for d in _dicts(body.get("details"))}
            if (
                code in (401, 403)
                or "API_KEY_INVALID" in reasons
                or (code == 400 and "API key" in message)
            ):
                return AuthError(
                    f"Gemini rejected the API key ({status or code}): {message} "
                    "Check GEMINI_API_KEY or the config file.",
                    provider=PROVIDER,
                )
            if code in _TRANSIENT_STATUS:
                return TransientError(
                    f"Gemini is temporarily unavailable ({code} {status}): {message}",
                    provider=PROVIDER,
                )
            if code == 404:
                return ProviderError(
                    f"Gemini model {self.model!r} not found (404): {message}",
                    provider=PROVIDER,
                )
            return ProviderError(f"Gemini error {code} {status}: {message}", provider=PROVIDER)
        if _is_network_error(exc):
            kind = "timed out" if "Timeout" in type(exc).__name__ else "connection failed"
            return TransientError(
                f"Gemini request {kind} ({type(exc).__name__}: {exc})", provider=PROVIDER
            )
        return ProviderError(f"Gemini call failed ({type(exc).__name__}: {exc})", provider=PROVIDER)


_WARM_MODELS = (
    "Part",
    "Content",
    "UserContent",
    "Candidate",
    "GenerateContentResponseUsageMetadata",
    "GenerateContentResponse",
    "GenerateContentConfig",
    "_GenerateContentParameters",
    "HttpResponse",
    "Schema",
)
"""The SDK's models a research's first calls complete (``GeminiLLM.warm``)."""


def _chunk_text(resp: Any) -> str:
    """Text parts of the first candidate, skipping thought summaries.

    The door for model output: a model can be made to echo a page's escape sequences, so
    control characters are removed here, before the text is parsed, stored or shown.
    """
    out: list[str] = []
    for cand in (resp.candidates or [])[:1]:
        content = cand.content
        for part in content.parts if content and content.parts else []:
            if part.text and not part.thought:
                out.append(part.text)
    return strip_controls("".join(out))


def _hit_token_limit(resp: Any) -> bool:
    """The answer stopped at the model's output limit (so it is cut short)."""
    candidates = getattr(resp, "candidates", None) or []
    reason = getattr(candidates[0], "finish_reason", None) if candidates else None
    return "MAX_TOKENS" in str(getattr(reason, "name", reason) or "")


def _empty_reason(resp: Any) -> str:
    reason = ""
    if resp is not None:
        feedback = getattr(resp, "prompt_feedback", None)
        if feedback is not None and feedback.block_reason:
            reason = f"prompt blocked: {feedback.block_reason}"
        elif resp.candidates and resp.candidates[0].finish_reason:
            reason = f"finish reason: {resp.candidates[0].finish_reason}"
    return f"Gemini returned no text ({reason or 'empty response'})."
