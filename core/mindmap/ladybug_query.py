"""Cypher we did not write, run on the embedded graph in a child process with real bounds.

Why a process: LadybugDB checks ``set_query_timeout`` only between blocks of work, and some
single steps (``range(1, 300000000)``, a ``collect`` over a cartesian product) run for many
seconds holding the GIL, so neither the native timeout nor a watchdog thread in this
process can stop them (measured: a 1 s limit held for 3.4 s by one ``UNWIND range``; the
issue saw 21 s and 4.3 GB past a 10 s one). A child process that opens the file read-only
(LadybugDB allows that beside our writer, and it sees committed writes still in the WAL)
can be killed at the deadline, and its address space is capped (``RLIMIT_AS``), so a
runaway query ends as ``std::bad_alloc`` instead of swapping the machine. It costs about
0.3 s per query, paid only by user and LLM queries, never by the app's own reads.

The parent sends ``{"path", "cypher", "params", "max_rows", "timeout_ms"}`` as JSON on
stdin; the child answers ``{"columns", "rows"}`` or ``{"error", "kind"}`` on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from core.mindmap.guard import QueryTimeout

MEMORY_LIMIT_BYTES = 2 * 1024**3
"""Address space a query may use beyond the database mapping."""
START_GRACE_S = 3.0
"""Time allowed beyond the query's own limit for the child to start and answer."""


def _map_size(path: Path) -> int:
    """The database mapping (``max_db_size``): room for the file, at least 1 GB."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return max(1 << 30, 1 << (max(size, 1) * 2).bit_length())


def run_bounded(
    path: Path, cypher: str, params: dict[str, Any], *, timeout_s: float, max_rows: int
) -> tuple[list[str], list[list[Any]]]:
    """(columns, rows) of a checked read query, or ``QueryTimeout`` / ``RuntimeError``."""
    request = {
        "path": str(path),
        "cypher": cypher,
        "params": params,
        "max_rows": int(max_rows),
        "timeout_ms": max(1, int(timeout_s * 1000)),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "core.mindmap.ladybug_query"],
            input=json.dumps(request, default=str),
            capture_output=True,
            text=True,
            timeout=timeout_s + START_GRACE_S,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise QueryTimeout(timeout_s) from None
    try:
        answer = json.loads(done.stdout.strip().split("\n")[-1])
    except (IndexError, ValueError):
        detail = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise RuntimeError(f"the query process failed ({detail[:300]})") from None
    if "error" in answer:
        if answer.get("kind") == "timeout":
            raise QueryTimeout(timeout_s)
        if answer.get("kind") == "memory":
            raise RuntimeError(
                f"the query needed more than {MEMORY_LIMIT_BYTES // 1024**3} GB and was "
                "stopped; add a LIMIT or match fewer nodes"
            )
        raise RuntimeError(str(answer["error"]))
    return list(answer["columns"]), [list(row) for row in answer["rows"]]


def _child() -> None:
    request = json.loads(sys.stdin.read())
    path = Path(request["path"])
    map_size = _map_size(path)
    try:
        import resource

        limit = map_size + MEMORY_LIMIT_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - no rlimits here
        pass
    import ladybug

    from core.mindmap.cypher_store import plain

    def answer(payload: dict[str, Any]) -> None:
        # ASCII only: a C1 or separator character in the data (NEL, U+2028) must not split the
        # one answer line the parent reads.
        sys.stdout.write(json.dumps(payload, ensure_ascii=True, default=str) + "\n")
        sys.stdout.flush()

    try:
        db = ladybug.Database(
            str(path), read_only=True, buffer_pool_size=256 * 1024**2, max_db_size=map_size
        )
        conn = ladybug.Connection(db)
        conn.set_query_timeout(int(request["timeout_ms"]))
        conn.execute("BEGIN TRANSACTION READ ONLY")
        # A parameter forces the prepared (single-statement) path even if the query has none.
        result = conn.execute(request["cypher"], request["params"] or {"_single_statement": 0})
        columns = list(result.get_column_names())  # type: ignore[union-attr]
        rows = [[plain(v) for v in row] for row in result.get_n(int(request["max_rows"]))]  # type: ignore[union-attr]
    except MemoryError:
        answer({"error": "out of memory", "kind": "memory"})
        return
    except Exception as exc:
        text = str(exc)
        kind = "timeout" if "interrupted" in text.lower() else "query"
        if "bad_alloc" in text or "unable to allocate" in text.lower():
            kind = "memory"
        answer({"error": text, "kind": kind})
        return
    answer({"columns": columns, "rows": rows})
    sys.stdout.flush()
    os._exit(0)  # no checkpoint or teardown work: the file was only read


if __name__ == "__main__":
    _child()
