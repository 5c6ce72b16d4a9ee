"""The one atomic-write helper every writer uses."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.atomic import SHARED, write_atomic


def test_replaces_whole_with_the_mode_asked_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    path.write_text("old", encoding="utf-8")
    write_atomic(path, "new ✓")
    assert path.read_text("utf-8") == "new ✓"
    assert os.stat(path).st_mode & 0o777 == 0o600
    write_atomic(path, b"bytes too", mode=SHARED)
    assert path.read_bytes() == b"bytes too" and os.stat(path).st_mode & 0o777 == SHARED
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]


def test_a_failed_write_keeps_the_old_file_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "report.md"
    path.write_text("kept", encoding="utf-8")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(path, "lost")
    assert path.read_text("utf-8") == "kept"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
