"""Keeping secrets out of everything we write or show: events, logs, exports, messages.

The one module for that job: scrubbing known secret values out of text, taking credentials
out of URLs (for display, and out of any URL quoted in a message), and listing the secrets
a config holds. ``core.config.redact_url`` and ``core.mindmap.neo4j_connect.safe_uri`` are
the two display forms of ``url_without_credentials``.

Providers already scrub their own key from their errors; this is the second line of defence,
applied where text leaves the engine (every event) and where a session leaves the machine
(exports). Values shorter than ``MIN_SECRET_CHARS`` are not replaced: a password such as
"neo4j" would otherwise turn every mention of the product into ``[redacted]`` and make the
message useless, while a short value is no real secret to begin with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit, urlunsplit

if TYPE_CHECKING:
    from core.config import Config

MIN_SECRET_CHARS = 6
REDACTED = "[redacted]"

_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]*@")


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


def url_without_credentials(
    url: str, *, marked: bool = False, invalid: str = "<invalid uri>"
) -> str:
    """``url`` with no ``user:password@`` part, no query and no fragment (gateways put
    tokens in the query). ``marked`` leaves "…" where something was taken out, so a user
    can tell a URL that had credentials from one that had none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        return invalid
    if marked:
        netloc = f"…@{host}" if (parts.username or parts.password) else host
        return urlunsplit((parts.scheme, netloc, parts.path, "…" if parts.query else "", ""))
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def strip_userinfo(text: str) -> str:
    """Every URL in ``text`` without its ``user:password@`` (whatever the secret's length)."""
    return _USERINFO.sub(r"\g<scheme>", text)
