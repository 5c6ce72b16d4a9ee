"""``run``'s filter flags: parsed like the config, passed to the engine, counted in --json,
the progress lines and ``sessions show``."""

from __future__ import annotations

import json

import pytest

from tests.fakes.gemini_server import FakeGemini
from tests.fakes.tavily_server import FakeTavily
from tui.cli import main

LEAK = {"title": "Leak", "url": "https://a.spam.example.biz/x", "content": "no", "score": 0.9}


def test_run_flags_reach_tavily_and_drops_are_reported(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str]
) -> None:
    _, tavily = fake_env
    tavily.ignore_filters = True
    tavily.extra_results = [LEAK]
    argv = ["run", "Heat pumps", "--rounds", "1", "--breadth", "2", "--json"]
    argv += ["--exclude-domain", "https://www.spam.example.biz/", "--exclude-domain", "x.org,y.org"]
    argv += ["--recency", "Month"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    searches = len(tavily.search_params)
    assert searches >= 1
    assert data["results_dropped"] == searches  # one leaked result per search, each dropped
    for params in tavily.search_params:
        assert params["exclude_domains"] == ["spam.example.biz", "x.org", "y.org"]
        assert params["time_range"] == "month"
    assert "filters: not spam.example.biz, x.org, y.org; past month" in captured.err
    assert "1 dropped by the filters" in captured.err

    assert main(["sessions", "show", data["session_id"]]) == 0
    shown = capsys.readouterr().out
    assert "not spam.example.biz, x.org, y.org; past month" in shown
    assert f"{searches} results" in shown


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--recency", "fortnight"], "recency must be day, week, month, year"),
        (["--include-domain", "not_a_domain"], "is not a domain"),
        (["--include-domain", "a.org", "--exclude-domain", "a.org"], "both included and excluded"),
    ],
)
def test_bad_filter_flags_are_usage_errors(
    fake_env: tuple[FakeGemini, FakeTavily],
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    says: str,
) -> None:
    _, tavily = fake_env
    assert main(["run", "Heat pumps", *flags]) == 2
    assert says in capsys.readouterr().err
    assert tavily.search_params == []


def test_filter_flags_with_resume_are_refused(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--resume", "x", "--recency", "day"]) == 2
    assert "--resume filters as the saved research began" in capsys.readouterr().err


def test_config_filters_are_the_defaults_and_are_normalised(
    fake_env: tuple[FakeGemini, FakeTavily], capsys: pytest.CaptureFixture[str]
) -> None:
    _, tavily = fake_env
    assert main(["config", "set", "filters.include_domains", "HTTPS://www.Example.org/a"]) == 0
    assert main(["config", "set", "filters.recency", "2999-01-01"]) == 2
    assert "in the future" in capsys.readouterr().err
    assert main(["run", "Heat pumps", "--rounds", "1", "--breadth", "1", "--json"]) == 0
    assert all(p["include_domains"] == ["example.org"] for p in tavily.search_params)
