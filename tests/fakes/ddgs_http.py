"""The ``ddgs`` package faked at its HTTP boundary, so no test reaches a search engine.

``ddgs`` sends every engine request through ``ddgs.http_client.HttpClient.request`` (a
native ``primp`` client we cannot point at a loopback server). The fake replaces that one
method: DuckDuckGo's HTML endpoint gets a page in DuckDuckGo's real markup, which ddgs's own
XPath parsing then reads; every other engine gets a 404 (ddgs skips it); ``mode`` plays a
rate-limited DuckDuckGo (its 202 answer) or a network failure. Every request is recorded.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

DDG_HTML_URL = "https://html.duckduckgo.com/html/"


@dataclass
class FakeResponse:
    status_code: int
    text: str = ""
    content: bytes = b""


@dataclass
class DdgsRequest:
    method: str
    url: str
    data: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


def ddg_result_page(query: str, n: int = 6, extra_urls: tuple[str, ...] = ()) -> str:
    items = []
    urls = [f"https://ddg{i}.example.org/{'-'.join(query.split()[:4])}" for i in range(n)]
    for i, url in enumerate([*urls, *extra_urls]):
        items.append(
            '<div class="result results_links results_links_deep web-result">'
            '<div class="links_main links_deep result__body">'
            f'<h2 class="result__title"><a class="result__a" href="{html.escape(url)}">'
            f"{html.escape(query)} result {i + 1}</a></h2>"
            f'<a class="result__snippet" href="{html.escape(url)}">'
            f"A snippet about <b>{html.escape(query)}</b> number {i + 1}.</a>"
            "</div></div>"
        )
    return f"<html><body><div id='links'>{''.join(items)}</div></body></html>"


class FakeDdgsHttp:
    """Install with ``install(monkeypatch)``; ``mode`` is "ok", "ratelimited" or "down"."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.extra_urls: tuple[str, ...] = ()
        """Also on every result page (e.g. a page the search filters exclude)."""
        self.requests: list[DdgsRequest] = []
        self._lock = threading.Lock()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeDdgsHttp:
        from ddgs import http_client

        fake = self

        def request(client: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            return fake.answer(method, url, **kwargs)

        monkeypatch.setattr(http_client.HttpClient, "request", request)
        return self

    @property
    def ddg_queries(self) -> list[str]:
        return [str(r.data.get("q", "")) for r in self.requests if r.url == DDG_HTML_URL]

    def answer(self, method: str, url: str, **kwargs: Any) -> Any:
        from ddgs.exceptions import DDGSException

        with self._lock:
            self.requests.append(
                DdgsRequest(
                    method, url, dict(kwargs.get("data") or {}), dict(kwargs.get("params") or {})
                )
            )
        if self.mode == "down":
            raise DDGSException("ConnectError: Connection refused (os error 111)")
        if url != DDG_HTML_URL:
            return FakeResponse(404)
        if self.mode == "ratelimited":
            return FakeResponse(202, "<html>ratelimited</html>")
        query = str((kwargs.get("data") or {}).get("q", ""))
        page = ddg_result_page(query, extra_urls=self.extra_urls)
        return FakeResponse(200, page, page.encode())
