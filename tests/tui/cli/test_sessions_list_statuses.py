"""``sessions list`` with the long statuses: whole words at 80 columns (with a key to the
short forms), spelled out on a wide terminal, and an old "done" unchanged."""

from __future__ import annotations

import pytest

from core import events as ev
from core.config import load
from tests.samples import save_session
from tui.cli import main

STATUSES = {"s-warn": "done with warnings", "s-budget": "budget reached", "s-old": "done"}


def _save_finished() -> None:
    folder = load().sessions_dir
    for sid, status in STATUSES.items():
        save_session(sid, f"A long research topic about {sid} and much more besides")
        log = folder / sid / "events.jsonl"
        seq = len(log.read_text(encoding="utf-8").splitlines()) + 1
        with log.open("a", encoding="utf-8") as out:
            out.write(ev.to_json(ev.SessionFinished(status=status).stamped(sid, seq)) + "\n")


def _rows(out: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in out.splitlines() if is_row(line)}


def is_row(line: str) -> bool:
    """A table row (the table is indented on wide terminals, flush on narrow ones)."""
    return line.lstrip().startswith("s-")


@pytest.mark.parametrize("columns", [80, 200])
def test_sessions_list_shows_long_statuses_in_whole_words(
    columns: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    _save_finished()
    assert main(["sessions", "list"]) == 0
    out = capsys.readouterr().out
    assert all(len(line) <= columns for line in out.splitlines())
    rows = _rows(out)
    assert set(rows) == set(STATUSES)
    assert rows["s-old"][-5] == "done", "an old done session still reads done"  # then rounds,
    # sources, cost and updated
    if columns == 80:
        assert " done ⚠ " in out and " budget hit " in out
        table = [line for line in out.splitlines() if is_row(line)]
        assert not any("done with" in line or "budget reac" in line for line in table)
        assert "budget hit = budget reached; done ⚠ = done with warnings" in out
        topic = next(line for line in out.splitlines() if line.lstrip().startswith("s-warn"))
        assert "A long resea" in topic, "the topic keeps its room (the status is short)"
    else:
        assert " done with warnings " in out and " budget reached " in out
        keys = [line for line in out.splitlines() if " = " in line]
        assert all(line.startswith("~ = estimated") for line in keys), "no status key"
