"""Writing a research's export to a file the user keeps.

Exports land in ``<data dir>/exports/``, not in the session's own folder: deleting a research
must not take with it what the user exported from it. The file name starts with the topic so
a folder of exports can be read at a glance, and ends with the session id so two researches
on one topic never overwrite each other.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core.redaction import secret_values
from core.sessions import SessionStore, export_session

if TYPE_CHECKING:
    from core.config import Config

_NOT_WORD = re.compile(r"[^\w]+")


def export_name(topic: str, session_id: str, fmt: str) -> str:
    """``solid-state-batteries-20261123-120000-ab12.md``: a file name safe everywhere."""
    ascii_topic = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode()
    slug = _NOT_WORD.sub("-", ascii_topic.lower()).strip("-_")[:50].rstrip("-_")
    return f"{slug}-{session_id}.{fmt}" if slug else f"{session_id}.{fmt}"


def write_export(config: Config, session_id: str, fmt: Literal["md", "json"]) -> Path:
    """Export one research (configured secrets scrubbed) and return the file written."""
    handle = SessionStore(config.sessions_dir).open(session_id)
    text = export_session(handle, fmt, secret_values=secret_values(config))
    folder = config.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / export_name(handle.read_info().topic, handle.id, fmt)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
