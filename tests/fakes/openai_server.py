"""A loopback fake of an OpenAI-compatible chat server (Ollama, LM Studio, llama.cpp, vLLM).

It answers ``POST /v1/chat/completions`` (plain and ``stream=true`` SSE with
``chat.completion.chunk`` objects, an optional final usage chunk when the request sets
``stream_options.include_usage``, then ``data: [DONE]``) and ``GET /v1/models``, so the real
``openai`` SDK's parsing and error classes run in our tests. Answers come from the same
``TASK:`` script as the fake Gemini. Knobs play the servers' differences: no usage,
refusing ``json_schema`` / ``json_object`` with a 400, ``<think>`` blocks or
``reasoning_content`` deltas, a slow first token, a 429 with ``Retry-After``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.gemini_server import (
    ErrorQueue,
    LoopbackServer,
    RecordedRequest,
    _Handler,
    count_tokens,
    default_answer,
    split_chunks,
    task_of,
)

DEFAULT_OPENAI_MODEL = "qwen3:8b"
THINKING_TEXT = "Let me think about the plan step by step. SECRET-THOUGHT."


def prompt_of(req: RecordedRequest) -> str:
    """The user messages' text of a chat request."""
    body = req.body if isinstance(req.body, dict) else {}
    texts = [
        str(m.get("content") or "")
        for m in body.get("messages") or []
        if isinstance(m, dict) and m.get("role") == "user"
    ]
    return "\n".join(texts)


def openai_error(status: int, message: str, *, kind: str = "", code: str | None = None) -> dict:
    return {
        "error": {
            "message": message,
            "type": kind or "invalid_request_error",
            "param": None,
            "code": code,
        }
    }


Responder = Callable[[RecordedRequest], "str | dict[str, Any]"]


