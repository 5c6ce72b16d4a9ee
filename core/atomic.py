"""The one way we write a whole file: a temporary file beside it, fsynced, then renamed.

A reader (the app, a second window, an editor) never sees half a file, and a crash leaves
either the old file or the new one. The parent folder is fsynced after the rename too, so the
rename itself survives a power cut (where the platform allows opening a folder).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE = 0o600
"""Config, session files: only the user reads them (the config holds API keys)."""
SHARED = 0o644
"""Files the user keeps and hands on (exports, the report): readable as any new file."""


def write_atomic(path: Path, data: str | bytes, *, mode: int = PRIVATE, fsync: bool = True) -> Path:
    """Replace ``path`` with ``data`` (text is UTF-8) in one step; returns ``path``.

    ``fsync=False`` is for files that are cheap to rebuild and written often.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            if fsync:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if fsync:
        _fsync_folder(path.parent)
    return path


def _fsync_folder(folder: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
    with contextlib.suppress(OSError):  # e.g. Windows cannot open a folder: the rename stands
        fd = os.open(folder, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
