"""`graph` subcommands through our own argparse parser (register() is all the CLI needs)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from core.config import load
from core.mindmap.ladybug_store import LadybugStore
from tests.samples import run_graph as run
from tests.samples import save_session

WEIRD = "O'Brien \"q\" \\ back\nline — 배터리 '); MATCH (n) DETACH DELETE n //"


def stats_json(capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert run("graph", "stats", "--json") == 0
    return json.loads(capsys.readouterr().out)


def test_rebuild_is_idempotent_and_stats(capsys: pytest.CaptureFixture[str]) -> None:
    save_session("20261123-100000-aaaa", "Topic A")
    save_session("20261123-110000-bbbb", WEIRD, rounds=1)
    assert run("graph", "rebuild") == 0
    out = capsys.readouterr().out
    assert "2 research(es)" in out
    first = stats_json(capsys)
    assert first["backend"] == "ladybug" and first["nodes"]["Session"] == 2
    assert first["nodes"]["Evidence"] == 6
    assert run("graph", "rebuild") == 0
    assert "0 new nodes, 0 new relations" in capsys.readouterr().out
    assert stats_json(capsys) == first
    assert run("graph", "stats") == 0
    assert "Evidence" in capsys.readouterr().out


def test_rebuild_removes_researches_deleted_from_disk(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shutil

    save_session("20261123-100000-keep", "Topic A")
    save_session("20261123-110000-gone", "Topic B")
    assert run("graph", "rebuild") == 0
    assert stats_json(capsys)["nodes"]["Topic"] == 2
    shutil.rmtree(load().sessions_dir / "20261123-110000-gone")
    assert run("graph", "rebuild") == 0
    assert "Removed 1 deleted research(es)" in capsys.readouterr().out
    after = stats_json(capsys)
    assert after["nodes"]["Session"] == 1 and after["nodes"]["Topic"] == 1


def test_query_params_json_and_refusal(capsys: pytest.CaptureFixture[str]) -> None:
    save_session("s-1", "Topic A")
    assert run("graph", "rebuild") == 0
    capsys.readouterr()
    code = run(
        "graph",
        "query",
        "MATCH (e:Evidence) WHERE e.round = $r RETURN e.claim ORDER BY e.claim",
        "--param",
        "r=2",
        "--json",
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"] == [["claim 2.0"], ["claim 2.1"]]
    before = stats_json(capsys)
    assert run("graph", "query", "MATCH (n) DETACH DELETE n") == 2
    assert "Refused" in capsys.readouterr().err
    assert stats_json(capsys) == before
    assert run("graph", "query", "MATCH (n:Topic) RETURN n.name") == 0
    assert "Topic A" in capsys.readouterr().out
    assert run("graph", "query", "RETURN 1", "--param", "bad") == 2


def test_export_formats_escape_and_reload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_session("s-w", WEIRD, rounds=1)
    assert run("graph", "rebuild") == 0
    capsys.readouterr()
    assert run("graph", "export", "s-w", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    topic = next(n for n in data["nodes"] if n["label"] == "Topic")
    assert topic["properties"]["name"] == WEIRD.strip()

    target = tmp_path / "out" / "s.cypher"
    assert run("graph", "export", "s-w", "--format", "cypher", "-o", str(target)) == 0
    script = target.read_text(encoding="utf-8")
    statements = [line for line in script.splitlines() if line and not line.startswith("//")]
    assert all(s.endswith(";") for s in statements)
    # The file loads as written into a fresh database, one statement at a time.
    fresh = LadybugStore(tmp_path / "fresh" / "m.lbug", buffer_pool_mb=256)
    try:
        for stmt in statements:
            fresh._write_conn.execute(stmt)
        stats = fresh.stats()
        assert sum(stats.nodes.values()) == len(data["nodes"])
        assert sum(stats.relations.values()) == len(data["edges"])
        rows = fresh.run_read_query("MATCH (t:Topic) RETURN t.name").rows
        assert rows == [[WEIRD.strip()]]
    finally:
        fresh.close()

    assert run("graph", "export", "s-w", "--format", "graphml") == 0
    root = ET.fromstring(capsys.readouterr().out.split("\n", 1)[1])
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    assert len(root.findall(f"{ns}graph/{ns}node")) == len(data["nodes"])
    assert run("graph", "export", "missing-id") == 2


def test_ask_without_key_names_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("graph", "ask", "what?") == 2
    err = capsys.readouterr().err
    assert "GEMINI_API_KEY" in err and "config.toml" in "".join(err.split())


def test_bad_config_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    path = load().path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[graph\nbroken", encoding="utf-8")
    assert run("graph", "stats") == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_ask_end_to_end_with_fake_gemini(
    fake_env: object, capsys: pytest.CaptureFixture[str]
) -> None:
    save_session("s-1", "Topic A", rounds=1)
    assert run("graph", "rebuild") == 0
    capsys.readouterr()
    assert run("graph", "ask", "Which topics were researched?") == 0
    out = capsys.readouterr().out
    assert "MATCH (t:Topic)" in out and "Topic A" in out
    assert "topics researched so far" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("graph", "ask", ""), "the question is empty"),
        (("graph", "ask", "  \t "), "the question is empty"),
        (("graph", "query", ""), "the Cypher query is empty"),
        (("graph", "query", "   "), "the Cypher query is empty"),
    ],
)
def test_an_empty_question_or_query_is_a_usage_error(
    argv: tuple[str, ...], needle: str, fake_env: tuple, capsys: pytest.CaptureFixture[str]
) -> None:
    gemini, _ = fake_env
    assert run(*argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "usage: deepresearch-tui graph" in err
    assert len(err.strip().splitlines()) == 1
    assert gemini.model_requests() == []  # nothing was sent to the model


def test_ask_uses_the_configured_openai_compatible_model(
    fake_openai: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`graph ask` asked Gemini whatever the config said; a keyless setup (a local model)
    now writes its Cypher with the model it researches with."""
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_MODEL", "qwen3:8b")
    from tui.cli import main

    assert main(["config", "set", "providers.llm", "openai"]) == 0
    save_session("s-1", "Topic A", rounds=1)
    assert run("graph", "rebuild") == 0
    capsys.readouterr()
    assert run("graph", "ask", "Which topics were researched?") == 0
    out = capsys.readouterr().out
    assert "MATCH (t:Topic)" in out and "Topic A" in out
    assert fake_openai.chat_requests(), "the question went to the OpenAI-compatible server"
