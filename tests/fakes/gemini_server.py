"""A loopback fake of the Gemini REST API, so tests run the real google-genai SDK offline.

It answers ``POST /<version>/models/<model>:generateContent`` and
``:streamGenerateContent?alt=sse`` the way Google does (same JSON shapes, SSE framing and
error bodies), so the SDK's own parsing and error classes run in our tests. Answers are
scripted from the prompt's first line ``TASK: <name>`` (see the prompts contract in API.md).

This module also holds the small loopback-server base that ``tavily_server`` reuses.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEFAULT_GEMINI_KEY = "test-gemini-key-1234"


# --------------------------------------------------------------------------- server base


@dataclass
class RecordedRequest:
    """One request as the fake saw it; tests count these and read the prompts."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    timestamp: float = field(default_factory=time.time)

    @property
    def prompt(self) -> str:
        """All user text parts of a Gemini request joined (empty for other bodies)."""
        if not isinstance(self.body, dict):
            return ""
        texts: list[str] = []
        for content in self.body.get("contents") or []:
            if isinstance(content, dict):
                for part in content.get("parts") or []:
                    if isinstance(part, dict) and isinstance(part.get("text"), str):
                        texts.append(part["text"])
        return "\n".join(texts)

    @property
    def task(self) -> str:
        return task_of(self.prompt)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def do_POST(self) -> None:
        self.server.owner._dispatch(self)

    def do_GET(self) -> None:
        self.server.owner._dispatch(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests and the tmux demo read ``.requests`` instead of stderr noise."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: LoopbackServer


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread, recording every request."""

    def __init__(self, *, port: int = 0) -> None:
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []

    # lifecycle -------------------------------------------------------------------------
    def start(self) -> LoopbackServer:
        httpd = _HTTPServer(("127.0.0.1", self._port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # a quick stop() keeps teardown fast
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # request plumbing --------------------------------------------------------------------
    def _dispatch(self, h: _Handler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        parts = urlsplit(h.path)
        req = RecordedRequest(
            method=h.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(req)
        # The client may go away mid-answer (e.g. a cancelled stream): nothing to do then.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.handle(req, h)

    def handle(self, req: RecordedRequest, h: _Handler) -> None:  # pragma: no cover
        raise NotImplementedError

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    # response helpers --------------------------------------------------------------------
    @staticmethod
    def send_json(h: _Handler, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        h.send_response(status)
        h.send_header("Content-Type", "application/json; charset=UTF-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()

    @staticmethod
    def send_sse(
        h: _Handler,
        events: Iterator[dict[str, Any]],
        delay_s: float = 0.0,
        *,
        cut_after: int | None = None,
    ) -> None:
        """SSE over chunked transfer encoding, one ``data: {json}\\r\\n\\r\\n`` per event.

        ``cut_after``: drop the connection after that many events, mid-body, as a proxy or
        a flaky network does (the client sees an incomplete chunked read).
        """
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        first = True
        for sent, event in enumerate(events):
            if cut_after is not None and sent >= cut_after:
                h.close_connection = True
                h.connection.shutdown(socket.SHUT_RDWR)
                return
            if delay_s and not first:
                time.sleep(delay_s)
            first = False
            frame = f"data: {json.dumps(event, ensure_ascii=False)}\r\n\r\n".encode()
            h.wfile.write(f"{len(frame):x}\r\n".encode() + frame + b"\r\n")
            h.wfile.flush()
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()


@dataclass
class _ScriptedError:
    status: int
    body: Any
    times: int


class ErrorQueue:
    """Scripted failures, consumed one per matching request, in the order queued."""

    def __init__(self) -> None:
        self._items: deque[_ScriptedError] = deque()
        self._lock = threading.Lock()

    def push(self, status: int, body: Any, times: int) -> None:
        with self._lock:
            self._items.append(_ScriptedError(status, body, max(1, times)))

    def pop(self) -> _ScriptedError | None:
        with self._lock:
            if not self._items:
                return None
            item = self._items[0]
            item.times -= 1
            if item.times <= 0:
                self._items.popleft()
            return item

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return sum(i.times for i in self._items)


# --------------------------------------------------------------------------- Google bodies

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def google_error(status: int, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    err: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": _STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if details is not None:
        err["details"] = details
    return {"error": err}


def api_key_invalid_body() -> dict:
    msg = "API key not valid. Please pass a valid API key."
    return google_error(
        400,
        msg,
        [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": msg,
            },
        ],
    )


def rate_limit_body(
    *,
    retry_delay: str | None = "0.2s",
    per_day: bool = False,
    limit_zero: bool = False,
    model: str = "gemini-2.5-flash",
) -> dict:
    """Google's real 429 body: QuotaFailure violations, a Help link and RetryInfo."""
    limit = "0" if limit_zero else ("250" if per_day else "10")
    quota_id = (
        "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
        if per_day
        else "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
    )
    metric = "generativelanguage.googleapis.com/generate_content_free_tier_requests"
    message = (
        "You exceeded your current quota, please check your plan and billing details. "
        "For more information on this error, head to: "
        "https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, "
        "head to: https://ai.dev/usage?tab=rate-limit. \n"
        f"* Quota exceeded for metric: {metric}, limit: {limit}, model: {model}"
    )
    if retry_delay:
        message += f"\nPlease retry in {retry_delay}."
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [
                {
                    "quotaMetric": metric,
                    "quotaId": quota_id,
                    "quotaDimensions": {"location": "global", "model": model},
                    "quotaValue": limit,
                }
            ],
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Learn more about Gemini API quotas",
                    "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                }
            ],
        },
    ]
    if retry_delay:
        details.append(
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}
        )
    return google_error(429, message, details)


