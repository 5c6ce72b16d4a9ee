"""Building a Neo4j driver, and keeping its credentials out of everything we show.

One place for what both the store and the Settings screen's "Test connection" need:

- Timeouts. ``connection_timeout`` bounds only the TCP connect; the Bolt handshake after it
  waits for ``connection_acquisition_timeout`` (driver default 60 s), so a port that
  accepts and never answers (a proxy, another service on 7687) would hang the app for a
  minute. Both are set to the same few seconds. ``liveness_check_timeout`` makes the pool
  test a connection that sat idle longer than that before lending it out, so a connection
  a firewall or load balancer silently dropped is replaced instead of failing a query.
- Credentials in the URI. Driver 6 refuses ``user:password@`` in the URI ("URI userinfo is
  not supported"); we move them into ``auth`` instead of failing.
- Secrets in text. Driver messages may quote the URI; ``scrub`` takes the userinfo out of
  any URL in a message and masks the password when it is long enough to be unambiguous.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from core import redaction

RETRY_S = 5.0
"""How long a managed transaction is retried on transient errors (leader switch, deadlock)."""
LIVENESS_CHECK_S = 30.0
"""Idle time after which a pooled connection is checked (one RESET) before reuse."""


def safe_uri(uri: str) -> str:
    """The URI without any user:password@ part (and without query or fragment)."""
    return redaction.url_without_credentials(uri)


def split_userinfo(uri: str, user: str, password: str) -> tuple[str, str, str]:
    """(uri without userinfo, user, password) for the driver.

    The URI's ``user:password@`` is used when no password is given separately (the user
    setting defaults to "neo4j", so it cannot tell whether one was given); a password set
    in the config or environment wins. Percent-escapes are decoded (``p%40ss`` is ``p@ss``).
    """
    try:
        parts = urlsplit(uri)
        in_user, in_password = parts.username, parts.password
    except ValueError:
        return uri, user, password  # the driver names the problem
    if in_user is None and in_password is None:
        return uri, user, password
    netloc = parts.netloc.rpartition("@")[2]
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    if not password and in_password is not None:
        return bare, unquote(in_user or user), unquote(in_password)
    return bare, user, password


def uri_password(uri: str) -> str:
    """The password in ``uri``'s userinfo, decoded ("" when there is none)."""
    try:
        return unquote(urlsplit(uri).password or "")
    except ValueError:
        return ""


def scrub(text: str, uri: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the URI's credentials or any of ``secrets``.

    Userinfo is removed from every URL in the text whatever its length (that needs no
    guess about where the secret is); bare secrets are masked when at least
    ``redaction.MIN_SECRET_CHARS`` long, and so is the URI's own password.
    """
    if uri:
        text = text.replace(uri, safe_uri(uri))
    text = redaction.strip_userinfo(text)
    return redaction.scrub(text, (*secrets, uri_password(uri)))


def open_driver(uri: str, user: str, password: str, *, timeout_s: float = 5.0) -> Any:
    """A ``neo4j.Driver`` (not yet connected) whose every wait is bounded by ``timeout_s``."""
    import neo4j

    bare, user, password = split_userinfo(uri, user, password)
    return neo4j.GraphDatabase.driver(
        bare,
        auth=(user, password),
        connection_timeout=timeout_s,
        connection_acquisition_timeout=timeout_s,
        liveness_check_timeout=LIVENESS_CHECK_S,
        max_transaction_retry_time=RETRY_S,
        # The server's notifications (deprecations, "label does not exist" on a fresh graph)
        # are for people writing Cypher by hand; the driver logs each as a WARNING, which
        # printed a screenful on stderr for every `graph` command on an empty database.
        notifications_min_severity="OFF",
    )
