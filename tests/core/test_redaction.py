"""The one secrets module: URL credentials in their two display forms."""

from __future__ import annotations

from core.config import redact_url
from core.mindmap.neo4j_connect import safe_uri
from core.redaction import strip_userinfo, url_without_credentials


def test_both_display_forms_come_from_one_function() -> None:
    url = "https://user:pw-12345@gw.example:8443/v1?key=abc"
    assert url_without_credentials(url) == "https://gw.example:8443/v1" == safe_uri(url)
    assert (
        redact_url(url)
        == url_without_credentials(url, marked=True)
        == ("https://…@gw.example:8443/v1?…")
    )
    assert redact_url("http://[::1") == "<unparseable URL>"


def test_userinfo_leaves_every_url_in_a_message() -> None:
    text = "could not reach bolt://neo4j:pw@db:7687 nor https://a:b@x.example/p"
    assert strip_userinfo(text) == "could not reach bolt://db:7687 nor https://x.example/p"
