"""docs/reliability.md names a test for every fault; each named test must exist, so the
table cannot quietly point at a test that was renamed or removed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)")


def test_every_test_the_fault_matrix_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = NAMED.findall(text)
    assert len(named) >= 25, "the matrix covers at least 25 faults"
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not (ROOT / path).is_file()
        or not re.search(rf"def {name}\b", (ROOT / path).read_text(encoding="utf-8"))
    ]
    assert missing == []


def test_every_row_of_the_matrix_names_a_test() -> None:
    rows = [
        line
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and not line.startswith("| fault") and "---" not in line
    ]
    assert len(rows) >= 25
    assert [row for row in rows if not NAMED.search(row)] == []
