"""``deepresearch-tui sessions list`` over 200 saved researches, against the same command
over one, both as fresh processes in the same run (the baseline pays the same start-up).

The researches are real session folders: one written through the session recorder
(``tests.snapshot_apps.scripted``), copied under 199 more ids, so every one is listed,
verified and shown as the command would for a user with 200 researches.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_live import Figure
from bench.bytecode import compile_project

SESSIONS = 200
TARGET_RATIO = 1.5
"""200 researches may cost at most half again what one does: the start-up dominates, so
the listing itself must cost a few milliseconds per research at most."""


def _data_dir(root: Path, count: int) -> Path:
    """A data folder holding ``count`` saved researches (one recorded, the rest copies)."""
    from tests.snapshot_apps.scripted import canned_events, write_session

    sessions = root / "sessions"
    first = write_session(sessions, canned_events(rounds=3))
    for i in range(1, count):
        shutil.copytree(
            sessions / first, sessions / f"20261101-{i // 60:02d}{i % 60:02d}00-{i:04x}"
        )
    return root


def _list_s(env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "sessions", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip(), "sessions list printed nothing"
    return time.perf_counter() - started


def _env(data: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DEEPRESEARCH_TUI_DATA=str(data),
        DEEPRESEARCH_TUI_CONFIG=str(data / "config.toml"),
        COLUMNS="120",
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
    )
    return env


def measure(runs: int = 3) -> list[Figure]:
    compile_project()  # timed as every launch but the first (bench/bytecode.py)
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as tmp:
        one = _env(_data_dir(Path(tmp) / "one", 1))
        many = _env(_data_dir(Path(tmp) / "many", SESSIONS))
        _list_s(one)  # warm the file cache once
        base, full = [], []
        for _ in range(max(3, runs)):
            base.append(_list_s(one))
            full.append(_list_s(many))
    ratio = tuple(f / b for f, b in zip(full, base, strict=True))
    return [
        Figure("sessions list, 1 research (baseline)", tuple(base), "s"),
        Figure(f"sessions list with {SESSIONS} researches", tuple(full), "s"),
        Figure(
            f"sessions list {SESSIONS} / 1",
            ratio,
            "x",
            f"<= {TARGET_RATIO}x",
            statistics.median(ratio) <= TARGET_RATIO,
        ),
    ]