# --------------------------------------------------------------------------- scripted answers

_TASK_RE = re.compile(r"^\s*TASK:\s*(\S+)", re.IGNORECASE)


def task_of(prompt: str) -> str:
    first = prompt.lstrip().splitlines()[0] if prompt.strip() else ""
    m = _TASK_RE.match(first)
    return m.group(1).lower() if m else ""


def _field(prompt: str, name: str, default: str = "") -> str:
    m = re.search(rf"^\s*{name}:\s*(.+?)\s*$", prompt, re.MULTILINE | re.IGNORECASE)
    return m.group(1) if m else default


_SOURCE_RE = re.compile(r"^\s*\[(\d+)\]\s*(.*?)\s*(?:—|--)\s*(\S+)\s*$", re.MULTILINE)
_SOURCE_ID_RE = re.compile(r"^\s*\[(\d+)\]", re.MULTILINE)


def sources_in(prompt: str) -> list[tuple[int, str, str]]:
    """``(id, title, url)`` for each ``[<id>] <title> — <url>`` line, first mention wins."""
    seen: dict[int, tuple[int, str, str]] = {}
    for m in _SOURCE_RE.finditer(prompt):
        sid = int(m.group(1))
        seen.setdefault(sid, (sid, m.group(2) or f"Source {sid}", m.group(3)))
    for m in _SOURCE_ID_RE.finditer(prompt):
        sid = int(m.group(1))
        seen.setdefault(sid, (sid, f"Source {sid}", ""))
    return list(seen.values())


_ASPECTS = (
    "background and definitions",
    "history and key milestones",
    "current state of research",
    "main open problems",
    "leading approaches compared",
    "practical applications",
    "criticism and limitations",
    "recent developments 2026",
    "economic impact",
    "policy and regulation",
    "expert forecasts",
    "case studies",
)


def planned_queries(topic: str, round_no: int) -> list[str]:
    """Three queries per round; consecutive rounds never repeat one."""
    out = []
    for i in range(3):
        idx = (round_no - 1) * 3 + i
        q = f"{topic} {_ASPECTS[idx % len(_ASPECTS)]}"
        if idx >= len(_ASPECTS):
            q += f" (round {round_no})"
        out.append(q)
    return out


def reasoning_text(prompt: str) -> str:
    topic = _field(prompt, "TOPIC", "the topic")
    try:
        round_no = int(_field(prompt, "ROUND", "1"))
    except ValueError:
        round_no = 1
    qs = planned_queries(topic, round_no)
    ids = [sid for sid, _, _ in sources_in(prompt)]
    known = f" building on sources {', '.join(f'[{i}]' for i in ids[:3])}" if ids else ""
    return (
        f"## Research round {round_no}\n\n"
        "**PLANNING**\n"
        f"1. Establish the basics of {topic}. <SEARCH>{qs[0]}</SEARCH>\n"
        f"2. Trace how {topic} changed over time. <SEARCH>{qs[1]}</SEARCH>\n"
        f"3. Find where the open questions are. <SEARCH>{qs[2]}</SEARCH>\n\n"
        "**EXECUTION**\n"
        f"Searching the web for the three angles above{known}. Each query targets a "
        "different aspect so the results overlap as little as possible.\n\n"
        "**REFLECTION**\n"
        f"Round {round_no} should clarify {topic}. Still unclear: how reliable the "
        "sources are and which figures are current.\n"
    )


