"""The README documents what the app really does: its keys and its two set-up commands."""

from __future__ import annotations

import re
from pathlib import Path

from tui.screens.help import ALL_KEYS

README = Path(__file__).resolve().parents[1] / "README.md"
CI = Path(__file__).resolve().parents[1] / ".ci" / "run"


def readme_key_rows() -> list[str]:
    """The README's key table as the help screen's ``ALL_KEYS`` would write it."""
    return [f"| {where} | `{key}` | {what} |" for where, key, what in ALL_KEYS]


def test_the_readme_key_table_is_the_help_screens() -> None:
    """Row for row, so a key changed in the app cannot leave a stale line in the README.

    On failure, run ``python -m tui.keys --write-readme`` (it regenerates the section).
    """
    text = README.read_text(encoding="utf-8")
    table = text.split("### Keys", 1)[1].split("| --- | --- | --- |\n", 1)[1]
    rows = table.split("\n\n", 1)[0].splitlines()
    rows = [row for row in rows if row.startswith("|")]
    assert rows == readme_key_rows(), "\n".join(readme_key_rows())


def test_the_readme_key_section_is_what_the_generator_writes() -> None:
    """The section between the markers is generated from ``tui.keys.ALL_KEYS``: the README
    regenerated now must be byte for byte the README as committed."""
    from tui.keys import README_END, README_START, markdown_table, with_key_table

    text = README.read_text(encoding="utf-8")
    assert README_START in text and README_END in text
    assert with_key_table(text) == text, "run: python -m tui.keys --write-readme"
    assert markdown_table() in text


def test_the_generator_replaces_a_stale_table() -> None:
    from tui.keys import README_END, README_START, markdown_table, with_key_table

    stale = f"intro\n{README_START}\n| old | row |\n{README_END}\nafter\n"
    fresh = with_key_table(stale)
    assert "| old | row |" not in fresh and markdown_table() in fresh
    assert fresh.startswith("intro\n") and fresh.endswith("after\n")


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
