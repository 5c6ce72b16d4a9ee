"""The headless command line: exit codes, messages, JSON output, config handling."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from core.config import config_path
from tests.fakes.gemini_server import FakeGemini
from tests.fakes.tavily_server import FakeTavily
from tui.cli import main
from tui.cli.parser import COMMAND_NAMES, build_parser, parser_command_names


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert "deepresearch-tui 0." in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [["run"], ["sessions"], ["sessions", "export"], ["config"], ["graph"], ["import"]],
)
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    assert "usage: deepresearch-tui" in capsys.readouterr().out


def test_the_static_command_list_matches_the_parser() -> None:
    assert parser_command_names(build_parser()) == COMMAND_NAMES


def test_missing_keys_name_the_env_var_and_config_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "anything"]) == 2
    err = capsys.readouterr().err
    assert "GEMINI_API_KEY" in err
    assert "TAVILY_API_KEY" in err
    assert str(config_path()) in err


def test_broken_config_names_file_and_line_and_is_kept(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = config_path()
    path.parent.mkdir(parents=True)
    broken = '[gemini]\napi_key = "abc\nmodel = 3\n'
    path.write_text(broken, encoding="utf-8")
    assert main(["run", "anything"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "config.toml" in err
    assert "line 2" in err
    assert path.read_text(encoding="utf-8") == broken


def test_config_set_writes_0600_and_show_redacts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "set", "gemini.api_key", "AIzaSECRETSECRET9876"]) == 0
    assert main(["config", "set", "research.rounds", "5"]) == 0
    path = config_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    capsys.readouterr()
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "9876" in out
    assert "AIzaSECRETSECRET9876" not in out
    assert "rounds = 5" in out
    assert main(["config", "set", "research.rounds", "many"]) == 2
    assert main(["config", "set", "nope.key", "1"]) == 2
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip().endswith(str(path))


def test_env_key_is_never_written_to_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "from-the-environment-1111")
    assert main(["config", "set", "research.breadth", "2"]) == 0
    text = config_path().read_text(encoding="utf-8")
    assert "from-the-environment" not in text
    assert "breadth = 2" in text


def test_unknown_session_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", "show", "20990101-000000-dead"]) == 2
    assert "20990101-000000-dead" in capsys.readouterr().err
    assert main(["sessions", "export", "../../etc"]) == 2


def test_run_json_then_sessions_commands(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["run", "Wind turbine recycling", "--rounds", "1", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert set(data) == {
        "session_id",
        "status",
        "report_path",
        "rounds",
        "llm_calls",
        "tokens_in",
        "tokens_out",
        "sources",
        "sources_by_provider",
        "results_dropped",
        "reason",
        "failed_searches",
        "cost_usd",
    }
    assert data["status"] == "done" and data["rounds"] == 1
    assert data["sources_by_provider"] == {"tavily": data["sources"]}
    assert data["failed_searches"] == [] and data["reason"] == ""
    assert data["llm_calls"] <= 3
    assert Path(data["report_path"]).is_file()
    session_id = data["session_id"]

    assert main(["sessions", "list"]) == 0
    listing = capsys.readouterr().out
    assert session_id in listing
    assert "Wind turbine" in listing  # a long topic is cut with an ellipsis at 80 columns

    assert main(["sessions", "show", session_id]) == 0
    shown = capsys.readouterr().out
    assert "done" in shown and f"{data['sources']} (tavily {data['sources']})" in shown

    target = tmp_path / "export.json"
    assert main(["sessions", "export", session_id, "--format", "json", "-o", str(target)]) == 0
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert "test-gemini-key" not in target.read_text(encoding="utf-8")
    assert exported

    assert main(["sessions", "export", session_id, "--format", "md"]) == 0
    assert "Wind turbine recycling" in capsys.readouterr().out

    assert main(["graph", "stats", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nodes"]["Session"] == 1
    assert main(["sessions", "delete", session_id, "--yes"]) == 0
    capsys.readouterr()
    assert main(["sessions", "show", session_id]) == 2
    capsys.readouterr()
    assert main(["graph", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["nodes"]["Session"] == 0 and stats["nodes"]["Evidence"] == 0, "gone from the graph"


def test_show_says_interrupted_for_a_run_whose_process_is_gone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from core import events as ev
    from core.config import load
    from core.sessions import SessionRecorder, SessionStore

    handle = SessionStore(load().sessions_dir).create("Killed mid-run")
    recorder = SessionRecorder(handle)
    for seq, event in enumerate(
        [ev.SessionStarted(topic="Killed mid-run", rounds=2, breadth=2)], 1
    ):
        recorder(event.stamped(handle.id, seq))
    assert main(["sessions", "show", handle.id]) == 0
    out = capsys.readouterr().out
    assert "interrupted" in out and "running" not in out


def test_run_paused_on_daily_quota_exits_3_and_resume_finishes(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str]
) -> None:
    gemini, _ = fake_env
    gemini.queue_rate_limit(retry_delay="", per_day=True)
    assert main(["run", "Lithium recycling", "--rounds", "1", "--json"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "paused"
    assert main(["run", "--resume", data["session_id"], "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["status"] == "done" and again["session_id"] == data["session_id"]


def test_run_resume_unknown_id_is_a_usage_error(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--resume", "20990101-000000-beef"]) == 2
    assert "20990101-000000-beef" in capsys.readouterr().err


def test_a_corrupt_session_file_is_named_not_a_traceback(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "Corrupt me", "--rounds", "1", "--json"]) == 0
    session_id = json.loads(capsys.readouterr().out)["session_id"]
    from core.config import load
    from core.sessions import SessionStore

    events = SessionStore(load().sessions_dir).open(session_id).events_path
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "{not json\n"
    events.write_text("".join(lines), encoding="utf-8")
    for argv in (["sessions", "show", session_id], ["sessions", "export", session_id]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "events.jsonl" in err and "line 3" in err
        assert "Traceback" not in err


def test_config_show_prints_values_with_brackets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "set", "research.language", "[/] odd [b]"]) == 0
    capsys.readouterr()
    assert main(["config", "show"]) == 0
    assert '"[/] odd [b]"' in capsys.readouterr().out


def test_resume_refuses_new_research_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--resume", "x", "--breadth", "5"]) == 2
    assert "--resume goes on" in capsys.readouterr().err


def test_a_data_folder_that_is_a_file_is_a_clear_error(
    fake_env: tuple[FakeGemini, FakeTavily],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("DEEPRESEARCH_TUI_DATA", str(blocker))
    assert main(["run", "Anything", "--rounds", "1"]) == 2
    err = capsys.readouterr().err
    assert "not-a-folder" in err and "Traceback" not in err


# --- user review: session ids, limits, --open, plain progress, config show -----------------


def make_sessions(*ids: str) -> None:
    """Session folders with nothing in them but an empty event log (enough to be listed)."""
    from core.config import load

    for session_id in ids:
        folder = load().sessions_dir / session_id
        folder.mkdir(parents=True)
        (folder / "events.jsonl").write_text("", encoding="utf-8")


@pytest.mark.parametrize(
    "argv",
    [
        ["sessions", "show"],
        ["sessions", "export"],
        ["sessions", "delete", "--yes"],
        ["run", "--resume"],
    ],
)
def test_bad_session_ids_say_what_is_wrong(
    argv: list[str], keys: None, capsys: pytest.CaptureFixture[str]
) -> None:
    make_sessions("20261123-174801-aaaa", "20261123-174802-bbbb")
    sessions_dir = str(config_path().parent.parent / "data" / "sessions")
    assert main([*argv, "nope"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"No session 'nope' in {sessions_dir}" in err
    assert main([*argv, "20261123-1748"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "'20261123-1748' matches 2 sessions" in err
    assert "20261123-174801-aaaa, 20261123-174802-bbbb" in err


class RecordingApp:
    """Stands in for the Textual app: records what it was asked to open."""

    opened: list[str | None] = []

    def __init__(self, config: object, *, start_topic: str | None, open_session: str | None):
        RecordingApp.opened.append(open_session)
        self.return_code = 0

    def run(self) -> None:
        pass


def test_open_checks_the_id_before_launching_the_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tui.app

    monkeypatch.setattr(tui.app, "DeepResearchApp", RecordingApp)
    RecordingApp.opened = []
    make_sessions("20261123-174801-aaaa", "20261123-174802-bbbb")
    assert main(["--open", "nope"]) == 2
    assert "No session 'nope'" in capsys.readouterr().err
    assert main(["--open", "20261123-1748"]) == 2
    assert "20261123-174801-aaaa, 20261123-174802-bbbb" in capsys.readouterr().err
    assert RecordingApp.opened == []
    assert main(["--open", "20261123-174802"]) == 0
    assert RecordingApp.opened == ["20261123-174802-bbbb"]  # the app gets the full id


def test_help_documents_the_apps_topic_and_open(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.strip().startswith("--open ID ") for line in lines)
    assert any(line.strip().startswith('"TOPIC" ') for line in lines)
    assert main(["--open", "x", "--help"]) == 0  # the same help, not a shorter one
    assert any(
        line.strip().startswith("--open ID ") for line in capsys.readouterr().out.split("\n")
    )


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("500", "research.rounds must be a whole number from 1 to 20 (got 500)"),
        ("abc", "research.rounds must be a whole number from 1 to 20 (got 'abc')"),
    ],
)
def test_config_set_refuses_what_the_app_refuses(
    value: str, needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "set", "research.rounds", value]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert needle in err
    assert "research.rounds: research.rounds" not in err
    assert not config_path().exists()


@pytest.mark.parametrize(
    ("flag", "value", "needle"),
    [
        ("--rounds", "500", "must be a whole number from 1 to 20 (got 500)"),
        ("--rounds", "0", "must be a whole number from 1 to 20 (got 0)"),
        ("--breadth", "11", "must be a whole number from 1 to 10 (got 11)"),
    ],
)
def test_run_refuses_rounds_and_breadth_out_of_range(
    flag: str, value: str, needle: str, keys: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "Anything", flag, value])
    assert exit_info.value.code == 2
    assert needle in " ".join(capsys.readouterr().err.split())


def test_run_progress_is_plain_lines_when_stderr_is_not_a_terminal(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "Heat pumps in cold climates", "--rounds", "1"]) == 0
    captured = capsys.readouterr()
    err = captured.err
    assert "\x1b" not in err  # no colour, no cursor movement
    lines = err.splitlines()
    for needle in (
        "research ",
        "round 1/1: started",
        "round 1/1: search 1",
        "round 1/1: planned ",
        "round 1/1: searches done",
        "synthesising",
        "writing the report",
        f"report written: {captured.out.strip()}",
        "finished: done",
    ):
        assert any(needle in line for line in lines), (needle, err)


def test_plain_progress_keeps_warnings_and_waits_on_one_line() -> None:
    from core.events import RateLimited, WarningRaised
    from core.state import SessionState
    from tui.cli.run_cmd import PlainProgress

    written: list[str] = []
    progress = PlainProgress(written.append)
    progress.on_event(WarningRaised(message="Search failed for 'x':\nquota\nspent"), SessionState())
    progress.on_event(RateLimited(retry_in_s=12.4, scope="llm"), SessionState())
    assert written == [
        "[0:00] warning: Search failed for 'x': quota spent",
        "[0:00] rate limited (llm): retrying in 12s",
    ]


def test_plain_progress_counts_a_search_that_ends_before_its_plan() -> None:
    """Searches start as the model names them, so one can end before the plan is complete:
    its line has no total yet, and the plan's line says how many were already searched."""
    from core.events import PlanReady, RoundStarted, SearchFinished, SearchStarted, SessionStarted
    from core.state import SessionState
    from tui.cli.run_cmd import PlainProgress

    written: list[str] = []
    progress = PlainProgress(written.append)
    state = SessionState()
    for event in (
        SessionStarted(topic="Heat pumps", rounds=1, breadth=2),
        RoundStarted(round=1),
        SearchStarted(round=1, query="cold climate COP"),
        SearchFinished(round=1, query="cold climate COP", results=4),
        PlanReady(
            round=1,
            plan="p",
            execution="e",
            reflection="r",
            queries=["cold climate COP", "defrost"],
        ),
        SearchStarted(round=1, query="defrost"),
        SearchFinished(round=1, query="defrost", results=2),
    ):
        state.apply(event)
        progress.on_event(event, state)
    lines = [line.removeprefix("[0:00] ") for line in written]
    assert (
        "round 1/1: search 1 done while the plan is written, 4 result(s): cold climate COP" in lines
    )
    assert "round 1/1: planned 2 search(es), 1 already searched" in lines
    assert "round 1/1: search 2/2 done, 2 result(s): defrost" in lines