_SOURCE_BLOCK_RE = re.compile(r'<source id="(\d+)">\n[^\n]*\n(.*?)\n</source>', re.DOTALL)


def snippets_in(prompt: str) -> dict[int, str]:
    """Each ``<source id=N>`` block's text (the snippet the engine stored), by id."""
    return {int(m.group(1)): m.group(2) for m in _SOURCE_BLOCK_RE.finditer(prompt)}


def first_sentence(text: str) -> str:
    """The text's first sentence, verbatim: a real quote for a fake synthesis."""
    m = re.search(r".+?[.!?](?=\s|$)", text.strip(), re.DOTALL)
    return (m.group(0) if m else text.strip())[:300]


QUOTE_VARIANTS = ("real", "paraphrased", "invented", "changed number")
"""What ``synthesis_data`` puts in each evidence's quote: a sentence of the cited source
(the default, so a default fake research verifies), that sentence reworded, a sentence
the source never had, or the real sentence with a number the claim also states changed."""


def _quote(snippet: str, kind: str, topic: str) -> tuple[str, str]:
    """(quote, extra claim text) for one source's snippet and a variant."""
    real = first_sentence(snippet)
    if kind == "paraphrased":
        words = real.rstrip(".").split()
        return "In other words, " + " ".join(reversed(words)).lower() + ".", ""
    if kind == "invented":
        return f"The committee on {topic} confirmed the results in its annual audit.", ""
    if kind == "changed number":
        text = snippet.strip()[:300]
        digits = [m.start() for m in re.finditer(r"\d", text)]
        if not digits:
            return real, ""
        at = digits[-1]  # the page says "result 3": the quote says "result 4"
        return text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :], ""
    return real, ""


def synthesis_data(prompt: str, quotes: str = "real") -> dict[str, Any]:
    topic = _field(prompt, "TOPIC", "the topic")
    round_no = _field(prompt, "ROUND", "")
    srcs = sources_in(prompt)
    texts = snippets_in(prompt)
    evidence = []
    for n, (sid, title, _url) in enumerate(srcs[:4]):
        quote, extra = _quote(texts.get(sid, ""), quotes, topic)
        evidence.append(
            {
                "claim": f"{title} describes an aspect of {topic}{extra}.",
                "source_ids": [sid],
                "confidence": round(0.9 - 0.1 * (n % 4), 2),
                "quote": quote,
            }
        )
    if len(srcs) >= 2:
        quote, extra = _quote(texts.get(srcs[0][0], ""), quotes, topic)
        evidence.append(
            {
                "claim": f"Several sources agree on the core facts of {topic}{extra}.",
                "source_ids": [srcs[0][0], srcs[1][0]],
                "confidence": 0.8,
                "quote": quote,
            }
        )
    suffix = f" (round {round_no})" if round_no else ""
    concepts = [topic, f"{topic} history", f"{topic} applications"]
    return {
        "summary": f"What is known so far about {topic}{suffix}: {len(srcs)} sources reviewed.",
        "evidence": evidence,
        "concepts": concepts,
        "relations": [
            {"source": topic, "target": concepts[1], "relation": "HAS_HISTORY"},
            {"source": topic, "target": concepts[2], "relation": "APPLIED_IN"},
        ],
        "questions": [f"What are the limits of {topic}?", f"Who leads work on {topic}?"],
        "covered": False,
    }


_FOCUS_RE = re.compile(r"^<focus>\n(.*?)\n</focus>", re.MULTILINE)


def report_text(prompt: str) -> str:
    topic = _field(prompt, "TOPIC", "the topic")
    srcs = sources_in(prompt)
    cite = [f"[{sid}]" for sid, _, _ in srcs]

    def c(i: int) -> str:
        return f" {cite[i % len(cite)]}" if cite else ""

    lines = [
        f"# {topic}: research report",
        "",
        "## Summary",
        f"This report brings together what the research found about {topic}{c(0)}.",
        "",
        "## Findings",
        f"- The background of {topic} is well documented{c(0)}.",
        f"- Recent work changed how {topic} is understood{c(1)}.",
        f"- Several questions remain open{c(2)}.",
        "",
        "## Open questions",
        f"- What are the limits of {topic}?",
        "",
    ]
    # A research dug deeper ("dig deeper"): a section per follow-up question, citing the
    # newest source (the one the extra rounds found). Without one, the answer is as before.
    for question in _FOCUS_RE.findall(prompt):
        newest = f" [{max(sid for sid, _, _ in srcs)}]" if srcs else ""
        lines += [f"## Follow-up: {question.strip()}", f"Later rounds looked into it{newest}.", ""]
    lines += ["## References"]
    lines += [f"[{sid}] {title} — {url}".rstrip(" —") for sid, title, url in srcs]
    return "\n".join(lines) + "\n"


