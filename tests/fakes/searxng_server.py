"""A loopback fake of a SearXNG instance's JSON API (``GET /search?q=…&format=json``).

Results are the fake Tavily's deterministic ones in SearXNG's shape (``engine``,
``engines``, ``score``, ``category``), so our real HTTP client and parsing run offline.
``json_enabled=False`` plays the default instance, which answers 403 to ``format=json``.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.gemini_server import ErrorQueue, LoopbackServer, RecordedRequest, _Handler
from tests.fakes.tavily_server import results_for


class FakeSearxng(LoopbackServer):
    def __init__(self, *, port: int = 0, json_enabled: bool = True, empty: bool = False) -> None:
        super().__init__(port=port)
        self.json_enabled = json_enabled
        self.empty = empty
        self.errors = ErrorQueue()
        self.extra_results: list[dict[str, Any]] = []
        """Appended to every answer (SearXNG shape): e.g. a page the filters exclude."""

    @property
    def params(self) -> list[dict[str, str]]:
        """Each search's query parameters (first value of each)."""
        searches = [r for r in list(self.requests) if r.path == "/search"]
        return [{k: v[0] for k, v in r.query.items()} for r in searches]

    def queue_error(self, status: int, *, retry_after: str | None = None, times: int = 1) -> None:
        self.errors.push(status, {"retry_after": retry_after}, times)

    @property
    def queries(self) -> list[str]:
        return [r.query.get("q", [""])[0] for r in list(self.requests) if r.path == "/search"]

    def handle(self, req: RecordedRequest, h: _Handler) -> None:
        if req.method != "GET" or req.path != "/search":
            self._send_text(h, 404, "Not Found")
            return
        scripted = self.errors.pop()
        if scripted is not None:
            headers = {"Retry-After": scripted.body["retry_after"]} if scripted.body else {}
            self._send_text(h, scripted.status, "Too Many Requests", headers)
            return
        if req.query.get("format", [""])[0] != "json" or not self.json_enabled:
            self._send_text(h, 403, "Forbidden")
            return
        query = req.query.get("q", [""])[0]
        results: list[dict[str, Any]] = []
        if not self.empty:
            for item in results_for(query, 8):
                results.append(
                    {
                        "url": item["url"],
                        "title": item["title"],
                        "content": item["content"],
                        "engine": "duckduckgo",
                        "engines": ["duckduckgo", "brave"],
                        "score": item["score"] * 2,
                        "category": "general",
                        "positions": [1, 2],
                    }
                )
        self.send_json(
            h,
            200,
            {
                "query": query,
                "number_of_results": len(results),
                "results": results + list(self.extra_results),
                "answers": [],
                "corrections": [],
                "infoboxes": [],
                "suggestions": [],
                "unresponsive_engines": [],
            },
        )

    @staticmethod
    def _send_text(
        h: _Handler, status: int, text: str, headers: dict[str, str] | None = None
    ) -> None:
        data = text.encode()
        h.send_response(status)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()
