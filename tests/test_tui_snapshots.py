"""SVG snapshots of Home, Research mid-run and Report at 80x24 and 160x48.

Deterministic by construction: the research is replayed from canned events with fixed
timestamps (no clock on screen), the session id is fixed and the data folder sits in a
per-test home folder (the Report screen shows its path as ``~/data/...``, the same in every
run and never shared between two runs), and the saved-list "started" column is pinned (its
clock time depends on the time zone).
Update baselines with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.config import load
from tests.snapshot_apps.scripted import canned_events, mid_run_events, write_session
from tui.app import DeepResearchApp
from tui.screens.research import ResearchScreen

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


class _NoStore:
    def roots(self) -> list[Any]:
        return []


def _app(**kwargs: Any) -> DeepResearchApp:
    return DeepResearchApp(load(), store_factory=lambda config: (_NoStore(), []), **kwargs)


async def _until_replayed(pilot: Any) -> None:
    for _ in range(500):
        screen = pilot.app.screen
        if isinstance(screen, ResearchScreen) and screen.replayed:
            break
        await pilot.pause(0.01)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare: Any, fixed_env: Path, size: tuple[int, int]) -> None:
    write_session(load().sessions_dir, canned_events())

    async def ready(pilot: Any) -> None:
        for _ in range(500):
            if getattr(pilot.app.screen, "loaded", False):
                break
            await pilot.pause(0.01)
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_research_mid_run(snap_compare: Any, fixed_env: Path, size: tuple[int, int]) -> None:
    """Round 2's searches under way. The session is claimed, as the engine of another
    window would hold it, so the screen shows a running research (deterministically)."""
    from core.sessions import SessionStore

    sessions_dir = load().sessions_dir
    session_id = write_session(sessions_dir, mid_run_events())
    lock = SessionStore(sessions_dir).open(session_id).claim()

    async def ready(pilot: Any) -> None:
        await _until_replayed(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    try:
        assert snap_compare(_app(open_session=session_id), terminal_size=size, run_before=ready)
    finally:
        lock.release()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_report(snap_compare: Any, fixed_env: Path, size: tuple[int, int]) -> None:
    session_id = write_session(load().sessions_dir, canned_events())
    assert snap_compare(
        _app(open_session=session_id),
        terminal_size=size,
        press=["r"],
        run_before=_until_replayed,
    )


@pytest.mark.parametrize("size", [(80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_research_failed(snap_compare: Any, fixed_env: Path, size: tuple[int, int]) -> None:
    """A research that failed on a bad key: the reason and the way out stay above the panes."""
    from tests.test_tui_research_ux import failed_events

    session_id = write_session(load().sessions_dir, failed_events())
    assert snap_compare(
        _app(open_session=session_id), terminal_size=size, run_before=_until_replayed
    )