_BLOCK_RE = re.compile(r'<source id="(\d+)">\n[^\n]*\n(.*?)\n</source>', re.DOTALL)
INVENTED_QUOTE = "a sentence that no page of this research contains anywhere at all"


def followup_text(prompt: str) -> str:
    """An answer to ``TASK: followup``: the first source cited with a real quote (the start
    of its text, verbatim), the second with an invented one (so both verdicts show up)."""
    blocks = [(int(sid), " ".join(body.split())) for sid, body in _BLOCK_RE.findall(prompt)]
    if not blocks:
        return "The research holds no sources to answer from."
    (first, text), *rest = blocks
    real = " ".join(text.split()[:12])
    lines = [f"The sources address the question directly [{first}]."]
    quotes = [f'[{first}] "{real}"']
    if rest:
        second = rest[0][0]
        lines.append(f"A second source adds some detail [{second}].")
        quotes.append(f'[{second}] "{INVENTED_QUOTE}"')
    lines.append("Citing a source that was never retrieved is dropped [999].")
    return "\n".join([" ".join(lines), "", "## Quotes", *quotes]) + "\n"


_JUDGE_ID_RE = re.compile(r'^<source id="(\d+)">$', re.MULTILINE)


def judge_data(prompt: str, judgments: dict[int, str] | None = None) -> dict[str, Any]:
    """An answer to ``TASK: judge``: every id "supported", unless ``judgments`` says
    otherwise for it (an id mapped to "" is left out of the answer)."""
    chosen = judgments or {}
    out = []
    for k in (int(m) for m in _JUDGE_ID_RE.findall(prompt)):
        judgment = chosen.get(k, "supported")
        if judgment:
            out.append({"id": k, "judgment": judgment, "reason": f"scripted {judgment}"})
    return {"judgments": out}


def default_answer(prompt: str) -> str | dict[str, Any]:
    task = task_of(prompt)
    if task == "judge":
        return judge_data(prompt)
    if task == "reasoning":
        return reasoning_text(prompt)
    if task == "synthesis":
        return synthesis_data(prompt)
    if task == "report":
        return report_text(prompt)
    if task == "cypher":
        return "MATCH (t:Topic) RETURN t.name AS name LIMIT 10"
    if task == "answer":
        return "The mind map lists the topics researched so far."
    if task == "followup":
        return followup_text(prompt)
    first = prompt.strip().splitlines()[0] if prompt.strip() else ""
    return f"Echo: {first[:200]}"


_SIZES = (5, 13, 8, 21, 3, 17, 9, 11)


def split_chunks(text: str) -> list[str]:
    """Small uneven chunks, with cuts forced inside tags and section headers.

    The forced cuts exercise the streaming parser's hold-back of partial markers.
    """
    cuts: set[int] = set()
    for marker, offset in (
        ("<SEARCH>", 3),
        ("</SEARCH>", 4),
        ("**EXECUTION**", 5),
        ("**REFLECTION**", 2),
        ("**PLANNING**", 6),
    ):
        pos = text.find(marker)
        if pos >= 0:
            cuts.add(pos + offset)
    pos, n = 0, 0
    while pos < len(text):
        pos += _SIZES[n % len(_SIZES)]
        n += 1
        cuts.add(pos)
    chunks, start = [], 0
    for cut in sorted(c for c in cuts if 0 < c < len(text)):
        chunks.append(text[start:cut])
        start = cut
    chunks.append(text[start:])
    return [c for c in chunks if c]


