"""tui.preload: the research modules are imported off the UI thread while Home is read, and
the UI waits for that import before it runs the same imports itself (issue 15)."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import AppBuilder
from tui import preload
from tui.preload import Preload


def _modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *bodies: str) -> tuple[str, ...]:
    """Fresh importable modules (unique names), each with ``bodies[i]`` as its code."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names = []
    for body in bodies:
        name = f"preload_probe_{uuid.uuid4().hex}"
        (tmp_path / f"{name}.py").write_text(body, encoding="utf-8")
        names.append(name)
    return tuple(names)


RECORDS_ITS_THREAD = "import threading\nTHREAD = threading.current_thread().name\n"


def test_the_modules_are_imported_once_in_a_thread_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _modules(tmp_path, monkeypatch, RECORDS_ITS_THREAD, RECORDS_ITS_THREAD)
    job = Preload(names)
    job.wait()  # none started: returns at once
    job.start()
    job.wait()
    assert [sys.modules[name].THREAD for name in names] == ["preload-research"] * 2
    # Done, the thread is let go (it holds the sys.stderr of its start: an app's print
    # capture), and a second start starts nothing.
    assert job._thread is None
    job.start()
    assert job._thread is None


def test_a_module_that_fails_to_import_ends_the_preload_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The UI's own import says what is wrong when it needs the module; the preload only
    stops (the modules after it are left to the UI)."""
    names = _modules(tmp_path, monkeypatch, "raise RuntimeError('broken')", RECORDS_ITS_THREAD)
    job = Preload(names)
    job.start()
    job.wait()
    assert names[0] not in sys.modules and names[1] not in sys.modules


@pytest.mark.usefixtures("keys")
async def test_home_starts_the_preload_and_a_research_waits_for_it(
    make_app: AppBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Home's first estimate starts it; opening a research waits for it before importing
    the research screen."""
    from tests.pilot_helpers import research_screen, wait_for

    calls: list[str] = []
    monkeypatch.setattr(preload, "start", lambda: calls.append("start"))
    monkeypatch.setattr(preload, "wait", lambda: calls.append("wait"))
    app = make_app()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "estimated", False), "Home estimated")
        assert calls == ["start"]
        await pilot.press(*"batteries", "enter")
        await research_screen(pilot)
        assert calls[:2] == ["start", "wait"]
