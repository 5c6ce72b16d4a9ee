"""Keeping secrets out of everything we write or show: events, logs, exports, messages.

Providers already scrub their own key from their errors; this is the second line of defence,
applied where text leaves the engine (every event) and where a session leaves the machine
(exports). Values shorter than ``MIN_SECRET_CHARS`` are not replaced: a password such as
"neo4j" would otherwise turn every mention of the product into ``[redacted]`` and make the
message useless, while a short value is no real secret to begin with.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from core.config import Config

MIN_SECRET_CHARS = 6
REDACTED = "[redacted]"


def secret_values(config: Config) -> list[str]:
    """The configured keys and password, plus credentials or tokens inside the base URLs."""
    values = [config.gemini.api_key, config.tavily.api_key, config.neo4j.password]
    for url in (config.gemini.base_url, config.tavily.base_url, config.neo4j.uri):
        values += _url_secrets(url)
    return sorted({v for v in values if v and len(v) >= MIN_SECRET_CHARS}, key=len, reverse=True)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced (longest first, so none is half-replaced)."""
    for value in sorted(secrets, key=len, reverse=True):
        if value and len(value) >= MIN_SECRET_CHARS:
            text = text.replace(value, REDACTED)
    return text


def _url_secrets(url: str) -> list[str]:
    if not url:
        return []
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    return [v for v in (password, *(value for _key, value in parse_qsl(parts.query))) if v]
