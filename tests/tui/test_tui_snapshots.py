"""SVG snapshots of Home, Research mid-run and Report at 80x24 and 160x48.

Deterministic by construction: the research is replayed from canned events with fixed
timestamps (no clock on screen), the session id is fixed and the data folder sits in a
per-test home folder (the Report screen shows its path as ``~/data/...``, the same in every
run and never shared between two runs), and the saved-list "started" column is pinned (its
clock time depends on the time zone).
Update baselines with ``pytest tests/tui/test_tui_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from core.config import load
from tests.conftest import AppBuilder
from tests.pilot_helpers import home_loaded, replayed, settled
from tests.snapshot_apps.scripted import (
    canned_events,
    failed_events,
    mid_run_events,
    write_session,
)

SIZES = [(80, 24), (160, 48)]
SESSION_ID = "20251123-120000-snap"


@pytest.fixture
def fixed_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("DEEPRESEARCH_TUI_DATA", str(data))
    monkeypatch.setenv("DEEPRESEARCH_TUI_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("GEMINI_API_KEY", "snapshot-gemini-key")
    monkeypatch.setenv("TAVILY_API_KEY", "snapshot-tavily-key")
    monkeypatch.setattr("core.sessions.SessionStore.new_id", lambda self: SESSION_ID)
    monkeypatch.setattr("tui.widgets.session_table.started_label", lambda *a, **k: "Nov 21 09:30")
    return data


def _steady_cursors(app: Any) -> None:
    """Text cursors shown, not blinking: a blink every 0.5 s would put the capture on either
    side of it as soon as the machine is slow enough (it was, under load)."""
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def _until_replayed(pilot: Any) -> None:
    """The research on top and replayed, its animations done; fails if it never replays."""
    await replayed(pilot)
    _steady_cursors(pilot.app)
    await settled(pilot)  # the steady cursors painted
    await pilot.wait_for_scheduled_animations()


async def _home_loaded(pilot: Any) -> None:
    await home_loaded(pilot)
    _steady_cursors(pilot.app)
    await settled(pilot)  # the steady cursors painted


def _compare(snap_compare: Any, app: Any, size: tuple[int, int], ready: Any, **kw: Any) -> None:
    """``snap_compare`` that fails with ``ready``'s own error when the screen never got there.

    An exception inside ``run_before`` only makes the snapshot run return nothing; keeping
    it says which state was missing instead of a bare "no screenshot".
    """
    errors: list[BaseException] = []

    async def run_before(pilot: Any) -> None:
        try:
            await ready(pilot)
        except BaseException as error:
            errors.append(error)
            raise

    try:
        matched = snap_compare(app, terminal_size=size, run_before=run_before, **kw)
    except BaseException:
        if errors:
            raise errors[0] from None
        raise
    if errors:
        raise errors[0]
    assert matched


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(
    snap_compare: Any, fixed_env: Path, size: tuple[int, int], make_app: AppBuilder
) -> None:
    write_session(load().sessions_dir, canned_events())

    _compare(snap_compare, make_app(), size, _home_loaded)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_research_mid_run(
    snap_compare: Any, fixed_env: Path, size: tuple[int, int], make_app: AppBuilder
) -> None:
    """Round 2's searches under way. The session is claimed, as the engine of another
    window would hold it, so the screen shows a running research (deterministically)."""
    from core.sessions import SessionStore

    sessions_dir = load().sessions_dir
    session_id = write_session(sessions_dir, mid_run_events())
    lock = SessionStore(sessions_dir).open(session_id).claim()

    async def ready(pilot: Any) -> None:
        await _until_replayed(pilot)
        pilot.app.clear_notifications()
        await settled(pilot)  # the toasts' removal painted

    try:
        _compare(snap_compare, make_app(open_session=session_id), size, ready)
    finally:
        lock.release()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_report(
    snap_compare: Any, fixed_env: Path, size: tuple[int, int], make_app: AppBuilder
) -> None:
    session_id = write_session(load().sessions_dir, canned_events())
    _compare(snap_compare, make_app(open_session=session_id), size, _until_replayed, press=["r"])


@pytest.mark.parametrize("size", [(80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_research_failed(
    snap_compare: Any, fixed_env: Path, size: tuple[int, int], make_app: AppBuilder
) -> None:
    """A research that failed on a bad key: the reason and the way out stay above the panes."""
    session_id = write_session(load().sessions_dir, failed_events())
    _compare(snap_compare, make_app(open_session=session_id), size, _until_replayed)
