"""The README documents what the app really does: its keys and its two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

from tui.screens.help import ALL_KEYS

README = Path(__file__).resolve().parents[1] / "README.md"
CI = Path(__file__).resolve().parents[1] / ".ci" / "run"


def test_every_key_in_the_help_screen_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    for where, key, _ in ALL_KEYS:
        assert f"| {where} | `{key}` |" in text, (where, key)


def test_quick_start_has_two_commands_and_ci_runs_the_second() -> None:
    text = README.read_text(encoding="utf-8")
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quick)
    assert len(commands) == 2
    assert commands[0].endswith("deepresearch-tui")
    assert "[dev]" in commands[1] and commands[1].endswith("pytest")
    assert commands[1] in CI.read_text(encoding="utf-8")


def test_readme_screenshots_exist() -> None:
    text = README.read_text(encoding="utf-8")
    images = re.findall(r"\]\((docs/[^)]+\.svg)\)", text)
    assert len(images) >= 3
    for image in images:
        assert (README.parent / image).is_file(), image
