"""The cost on the command line's other surfaces: ``sessions list`` and ``show``, both
exports, and the app launcher's budget flags. Sessions are written from the canned events
(priced here, or left as a log from before costs were recorded)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from core.config import load
from core.events import Event, LLMCallFinished, SearchFinished
from core.record.exports import export_session
from core.sessions import SessionStore
from tests.snapshot_apps.scripted import canned_events, write_session
from tui.cli import main


def priced_events(call_usd: float = 0.25, search_usd: float = 0.125) -> list[Event]:
    """The canned research with each call and search priced as the engine records it."""
    priced: list[Event] = []
    for event in canned_events():
        if isinstance(event, LLMCallFinished):
            event = dataclasses.replace(event, cost_usd=call_usd)
        elif isinstance(event, SearchFinished):
            event = dataclasses.replace(event, cost_usd=search_usd)
        priced.append(event)
    return priced


def expected(events: list[Event]) -> float:
    return sum(e.cost_usd for e in events if isinstance(e, LLMCallFinished | SearchFinished))


def test_sessions_list_and_show_print_the_cost(capsys: pytest.CaptureFixture[str]) -> None:
    events = priced_events()
    total = expected(events)
    assert total > 1  # a figure format_usd prints as $N.NN
    session_id = write_session(load().sessions_dir, events)

    assert main(["sessions", "list"]) == 0
    listing = capsys.readouterr().out
    assert "cost" in listing.splitlines()[0]
    assert f"${total:,.2f}" in listing

    assert main(["sessions", "show", session_id]) == 0
    shown = capsys.readouterr().out
    (line,) = [row for row in shown.splitlines() if row.startswith("cost")]
    assert f"${total:,.2f}" in line
    assert "estimated" not in line


def test_an_old_session_still_loads_and_says_its_cost_is_estimated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Canned events carry no cost (-1: logged before costs were recorded); a session.json
    from then has no ``cost_usd`` key either."""
    sessions_dir = load().sessions_dir
    session_id = write_session(sessions_dir, canned_events())
    handle = SessionStore(sessions_dir).open(session_id)
    meta = json.loads(handle.meta_path.read_text("utf-8"))
    meta.pop("cost_usd")
    handle.meta_path.write_text(json.dumps(meta), encoding="utf-8")

    assert main(["sessions", "list"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if session_id in line)
    assert "—" in row and "corrupt" not in row

    assert main(["sessions", "show", session_id]) == 0
    (line,) = [r for r in capsys.readouterr().out.splitlines() if r.startswith("cost")]
    assert "estimated" in line
    assert "$0 " not in line + " "  # priced at today's defaults, not nothing


def test_both_exports_carry_the_cost() -> None:
    events = priced_events(call_usd=0.5, search_usd=0.0)
    total = expected(events)
    sessions_dir = load().sessions_dir
    handle = SessionStore(sessions_dir).open(write_session(sessions_dir, events))

    markdown = export_session(handle, "md")
    (line,) = [row for row in markdown.splitlines() if row.startswith("Cost: ")]
    assert line.startswith(f"Cost: ${total:,.2f} · ")
    assert "LLM calls" in line

    summary = json.loads(export_session(handle, "json"))["state summary"]
    assert summary["cost_usd"] == pytest.approx(total)
    assert summary["cost_estimated"] is False

    old = SessionStore(sessions_dir).open(write_session(sessions_dir, canned_events()))
    assert json.loads(export_session(old, "json"))["state summary"]["cost_estimated"] is True
    assert "estimated" in export_session(old, "md").rsplit("Cost: ", 1)[1]


class RecordingApp:
    """Stands in for the Textual app: keeps the config it was opened with."""

    seen: list[tuple[object, str | None]] = []

    def __init__(self, config: object, *, start_topic: str | None, open_session: str | None):
        RecordingApp.seen.append((config, start_topic))
        self.return_code = 0

    def run(self) -> None:
        pass


def test_the_app_takes_the_budget_flags_for_this_session_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tui.app
    from tui.app import make_options

    monkeypatch.setattr(tui.app, "DeepResearchApp", RecordingApp)
    RecordingApp.seen = []
    assert main(["--max-cost", "1.5", "--max-tokens", "90000", "heat pumps in winter"]) == 0
    ((config, topic),) = RecordingApp.seen
    assert topic == "heat pumps in winter"
    assert config.cost.max_usd == 1.5 and config.cost.max_tokens == 90_000
    options = make_options(config)  # what the app's research starts with
    assert (options.max_usd, options.max_tokens) == (1.5, 90_000)
    assert load().cost.max_usd == 0.0  # nothing was written

    RecordingApp.seen = []
    assert main([]) == 0  # without the flags, the configured budget (none here)
    assert RecordingApp.seen[0][0].cost.max_usd == 0.0


def test_a_bad_app_budget_flag_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tui.app

    monkeypatch.setattr(tui.app, "DeepResearchApp", RecordingApp)
    RecordingApp.seen = []
    with pytest.raises(SystemExit) as exit_info:
        main(["--max-cost", "-2", "heat pumps"])
    assert exit_info.value.code == 2
    assert "--max-cost" in capsys.readouterr().err
    assert RecordingApp.seen == []


def test_help_lists_the_apps_budget_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--max-cost USD" in out and "--max-tokens N" in out


def test_run_with_max_cost_ends_in_a_report_that_says_the_budget_was_reached(
    fake_env: tuple[object, object], capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end from the command line: the cap lets one round and the report through
    (1.5 × their high-side estimate) and not ten rounds; the report still arrives."""
    from pathlib import Path

    from core.cost.session import estimate_for

    config = load()
    cap = 1.5 * estimate_for(config, rounds=1, breadth=2, topic="Heat pumps").usd
    argv = ["run", "Heat pumps", "--rounds", "10", "--breadth", "2", "--json"]
    assert main([*argv, "--max-cost", f"{cap:.6f}"]) == 0
    data = json.loads(capsys.readouterr().out)
    with capsys.disabled():
        print(f"BUDGET cli cap={cap:.4f} spent={data['cost_usd']:.4f} rounds={data['rounds']}")
    assert data["status"] == "budget reached"
    assert 1 <= data["rounds"] < 10
    assert 0 < data["cost_usd"] <= cap
    report = Path(data["report_path"]).read_text(encoding="utf-8")
    assert report.startswith("> *Budget reached:")

    assert main(["sessions", "show", data["session_id"]]) == 0
    shown = capsys.readouterr().out
    assert "budget reached" in shown
    (line,) = [row for row in shown.splitlines() if row.startswith("cost")]
    assert "$" in line and "estimated" not in line


def _listing_at(columns: int, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["sessions", "list"]) == 0
    return capsys.readouterr().out


def test_sessions_list_marks_an_estimated_cost_and_gives_the_topic_the_room(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call whose server reported no usage makes the cost an estimate: "~" and a key."""
    sessions_dir = load().sessions_dir
    exact = write_session(sessions_dir, priced_events())
    out = _listing_at(80, monkeypatch, capsys)
    assert "~" not in out and "estimated" not in out, "an exact cost has no mark and no key"

    counted = [
        dataclasses.replace(e, usage_estimated=True) if isinstance(e, LLMCallFinished) else e
        for e in priced_events()
    ]
    guessed = write_session(sessions_dir, counted)
    info = SessionStore(sessions_dir).open(guessed).read_info()
    assert info.cost_estimated is True  # kept in session.json, so a listing need not replay
    out = _listing_at(80, monkeypatch, capsys)
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    row = next(line for line in lines if guessed in line)
    total = expected(counted)
    assert f"~${total:,.2f}" in row
    assert f"~${total:,.2f}" not in next(line for line in lines if exact in line)
    assert any(line.startswith("~ = estimated cost") for line in lines)
    # the topic takes what the other columns leave: well over the old 12 cells at 80
    header = lines[0]
    assert header.index("status") - header.index("topic") - 1 >= 22
    assert row.split(guessed, 1)[1].lstrip().startswith("Solid-state batteries")

    shown = main(["sessions", "show", guessed])
    assert shown == 0
    (line,) = [r for r in capsys.readouterr().out.splitlines() if r.startswith("cost")]
    assert line.split()[1].startswith("~$") and "reported no token usage" in line


def test_the_usage_estimate_reaches_the_exports() -> None:
    sessions_dir = load().sessions_dir
    counted = [
        dataclasses.replace(e, usage_estimated=True) if isinstance(e, LLMCallFinished) else e
        for e in priced_events()
    ]
    handle = SessionStore(sessions_dir).open(write_session(sessions_dir, counted))
    assert json.loads(export_session(handle, "json"))["state summary"]["usage_estimated"] is True
    assert "no token usage" in export_session(handle, "md").rsplit("Cost: ", 1)[1]
