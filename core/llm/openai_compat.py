"""Any OpenAI-compatible chat server through the official ``openai`` SDK.

Ollama, LM Studio, llama.cpp's server, vLLM, OpenRouter and OpenAI itself speak the same
``/chat/completions`` API, but differ in what they support. This provider bridges that:

- usage comes from ``stream_options.include_usage`` when the server sends it; otherwise the
  tokens are counted from the text and the response says it is an estimate;
- structured output tries ``json_schema``, then ``json_object``, then plain text with
  lenient extraction. A server's refusal (a 400) is remembered per base URL and model, so
  it is paid once per process, not once per round;
- ``<think>`` blocks and ``reasoning_content`` deltas go to ``on_thinking`` and
  ``LLMResponse.thinking``, never into the answer text or the parsed JSON;
- a slow local model may take minutes to its first token: that wait has its own generous
  timeout, separate from the connect timeout.

The SDK's own retries are off (``max_retries=0``): ``core.ratelimit`` retries, honouring
``Retry-After``, so the engine can show each wait. ``openai`` is imported lazily.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import inspect
import json
import time
from typing import Any
from urllib.parse import urlsplit

from core.errors import (
    AuthError,
    BadOutputError,
    ProviderError,
    RateLimitError,
    TransientError,
)
from core.llm.base import LLMResponse, TextCallback
from core.llm.lenient_json import extract_json
from core.llm.thinking import ThinkFilter, split_thinking

PROVIDER = "openai"
NO_KEY = "no-key"
"""Sent as the bearer token when no key is configured: local servers ignore it, and the SDK
refuses to start without one."""

JSON_MODES: tuple[str, ...] = ("json_schema", "json_object", "text")

_json_mode_memory: dict[tuple[str, str], int] = {}
"""(base URL, model) -> index into JSON_MODES of the first mode the server accepted."""
_no_stream_options: set[tuple[str, str]] = set()
"""Servers that refused ``stream_options`` (some older llama.cpp builds)."""

_START_HINTS: dict[int, str] = {
    11434: "is `ollama serve` running?",
    1234: "is LM Studio's local server started (Developer tab, Start Server)?",
    8080: "is `llama-server` (llama.cpp) running?",
    8000: "is `vllm serve` running?",
}


def forget_server_capabilities() -> None:
    """Clear what was learnt about servers (tests; a server that was upgraded)."""
    _json_mode_memory.clear()
    _no_stream_options.clear()


def estimate_tokens(text: str) -> int:
    """About four characters a token: the common rule of thumb for English BPE vocabularies."""
    return max(1, len(text) // 4) if text else 0


def parse_retry_after(headers: Any) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        with contextlib.suppress(ValueError):
            return max(0.0, float(ms) / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    with contextlib.suppress(TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    return None


def server_label(base_url: str) -> str:
    """``host:port`` of the server, without credentials, for messages."""
    try:
        parts = urlsplit(base_url)
        host = parts.hostname or base_url
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "the configured server"


def start_hint(base_url: str) -> str:
    try:
        port = urlsplit(base_url).port
    except ValueError:
        port = None
    return _START_HINTS.get(port or 0, "is the server running, and is the base URL right?")


async def _call(callback: TextCallback | None, text: str) -> None:
    if callback is None or not text:
        return
    result = callback(text)
    if inspect.isawaitable(result):
        await result


def _delta_reasoning(delta: Any) -> str:
    """``reasoning_content`` (DeepSeek, vLLM, llama.cpp) or ``reasoning`` (Ollama,
    OpenRouter): extra fields the SDK keeps on the delta."""
    for name in ("reasoning_content", "reasoning"):
        value = getattr(delta, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


class OpenAICompatProvider:
    """``LLMProvider`` for any OpenAI-compatible server."""

    name = "openai"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout_s: float = 600.0,
        first_token_timeout_s: float = 300.0,
        connect_timeout_s: float = 10.0,
    ) -> None:
        if not base_url:
            raise ProviderError(
                "No base URL for the OpenAI-compatible server. Set OPENAI_BASE_URL or "
                "[openai] base_url (e.g. http://localhost:11434/v1 for Ollama).",
                provider=PROVIDER,
            )
        if not model:
            raise ProviderError(
                "No model for the OpenAI-compatible server. Set OPENAI_MODEL or [openai] model.",
                provider=PROVIDER,
            )
        import openai

        self.model = model
        self.base_url = base_url.rstrip("/")
        self.first_token_timeout_s = first_token_timeout_s
        self._key = api_key
        self._server = (self.base_url, model)
        # The read timeout must outlast the first-token wait, which we time ourselves.
        read_s = max(timeout_s, first_token_timeout_s)
        self._client = openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=api_key or NO_KEY,
            max_retries=0,
            timeout=openai.Timeout(read_s, connect=connect_timeout_s),
        )

    # ------------------------------------------------------------------ protocol
    async def stream_text(
        self,
        prompt: str,
        *,
        system: str | None = None,
        on_text: TextCallback | None = None,
        on_thinking: TextCallback | None = None,
    ) -> LLMResponse:
        messages = _messages(prompt, system)
        started = time.perf_counter()
        answer: list[str] = []
        thoughts: list[str] = []
        usage: Any = None
        finish: str | None = None
        splitter = ThinkFilter()

        async def emit(visible: str, thinking: str) -> None:
            if thinking:
                thoughts.append(thinking)
                await _call(on_thinking, thinking)
            if visible:
                answer.append(visible)
                await _call(on_text, visible)

        # One deadline for the whole wait: the response headers and the first real token.
        deadline = time.monotonic() + self.first_token_timeout_s
        stream = await self._first_token_guard(self._open_stream(messages), deadline)
        async with contextlib.aclosing(_closing_iter(stream)) as chunks:
            first = True
            while True:
                try:
                    step = chunks.__anext__()
                    chunk = await (self._first_token_guard(step, deadline) if first else step)
                except StopAsyncIteration:
                    break
                except ProviderError:
                    raise
                except Exception as exc:
                    raise self._translate(exc) from exc
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices[:1]:
                    delta = choice.delta
                    reasoning = _delta_reasoning(delta) if delta is not None else ""
                    content = (delta.content or "") if delta is not None else ""
                    if reasoning or content:
                        first = False
                    if reasoning:
                        await emit("", reasoning)
                    if content:
                        await emit(*splitter.feed(content))
                    finish = choice.finish_reason or finish
        await emit(*splitter.flush())
        text = "".join(answer).strip()
        thinking = "".join(thoughts).strip()
        if not text:
            what = "only thinking, no answer" if thinking else "an empty answer"
            raise BadOutputError(
                f"The model {self.model} at {server_label(self.base_url)} returned {what}.",
                provider=PROVIDER,
            )
        return self._response(
            text, thinking, usage, started, messages, truncated=finish == "length"
        )

    async def generate_json(
        self, prompt: str, *, schema: dict[str, Any], system: str | None = None
    ) -> LLMResponse:
        started = time.perf_counter()
        mode_index = _json_mode_memory.get(self._server, 0)
        refusal: ProviderError | None = None
        while True:
            mode = JSON_MODES[mode_index]
            try:
                completion = await self._complete_json(prompt, schema, system, mode)
            except _FormatRefused as exc:
                refusal = refusal or exc.error
                if mode_index + 1 >= len(JSON_MODES):
                    # Even plain text got a 400: the request itself is wrong, not the format.
                    raise exc.error from None
                mode_index += 1
                continue
            break
        if refusal is not None:
            _json_mode_memory[self._server] = mode_index
        message = completion.choices[0].message if completion.choices else None
        raw = (message.content or "") if message is not None else ""
        answer, thinking = split_thinking(raw)
        extra = _delta_reasoning(message) if message is not None else ""
        thinking = "\n".join(t for t in (extra.strip(), thinking) if t)
        if not answer:
            raise BadOutputError(
                f"The model {self.model} returned no JSON ({mode} mode).", provider=PROVIDER
            )
        try:
            data = extract_json(answer)
        except json.JSONDecodeError as exc:
            raise BadOutputError(
                f"The model {self.model} returned text that is not JSON ({mode} mode): "
                f"{answer[:200]!r}",
                provider=PROVIDER,
            ) from exc
        finish = completion.choices[0].finish_reason if completion.choices else None
        base = self._response(
            answer,
            thinking,
            completion.usage,
            started,
            _messages(prompt, system),
            truncated=finish == "length",
        )
        return LLMResponse(
            text=base.text,
            tokens_in=base.tokens_in,
            tokens_out=base.tokens_out,
            ms=base.ms,
            data=data,
            truncated=base.truncated,
            usage_estimated=base.usage_estimated,
            thinking=base.thinking,
        )

    async def list_models(self) -> list[str]:
        """The server's model ids (``GET /models``): one cheap call for ``doctor``."""
        try:
            page = await self._client.models.list()
        except Exception as exc:
            raise self._translate(exc) from exc
        return [m.id for m in page.data]

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):  # closing must never mask a run's outcome
            await self._client.close()

    # ------------------------------------------------------------------ requests
    async def _open_stream(self, messages: list[dict[str, str]]) -> Any:
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True}
        if self._server not in _no_stream_options:
            kwargs["stream_options"] = {"include_usage": True}
        try:
            return await self._client.chat.completions.create(**kwargs)
        except Exception as exc:
            if "stream_options" in kwargs and _status(exc) in (400, 422):
                # Refused the option: try once without it, and remember if that works.
                del kwargs["stream_options"]
                try:
                    stream = await self._client.chat.completions.create(**kwargs)
                except Exception as exc2:
                    raise self._translate(exc2) from exc2
                _no_stream_options.add(self._server)
                return stream
            raise self._translate(exc) from exc

    async def _complete_json(
        self, prompt: str, schema: dict[str, Any], system: str | None, mode: str
    ) -> Any:
        kwargs: dict[str, Any] = {"model": self.model}
        if mode == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": False},
            }
            messages = _messages(prompt, system)
        else:
            if mode == "json_object":
                kwargs["response_format"] = {"type": "json_object"}
            # Without a schema the server cannot enforce, so the prompt carries it (and
            # json_object mode requires the word JSON in the messages).
            instruction = (
                "Answer with one JSON object only, no prose, matching this JSON schema:\n"
                + json.dumps(schema, ensure_ascii=False)
            )
            messages = _messages(prompt, f"{system}\n\n{instruction}" if system else instruction)
        kwargs["messages"] = messages
        try:
            return await self._client.chat.completions.create(**kwargs)
        except Exception as exc:
            error = self._translate(exc)
            if _status(exc) in (400, 422):
                raise _FormatRefused(error) from exc
            raise error from exc

    async def _first_token_guard(self, awaitable: Any, deadline: float) -> Any:
        """Await the start of an answer until ``deadline``; a timeout is a clear error."""
        try:
            return await asyncio.wait_for(awaitable, timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError as exc:
            raise TransientError(
                f"The model {self.model} at {server_label(self.base_url)} sent no first token "
                f"within {self.first_token_timeout_s:g}s. Large local models can take longer "
                "to load: raise openai.first_token_timeout_s.",
                provider=PROVIDER,
            ) from exc
        except (ProviderError, StopAsyncIteration):
            raise
        except Exception as exc:
            raise self._translate(exc) from exc

    # ------------------------------------------------------------------ helpers
    def _response(
        self,
        text: str,
        thinking: str,
        usage: Any,
        started: float,
        messages: list[dict[str, str]],
        *,
        truncated: bool,
    ) -> LLMResponse:
        ms = int((time.perf_counter() - started) * 1000)
        if usage is not None and (usage.prompt_tokens or usage.completion_tokens):
            return LLMResponse(
                text=text,
                tokens_in=int(usage.prompt_tokens or 0),
                tokens_out=int(usage.completion_tokens or 0),
                ms=ms,
                truncated=truncated,
                thinking=thinking,
            )
        prompt_text = "\n".join(m["content"] for m in messages)
        return LLMResponse(
            text=text,
            tokens_in=estimate_tokens(prompt_text),
            tokens_out=estimate_tokens(text) + estimate_tokens(thinking),
            ms=ms,
            truncated=truncated,
            usage_estimated=True,
            thinking=thinking,
        )

    def _translate(self, exc: BaseException) -> ProviderError:
        return self._classify(exc).redact(self._key)

    def _classify(self, exc: BaseException) -> ProviderError:
        import openai

        if isinstance(exc, ProviderError):
            return exc
        where = server_label(self.base_url)
        if isinstance(exc, openai.APITimeoutError):
            return TransientError(
                f"The OpenAI-compatible server at {where} timed out.", provider=PROVIDER
            )
        if isinstance(exc, openai.APIConnectionError):
            if _connection_refused(exc):
                return ProviderError(
                    f"Cannot reach the OpenAI-compatible server at {where} "
                    f"(connection refused): {start_hint(self.base_url)}",
                    provider=PROVIDER,
                )
            return TransientError(
                f"Connection to the OpenAI-compatible server at {where} failed "
                f"({_root_cause(exc)}).",
                provider=PROVIDER,
            )
        if isinstance(exc, openai.APIStatusError):
            code = exc.status_code
            detail = _error_message(exc)
            if code == 429:
                kind = str(exc.code or "")
                retry_after = parse_retry_after(exc.response.headers)
                if kind == "insufficient_quota":
                    return RateLimitError(
                        f"{where}: quota used up ({detail}). Add credit or switch model.",
                        provider=PROVIDER,
                        daily=True,
                    )
                wait = f" (retry in {retry_after:g}s)" if retry_after is not None else ""
                return RateLimitError(
                    f"{where} rate limit hit{wait}: {detail}",
                    provider=PROVIDER,
                    retry_after_s=retry_after,
                )
            if code in (401, 403):
                return AuthError(
                    f"{where} rejected the API key ({code}): {detail} "
                    "Check OPENAI_API_KEY or [openai] api_key.",
                    provider=PROVIDER,
                )
            if code == 404:
                hint = (
                    f" Pull it with `ollama pull {self.model}`."
                    if urlsplit(self.base_url).port == 11434
                    else " Check OPENAI_MODEL and the base URL (it usually ends in /v1)."
                )
                return ProviderError(
                    f"{where} has no model {self.model!r} or no such endpoint (404): "
                    f"{detail}.{hint}",
                    provider=PROVIDER,
                )
            if code == 408 or code >= 500:
                return TransientError(
                    f"{where} is temporarily unavailable ({code}): {detail}",
                    provider=PROVIDER,
                    retry_after_s=parse_retry_after(exc.response.headers),
                )
            return ProviderError(f"{where} error {code}: {detail}", provider=PROVIDER)
        if isinstance(exc, TimeoutError | ConnectionError):
            return TransientError(f"{where}: {type(exc).__name__}: {exc}", provider=PROVIDER)
        return ProviderError(
            f"The call to {where} failed ({type(exc).__name__}: {exc})", provider=PROVIDER
        )


class _FormatRefused(Exception):
    """The server answered 400 to a ``response_format``: try the next JSON mode."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(error.message)
        self.error = error


async def _closing_iter(stream: Any) -> Any:
    """The stream's chunks; closing this generator closes the HTTP response."""
    try:
        async for chunk in stream:
            yield chunk
    finally:
        with contextlib.suppress(Exception):
            await stream.close()


def _messages(prompt: str, system: str | None) -> list[dict[str, str]]:
    out = [{"role": "system", "content": system}] if system else []
    out.append({"role": "user", "content": prompt})
    return out


def _status(exc: BaseException) -> int:
    return int(getattr(exc, "status_code", 0) or 0)


def _error_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(getattr(exc, "message", "") or exc)


def _root_cause(exc: BaseException) -> str:
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return f"{type(seen).__name__}: {seen}" if seen is not exc else str(exc)


def _connection_refused(exc: BaseException) -> bool:
    current: BaseException | None = exc
    for _ in range(10):
        if current is None:
            return False
        if isinstance(current, ConnectionRefusedError):
            return True
        text = str(current).lower()
        if "connection refused" in text or "connect call failed" in text or "errno 111" in text:
            return True
        current = current.__cause__ or current.__context__
    return False