def test_config_show_is_a_valid_config_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tomllib

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "https://gateway.example.com/v1beta/long/path")
    assert main(["config", "set", "research.language", 'say "hi" \\ [b]']) == 0
    assert main(["config", "set", "tavily.timeout_s", "12.5"]) == 0
    capsys.readouterr()
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    data = tomllib.loads(out)
    assert data["research"]["language"] == 'say "hi" \\ [b]'
    assert data["tavily"]["timeout_s"] == 12.5
    assert data["neo4j"]["password"] == ""
    assert "# from env GOOGLE_GEMINI_BASE_URL" in out
    assert "# not set" in out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["sesions"], "did you mean `deepresearch-tui sessions`?"),
        (["grpah"], "did you mean `deepresearch-tui graph`?"),
        (["list"], "did you mean `deepresearch-tui sessions list`?"),
        (["doctr"], "did you mean `deepresearch-tui doctor`?"),
        (["version"], "is not a command (the commands are ask, config, doctor, graph, import,"),
    ],
)
def test_a_misspelt_command_is_not_a_research_topic(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui import cli

    launched: list[str | None] = []
    monkeypatch.setattr(cli, "launch", lambda **kw: launched.append(kw["topic"]) or 0)
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert said in err and "deepresearch-tui run" in err
    assert launched == []
    # A real topic still opens the app on it, one word or several.
    assert main(["wind turbine recycling"]) == 0
    assert main(["photosynthesis"]) == 0
    assert launched == ["wind turbine recycling", "photosynthesis"]


def saved_session() -> str:
    from core.config import load
    from tests.snapshot_apps.scripted import canned_events, write_session

    return write_session(load().sessions_dir, canned_events())


def test_dash_output_is_standard_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    session_id = saved_session()
    assert main(["sessions", "export", session_id, "--format", "md", "-o", "-"]) == 0
    assert "Solid-state" in capsys.readouterr().out
    assert main(["graph", "rebuild"]) == 0
    capsys.readouterr()
    assert main(["graph", "export", session_id, "--format", "json", "-o", "-"]) == 0
    assert session_id in capsys.readouterr().out
    assert not (tmp_path / "-").exists()


def test_graph_export_takes_the_short_ids_sessions_takes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    session_id = saved_session()
    assert main(["graph", "rebuild"]) == 0
    capsys.readouterr()
    short = session_id[:-3]
    assert main(["sessions", "show", short]) == 0
    capsys.readouterr()
    assert main(["graph", "export", short, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)


def test_sessions_show_prints_paths_whole_at_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import load

    monkeypatch.setenv("COLUMNS", "80")
    session_id = saved_session()
    report = load().sessions_dir / session_id / "report.md"
    assert len(str(report)) > 70
    assert main(["sessions", "show", session_id]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["report", str(report)] for line in lines), lines


def test_run_json_lists_failed_searches_and_ends_done_with_warnings(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10 item 8: an outage in some searches is said, not hidden behind "done"."""
    _, tavily = fake_env
    tavily.queue_error(400, times=1)
    assert main(["run", "Hydrogen storage", "--rounds", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "done with warnings"
    (failed,) = data["failed_searches"]
    assert failed["provider"] == "tavily" and failed["round"] == 1 and failed["query"]
    assert "rejected the query" in failed["reason"]
    assert main(["sessions", "list"]) == 0
    assert "done with warnings" in capsys.readouterr().out
    assert main(["sessions", "show", data["session_id"]]) == 0
    shown = capsys.readouterr().out
    assert "done with warnings" in shown and "Failed searches (1)" in shown
    assert failed["query"] in shown


def test_sessions_list_prints_a_topic_with_markup_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The table's cells are plain text: a topic that looks like Rich markup is shown as
    typed, and the columns stay as wide as their widest cell."""
    import dataclasses

    from core.config import load
    from core.events import SessionStarted
    from tests.snapshot_apps.scripted import canned_events, write_session

    topic = "[red]Hi[/] there"
    events = [
        dataclasses.replace(e, topic=topic) if isinstance(e, SessionStarted) else e
        for e in canned_events(rounds=1)
    ]
    session_id = write_session(load().sessions_dir, events)
    assert main(["sessions", "list"]) == 0
    header, row = capsys.readouterr().out.splitlines()[:2]
    assert topic in row and row.lstrip().startswith(session_id)
    assert header.index("status") == row.index("done")