def count_tokens(text: str) -> int:
    return max(1, len(text) // 4)


Responder = Callable[[RecordedRequest], "str | dict[str, Any]"]


# --------------------------------------------------------------------------- the fake


class FakeGemini(LoopbackServer):
    """Fake Gemini API. ``responder(request)`` may override the scripted answers.

    A responder returns the model's text (``str``) or an object that is sent as JSON text
    (what structured output returns).
    """

    def __init__(
        self,
        *,
        api_key: str | None = DEFAULT_GEMINI_KEY,
        port: int = 0,
        chunk_delay_s: float = 0.0,
        responder: Responder | None = None,
        model_version: str = "gemini-2.5-flash",
    ) -> None:
        super().__init__(port=port)
        self.api_key = api_key
        self.chunk_delay_s = chunk_delay_s
        self.responder = responder
        self.model_version = model_version
        self.errors = ErrorQueue()
        self._stream_cuts: list[tuple[str | None, int]] = []
        """Streaming answers to cut short: (TASK or None for any, chunks that get through)."""
        self.finish_reason = "STOP"
        """What the last chunk says; "MAX_TOKENS" plays an answer cut at its output limit."""
        self._ids = 0

    # scripting ---------------------------------------------------------------------------
    def queue_error(self, status: int, body: Any = None, times: int = 1) -> None:
        if body is None:
            body = google_error(status, f"Scripted error {status}.")
        self.errors.push(status, body, times)

    def queue_rate_limit(
        self,
        retry_delay: str | None = "0.2s",
        per_day: bool = False,
        limit_zero: bool = False,
        times: int = 1,
    ) -> None:
        body = rate_limit_body(
            retry_delay=retry_delay,
            per_day=per_day,
            limit_zero=limit_zero,
            model=self.model_version,
        )
        self.errors.push(429, body, times)

    def queue_stream_cut(
        self, after_chunks: int = 2, *, task: str | None = None, times: int = 1
    ) -> None:
        """The next ``times`` streaming answers (to ``task`` prompts, or any) drop the
        connection after ``after_chunks`` chunks."""
        with self._lock:
            self._stream_cuts += [(task, after_chunks)] * max(1, times)

    def _take_stream_cut(self, task: str) -> int | None:
        with self._lock:
            for i, (wanted, after) in enumerate(self._stream_cuts):
                if wanted in (None, task):
                    del self._stream_cuts[i]
                    return after
        return None

    def queue_server_error(self, status: int = 503, times: int = 1) -> None:
        msg = {
            500: "An internal error has occurred. Please retry or report in "
            "https://developers.generativeai.google/guide/troubleshooting",
            503: "The model is overloaded. Please try again later.",
            504: "The request timed out. Please try again.",
        }.get(status, "Service unavailable.")
        self.errors.push(status, google_error(status, msg), times)

    # inspection --------------------------------------------------------------------------
    def model_requests(self, task: str | None = None) -> list[RecordedRequest]:
        """Requests that reached a model endpoint (optionally only one TASK)."""
        return [
            r
            for r in list(self.requests)
            if ":generateContent" in r.path or ":streamGenerateContent" in r.path
            if task is None or r.task == task
        ]

    # serving -----------------------------------------------------------------------------
    def handle(self, req: RecordedRequest, h: _Handler) -> None:
        m = re.search(r"/models/([^/:]+):(generateContent|streamGenerateContent)$", req.path)
        if req.method != "POST" or not m:
            self.send_json(h, 404, google_error(404, f"Method not found: {req.path}"))
            return
        if self.api_key is not None and req.header("x-goog-api-key") != self.api_key:
            self.send_json(h, 400, api_key_invalid_body())
            return
        scripted = self.errors.pop()
        if scripted is not None:
            # "{key}" in a scripted message quotes the key the client sent (see FakeTavily).
            presented = req.header("x-goog-api-key")
            body = json.loads(json.dumps(scripted.body).replace("{key}", presented))
            self.send_json(h, scripted.status, body)
            return
        answer = self.responder(req) if self.responder else default_answer(req.prompt)
        text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        tokens_in = count_tokens(req.prompt)
        if m.group(2) == "generateContent":
            self.send_json(h, 200, self._response([text], tokens_in, final=True))
            return
        chunks = split_chunks(text)
        events = (
            self._response([c], tokens_in, final=(i == len(chunks) - 1), full=text)
            for i, c in enumerate(chunks)
        )
        cut_after = self._take_stream_cut(req.task)
        self.send_sse(h, events, self.chunk_delay_s, cut_after=cut_after)

    def _response(
        self, texts: list[str], tokens_in: int, *, final: bool, full: str | None = None
    ) -> dict[str, Any]:
        self._ids += 1
        candidate: dict[str, Any] = {
            "content": {"parts": [{"text": t} for t in texts], "role": "model"},
            "index": 0,
        }
        out: dict[str, Any] = {
            "candidates": [candidate],
            "modelVersion": self.model_version,
            "responseId": f"fake-{self._ids}",
        }
        if final:
            candidate["finishReason"] = self.finish_reason
            tokens_out = count_tokens(full if full is not None else "".join(texts))
            out["usageMetadata"] = {
                "promptTokenCount": tokens_in,
                "candidatesTokenCount": tokens_out,
                "totalTokenCount": tokens_in + tokens_out,
            }
        return out
