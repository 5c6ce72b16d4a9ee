"""URL normalisation, so the same page found by two queries is one source."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "_hs")
_TRACKING_NAMES = frozenset({"fbclid", "gclid", "dclid", "msclkid", "ref", "ref_src", "igshid"})


def normalise_url(url: str) -> str:
    """A key for de-duplication: lower-case scheme and host, no ``www.``, no default port,
    no fragment, no tracking parameters, sorted query, no trailing slash.

    http and https count as the same page. The original URL is what we show and cite.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    host = host.removeprefix("www.")
    port = parts.port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_NAMES
    )
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("http", host, path, urlencode(query), ""))