class FakeOpenAI(LoopbackServer):
    """Fake OpenAI-compatible server. ``api_key=None`` accepts any (or no) bearer token."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        port: int = 0,
        model: str = DEFAULT_OPENAI_MODEL,
        chunk_delay_s: float = 0.0,
        first_token_delay_s: float = 0.0,
        send_usage: bool = True,
        refuse_json_schema: bool = False,
        refuse_json_object: bool = False,
        think: bool = False,
        reasoning_deltas: bool = False,
        refuse_stream_options: bool = False,
        responder: Responder | None = None,
    ) -> None:
        super().__init__(port=port)
        self.api_key = api_key
        self.model = model
        self.chunk_delay_s = chunk_delay_s
        self.first_token_delay_s = first_token_delay_s
        self.send_usage = send_usage
        self.refuse_json_schema = refuse_json_schema
        self.refuse_json_object = refuse_json_object
        self.think = think
        """Wrap every answer's start in ``<think>…</think>`` (as Qwen3/DeepSeek-R1 do)."""
        self.reasoning_deltas = reasoning_deltas
        """Send the thinking as ``reasoning_content`` deltas before the answer."""
        self.refuse_stream_options = refuse_stream_options
        """Answer 400 to ``stream_options``, as some older llama.cpp builds do."""
        self.responder = responder
        self.errors = ErrorQueue()
        self._error_headers: list[dict[str, str]] = []
        self._ids = 0
        self._id_lock = threading.Lock()

    # scripting ---------------------------------------------------------------------------
    def queue_error(
        self,
        status: int,
        message: str = "",
        *,
        kind: str = "",
        code: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        body = openai_error(status, message or f"Scripted error {status}.", kind=kind, code=code)
        for _ in range(max(1, times)):
            self.errors.push(status, {"body": body, "headers": headers or {}}, 1)

    def queue_rate_limit(self, retry_after: str | None = "1", times: int = 1) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.queue_error(
            429,
            "Rate limit reached for requests. Please try again later.",
            kind="requests",
            code="rate_limit_exceeded",
            headers=headers,
            times=times,
        )

    # inspection --------------------------------------------------------------------------
    def chat_requests(self, task: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in list(self.requests)
            if r.path.endswith("/chat/completions")
            if task is None or task_of(prompt_of(r)) == task
        ]

    # serving -----------------------------------------------------------------------------
    def handle(self, req: RecordedRequest, h: _Handler) -> None:
        if req.method == "GET" and req.path.rstrip("/").endswith("/models"):
            if not self._authorised(req, h):
                return
            self._send(h, 200, {"object": "list", "data": [self._model_card()]})
            return
        if req.method != "POST" or not req.path.endswith("/chat/completions"):
            self._send(h, 404, openai_error(404, f"Not found: {req.path}"))
            return
        if not self._authorised(req, h):
            return
        scripted = self.errors.pop()
        if scripted is not None:
            self._send(h, scripted.status, scripted.body["body"], scripted.body["headers"])
            return
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("model") != self.model:
            self._send(
                h,
                404,
                openai_error(404, f"model '{body.get('model')}' not found", code="model_not_found"),
            )
            return
        if self.refuse_stream_options and "stream_options" in body:
            self._send(h, 400, openai_error(400, "Unrecognized request argument: stream_options"))
            return
        fmt = (body.get("response_format") or {}).get("type")
        if (fmt == "json_schema" and self.refuse_json_schema) or (
            fmt == "json_object" and self.refuse_json_object
        ):
            self._send(h, 400, openai_error(400, f"response_format type {fmt} is not supported"))
            return
        prompt = prompt_of(req)
        answer = self.responder(req) if self.responder else default_answer(prompt)
        text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        if self.think and not self.reasoning_deltas:
            text = f"<think>\n{THINKING_TEXT}\n</think>\n\n{text}"
        if self.first_token_delay_s:
            time.sleep(self.first_token_delay_s)
        tokens_in = count_tokens(prompt)
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(h, text, tokens_in, include_usage and self.send_usage)
            return
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if self.reasoning_deltas:
            message["reasoning_content"] = THINKING_TEXT
        payload: dict[str, Any] = {
            "id": self._next_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
        if self.send_usage:
            payload["usage"] = _usage(tokens_in, count_tokens(text))
        self._send(h, 200, payload)

    def _authorised(self, req: RecordedRequest, h: _Handler) -> bool:
        if self.api_key is None or req.header("authorization") == f"Bearer {self.api_key}":
            return True
        self._send(
            h,
            401,
            openai_error(401, "Incorrect API key provided.", code="invalid_api_key"),
        )
        return False

    def _model_card(self) -> dict[str, Any]:
        return {"id": self.model, "object": "model", "created": 0, "owned_by": "library"}

    def _next_id(self) -> str:
        with self._id_lock:
            self._ids += 1
            return f"chatcmpl-fake-{self._ids}"

    def _stream(self, h: _Handler, text: str, tokens_in: int, include_usage: bool) -> None:
        cid = self._next_id()
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        events: list[Any] = [chunk({"role": "assistant", "content": ""})]
        if self.reasoning_deltas:
            events += [chunk({"reasoning_content": part}) for part in split_chunks(THINKING_TEXT)]
        events += [chunk({"content": part}) for part in split_chunks(text)]
        events.append(chunk({}, "stop"))
        if include_usage:
            events.append(
                {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": self.model,
                    "choices": [],
                    "usage": _usage(tokens_in, count_tokens(text)),
                }
            )
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        frames = [f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events]
        frames.append("data: [DONE]\n\n")
        for n, frame in enumerate(frames):
            if self.chunk_delay_s and n:
                time.sleep(self.chunk_delay_s)
            data = frame.encode("utf-8")
            h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            h.wfile.flush()
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()

    @staticmethod
    def _send(
        h: _Handler, status: int, payload: Any, headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()


def _usage(tokens_in: int, tokens_out: int) -> dict[str, int]:
    return {
        "prompt_tokens": tokens_in,
        "completion_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out,
    }
