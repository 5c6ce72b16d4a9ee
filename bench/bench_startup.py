"""Start-up cost: how long until the CLI answers and the app's code is imported.

Each figure is the median wall time of fresh interpreter processes, with a bare
``python -c pass`` measured in the same run as the baseline. The SDKs (google-genai,
tavily, neo4j, ladybug) are imported lazily, so ``--version`` and ``config path`` must stay
close to the baseline; the last row shows what importing google-genai eagerly would add.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from bench.bytecode import compile_project

CASES = [
    ("python -c pass (baseline)", "pass"),
    ("deepresearch-tui --version", "from tui.cli import main; main(['--version'])"),
    ("deepresearch-tui config path", "from tui.cli import main; main(['config', 'path'])"),
    ("import core.research", "import core.research"),
    ("import tui.app (Textual)", "import tui.app"),
    ("import google.genai (kept lazy)", "import google.genai"),
]


def _time(code: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(*, repeat: int = 7) -> int:
    compile_project()  # timed as every launch but the first (bench/bytecode.py)
    baseline = None
    for label, code in CASES:
        seconds = _time(code, repeat)
        baseline = baseline or seconds
        print(f"{label:<36} {seconds * 1000:8.1f} ms   {seconds / baseline:5.1f}x baseline")
    return 0
