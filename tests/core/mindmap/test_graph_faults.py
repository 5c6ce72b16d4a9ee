"""A full disk under the mind map, a damaged graph file, a full sessions disk.

The native abort itself was reproduced on a 3 MB tmpfs (see ``core.mindmap.ladybug_store``);
here the disk is simulated at the boundary we own: the free-space probe, the library's
own I/O error text, and ``os.write`` of the session log. A damaged file is made the way a
crash makes one: a process killed with its WAL unchecked-in, the WAL then torn.
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import core.mindmap.ladybug_store as lbs
from core import events as ev
from core.config import load
from tests.samples import run_graph as run
from tests.samples import save_session
from tui.cli import main

SID = "20261202-010000-abcd"


def _graph_file() -> Path:
    return load().graph_path / lbs.DB_FILE


def test_a_nearly_full_disk_refuses_the_write_before_the_library_sees_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = lbs.LadybugStore(tmp_path / "g" / lbs.DB_FILE, buffer_pool_mb=64)
    monkeypatch.setattr(lbs, "free_bytes", lambda folder: 3 * 2**20)
    started = ev.SessionStarted(topic="Disk", rounds=1, breadth=1).stamped(SID, 1)
    with pytest.raises(lbs.GraphDiskFull, match="3 MB free"):
        store.apply(started)
    monkeypatch.setattr(lbs, "free_bytes", lambda folder: 2**40)
    store.apply(started)  # nothing was poisoned: the same store writes once there is room
    assert store.stats().nodes["Session"] == 1
    store.close()


class _PoisonedConnection:
    """Answers like LadybugDB's connection after ENOSPC hit its WAL."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def execute(self, cypher: str, params: Any = None) -> Any:
        self.calls.append(cypher)
        if cypher.startswith("BEGIN"):
            return None
        raise RuntimeError(
            "IO exception: Cannot write to file. path: mindmap.lbug.wal Error: No space left"
        )

    def close(self) -> None:
        self.calls.append("close")


def test_an_io_error_inside_the_library_abandons_the_store_and_never_closes_it(
    tmp_path: Path,
) -> None:
    store = lbs.LadybugStore(tmp_path / "g" / lbs.DB_FILE, buffer_pool_mb=64)
    poisoned = _PoisonedConnection()
    store._write_conn = poisoned  # type: ignore[assignment]
    started = ev.SessionStarted(topic="Disk", rounds=1, breadth=1).stamped(SID, 1)
    with pytest.raises(lbs.GraphWriteFailed, match="no longer used"):
        store.apply(started)
    assert "ROLLBACK" not in poisoned.calls  # the poisoned database is not touched again
    calls = len(poisoned.calls)
    with pytest.raises(lbs.GraphWriteFailed, match="stopped after a failed write"):
        store.apply(started)
    with pytest.raises(lbs.GraphWriteFailed):
        store.stats()
    store.close()  # closing a poisoned database is what aborted the process (exit 134)
    assert len(poisoned.calls) == calls


def _tear_the_graph(path: Path) -> None:
    """A process writes and dies without a checkpoint; then its WAL is torn."""
    code = (
        "import os, sys\n"
        "from core import events as ev\n"
        "from core.mindmap.ladybug_store import LadybugStore\n"
        "s = LadybugStore(sys.argv[1], buffer_pool_mb=64)\n"
        "s.apply(ev.SessionStarted(topic='T', rounds=1, breadth=1, session_id='x', seq=1))\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    wal = Path(f"{path}.wal")
    wal.write_bytes(wal.read_bytes()[:100] + b"\0" * 37)
    with pytest.raises(lbs.GraphDamaged):
        lbs.LadybugStore(path, buffer_pool_mb=64)


@pytest.mark.parametrize("command", [["graph", "stats", "--json"], ["graph", "rebuild"]])
def test_a_damaged_graph_is_kept_aside_and_rebuilt_from_the_events(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    save_session(SID, "Recovered topic", rounds=1)
    path = _graph_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    _tear_the_graph(path)
    assert main(command) == 0
    captured = capsys.readouterr()
    assert "damaged" in captured.err and "moved aside" in captured.err
    kept = sorted(p.name for p in path.parent.glob(f"{lbs.DB_FILE}.damaged-*"))
    assert kept and any(name.endswith(".wal") for name in kept), kept
    assert run("graph", "stats", "--json") == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["nodes"]["Session"] == 1 and stats["nodes"]["Evidence"] == 2


def test_a_full_graph_disk_during_a_run_is_a_warning_and_the_research_finishes(
    fake_env: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lbs, "free_bytes", lambda folder: 2**20)
    assert main(["run", "Full graph disk", "--rounds", "1", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "done"
    assert "Mind map write failed" in captured.err and "free space" in captured.err


def test_a_full_sessions_disk_names_the_file_and_exits_1(
    fake_env: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.sessions as sessions

    real_write = sessions.os.write
    writes = {"n": 0}

    def write(fd: int, data: bytes) -> int:
        writes["n"] += 1
        if writes["n"] > 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(sessions.os, "write", write)
    code = main(["run", "Full sessions disk", "--rounds", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert "No space left on device" in err and "events.jsonl" in err
    assert "unexpected" not in err
