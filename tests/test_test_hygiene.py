"""The suite's own rule (issue 9): tests wait for states, never for a fixed time.

``await pilot.pause()`` lets the app run for as long as the machine happens to give it; an
assertion straight after it holds on an idle box and fails on a loaded one (or, for a
negative check, passes without proving anything). A sleep before an assertion is the same
race. This scan keeps the pattern from coming back; ``tests.pilot_helpers`` has the waits
to use instead (``wait_for``, ``shown``, ``on_top``, ``drained``, ``settled``).
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent

TIMED_PAUSE_ALLOWED = {
    "pilot_helpers.py",  # wait_for polls with a short pause between checks
    "snapshot_apps/docs_screenshots.py",  # README pictures, not a test
}
"""Files where ``pilot.pause(<seconds>)`` may stand (relative to tests/)."""


def _is_wait(node: ast.AST) -> str | None:
    """``"pause"``/``"sleep"`` when ``node`` is ``await pilot.pause(...)``, ``await
    asyncio.sleep(...)`` or ``time.sleep(...)`` as a statement; else None."""
    if not isinstance(node, ast.Expr):
        return None
    call = node.value.value if isinstance(node.value, ast.Await) else node.value
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return None
    owner = call.func.value
    name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
    if call.func.attr == "pause" and name == "pilot":
        return "pause"
    if call.func.attr == "sleep" and name in ("asyncio", "time"):
        return "sleep"
    return None


def problems_in(source: str, name: str = "<test>") -> list[str]:
    """Every wait directly followed by an ``assert``, and every timed pilot pause."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block:
                continue
            for statement, following in zip(block, [*block[1:], None], strict=True):
                kind = _is_wait(statement)
                if kind and isinstance(following, ast.Assert):
                    found.append(
                        f"{name}:{statement.lineno}: {kind} then assert at line "
                        f"{following.lineno}: wait for the asserted state instead"
                    )
                if kind == "pause":
                    call = statement.value.value  # type: ignore[attr-defined]
                    if (call.args or call.keywords) and name not in TIMED_PAUSE_ALLOWED:
                        found.append(f"{name}:{statement.lineno}: pilot.pause(<seconds>)")
    return found


def test_no_test_asserts_right_after_a_pause_or_a_sleep() -> None:
    found: list[str] = []
    for path in sorted(TESTS.rglob("*.py")):
        name = path.relative_to(TESTS).as_posix()
        found += problems_in(path.read_text(encoding="utf-8"), name)
    assert found == [], "\n".join(found)


def test_the_scan_sees_the_pattern() -> None:
    """The check itself can fail: each form it forbids is found in a sample."""
    sample = """
async def test_x(pilot, app):
    await pilot.press("enter")
    await pilot.pause()
    assert app.started == []
    if True:
        await asyncio.sleep(0.1)
        assert app.done
    time.sleep(1)
    assert True
    await pilot.pause(0.5)
    await wait_for(pilot, lambda: app.done)
"""
    found = problems_in(sample)
    assert sorted(int(line.split(":")[1]) for line in found) == [4, 7, 9, 11], found
    assert problems_in("async def t(pilot):\n    await pilot.pause()\n    x = 1\n") == []


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in support modules (``pilot_helpers``, ``engine_support``,
    ``fakes``, ``*_support``), so running one test file never runs or couples to another."""
    found: list[str] = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_"):
                    found.append(f"{path.relative_to(TESTS)}:{node.lineno}: imports {name}")
    assert found == [], "\n".join(found)
