"""How the UI shows paths: ``~`` for the home folder, markup-safe."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.markup import to_content

from tui.paths import shown_path


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_a_path_under_home_starts_with_tilde(home: Path) -> None:
    assert shown_path(home / "data" / "report.md") == "~/data/report.md"


def test_a_path_elsewhere_is_shown_whole(home: Path) -> None:
    assert shown_path("/srv/research/report.md") == "/srv/research/report.md"


def test_a_folder_named_like_markup_is_shown_literally(home: Path) -> None:
    shown = shown_path(home / "[b]notes[/b]" / "report.md")
    assert to_content(shown).plain == "~/[b]notes[/b]/report.md"
