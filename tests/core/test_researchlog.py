"""research_log.md: the seed's headers verbatim, no raw page content, and import round-trips."""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

import pytest

from core import events as ev
from core.record.research_log import SNIPPET_CHARS, ResearchLogWriter, parse_seed_log
from core.state import SessionState
from tests.samples import RAW_PAGE, SEED_LOG

SID = "20261123-154012-a1b2"

# A log as the original tool wrote it (Korean run, six planned searches, one run, a 429).


def stamp(raw: list[ev.Event]) -> list[ev.Event]:
    return [
        dataclasses.replace(e, session_id=SID, seq=seq, timestamp=1_700_000_000.0 + seq)
        for seq, e in enumerate(raw, start=1)
    ]


def run_events(report_path: Path, *, fallback: bool = False) -> list[ev.Event]:
    return stamp(
        [
            ev.SessionStarted(topic="양자 컴퓨팅의 현황", rounds=2, breadth=3),
            ev.RoundStarted(round=1),
            ev.PhaseStarted(round=1, phase="context"),
            ev.ContextBuilt(round=1, text="(no facts yet)"),
            ev.PhaseStarted(round=1, phase="reasoning"),
            ev.LLMChunk(round=1, section="plan", text="ignored by the log"),
            ev.PlanReady(
                round=1,
                plan="계획 `🔎 양자 오류 정정`\n## Fake - 2025-01-01 00:00:00\nSearch Query: x",
                execution="실행",
                reflection="성찰",
                queries=["양자 오류 정정", "quantum advantage 2025"],
            ),
            ev.PhaseStarted(round=1, phase="search"),
            ev.SearchStarted(round=1, query="양자 오류 정정"),
            ev.SourceAdded(
                round=1,
                source_id=1,
                url="https://a.example/qec",
                title="QEC : a\nsurvey",
                snippet=RAW_PAGE,
                score=0.87654,
            ),
            ev.SourceAdded(round=1, source_id=2, url="https://b.example/x", title="B"),
            ev.SearchFinished(round=1, query="양자 오류 정정", source_ids=[1, 2], results=2),
            ev.SearchStarted(round=1, query="quantum advantage 2025"),
            ev.SearchFinished(round=1, query="quantum advantage 2025", error="Tavily 432"),
            ev.RateLimited(retry_in_s=20, message="429 RESOURCE_EXHAUSTED", attempt=1),
            ev.PhaseStarted(round=1, phase="synthesis"),
            ev.SynthesisReady(round=1, summary="첫 라운드 요약"),
            ev.RoundFinished(round=1),
            ev.RoundStarted(round=2),
            ev.PlanReady(
                round=2, plan="p2", execution="", reflection="r2", queries=["logical qubits"]
            ),
            ev.WarningRaised(message="Gemini call failed after retries: 503", kind="llm", round=2),
            ev.WarningRaised(message="Mind map unavailable", kind="graph"),
            ev.RoundFinished(round=2),
            ev.PhaseStarted(round=2, phase="report"),
            ev.ReportChunk(text="streamed text"),
            ev.ReportReady(
                path=str(report_path),
                fallback=fallback,
                reason="429 quota exhausted" if fallback else "",
            ),
            ev.SessionFinished(status="done"),
        ]
    )


def write_log(tmp_path: Path, *, fallback: bool = False) -> tuple[str, list[ev.Event]]:
    report = tmp_path / "report.md"
    report.write_text("# 보고서\n\n양자 [1].\n\n## References\n1. QEC\n", encoding="utf-8")
    events = run_events(report, fallback=fallback)
    log = tmp_path / "research_log.md"
    writer = ResearchLogWriter(log)
    for event in events:
        writer(event)
    return log.read_text("utf-8"), events


TS = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"


def test_seed_headers_and_labels_verbatim(tmp_path: Path) -> None:
    text, _ = write_log(tmp_path)
    assert text.startswith("# Research Process: 양자 컴퓨팅의 현황\nStarted at: ")
    assert re.match(rf"# Research Process: .*\nStarted at: {TS}\n\n\n## Mind Map Init", text)
    for header in (
        "Mind Map Initialization",
        "Reasoning Step",
        "Web Research Step",
        "Search Results",
        "Reasoning Error",
        "Final Report Generation",
        "Final Research Report",
    ):
        assert re.search(rf"^## {header} - {TS}$", text, re.MULTILINE), header
    assert len(re.findall(rf"^## Reasoning Step - {TS}$", text, re.MULTILINE)) == 2
    assert len(re.findall(rf"^## Web Research Step - {TS}$", text, re.MULTILINE)) == 2
    assert "Final Report Generation Error" not in text
    for label in (
        "Research Topic: 양자 컴퓨팅의 현황",
        "Current Summary: 첫 라운드 요약",
        "Search Query: 양자 오류 정정 | quantum advantage 2025",
        "Mind Map Context: (no facts yet)",
        "Reflection Context: 성찰",
        "Planning Context: 계획",
        "Search API: tavily",
        "Search Query: 양자 오류 정정\n",
        "Raw Results:\n{'query': '양자 오류 정정'",
        "Formatted Sources:\n* QEC : a survey : https://a.example/qec\n* B : https://b.example/x",
    ):
        assert label in text, label
    assert "# 보고서\n\n양자 [1]." in text  # the report file's text, not the streamed chunks
    assert "Mind map unavailable" not in text  # graph warnings are not reasoning errors
    assert "Gemini call failed after retries: 503" in text
    assert "waiting 20s" in text


def test_no_raw_content_and_snippets_truncated(tmp_path: Path) -> None:
    text, _ = write_log(tmp_path)
    assert "RAW-PAGE-CONTENT " * 30 not in text
    raw_line = text.split("Raw Results:\n", 1)[1].split("\n", 1)[0]
    assert len(raw_line) < SNIPPET_CHARS + 400
    assert "'score': 0.877" in raw_line
    assert "'error': 'Tavily 432'" in text


def test_llm_text_cannot_forge_sections(tmp_path: Path) -> None:
    text, _ = write_log(tmp_path)
    assert "\n ## Fake - 2025-01-01 00:00:00" in text
    assert "\n Search Query: x" in text
    assert not re.search(r"^## Fake", text, re.MULTILINE)


def test_fallback_report_writes_error_then_report(tmp_path: Path) -> None:
    text, _ = write_log(tmp_path, fallback=True)
    error = re.search(
        rf"^## Final Report Generation Error - {TS}\n429 quota exhausted\n", text, re.M
    )
    report = re.search(rf"^## Final Research Report - {TS}$", text, re.MULTILINE)
    assert error and report and error.start() < report.start()


def test_resume_appends_without_a_second_title(tmp_path: Path) -> None:
    text, events = write_log(tmp_path)
    log = tmp_path / "research_log.md"
    state = SessionState.replay(events)
    writer = ResearchLogWriter(log, state=state)
    writer(ev.SessionStarted(topic="양자 컴퓨팅의 현황", rounds=3, breadth=3, resumed=True))
    writer(ev.PlanReady(round=3, plan="p3", execution="", reflection="", queries=["q3"]))
    after = log.read_text("utf-8")
    assert after.startswith(text)
    assert after.count("# Research Process:") == 1
    assert "Resumed the research" in after
    assert after.rstrip().endswith("Planning Context: p3")
    assert "Current Summary: 첫 라운드 요약" in after[len(text) :]


def test_missing_report_file_uses_streamed_text(tmp_path: Path) -> None:
    log = tmp_path / "log.md"
    writer = ResearchLogWriter(log)
    writer(ev.SessionStarted(topic="t", rounds=1, breadth=1))
    writer(ev.PhaseStarted(round=1, phase="report"))
    writer(ev.ReportChunk(text="part one, "))
    writer(ev.ReportChunk(text="part two"))
    writer(ev.ReportReady(path=str(tmp_path / "missing.md")))
    assert log.read_text("utf-8").rstrip().endswith("part one, part two")


# --- import --------------------------------------------------------------------------------


def test_parse_seed_log_tolerates_trailing_spaces_and_crlf() -> None:
    variant = SEED_LOG.replace("Context:\n", "Context: \n").replace("\n", "\r\n")
    assert parse_seed_log(variant) == parse_seed_log(SEED_LOG)


def test_parse_seed_log() -> None:
    events = parse_seed_log(SEED_LOG)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    state = SessionState.replay(events)
    assert state.topic == "한국의 저출산 문제와 정책 대응"
    assert state.rounds_planned == 1
    assert state.breadth == 6
    assert state.search_provider == "tavily"
    r1 = state.rounds[1]
    assert r1.queries == [
        "한국 합계출산율 2024 통계",
        "저출산 원인 주거비 교육비",
        "일가정 양립 제도 효과",
        "저출산 고령사회 기본계획 예산",
        "프랑스 가족정책 출산율",
        "스웨덴 육아휴직 제도",
    ]
    assert r1.text["plan"].startswith("## 연구 라운드 1")
    assert "`🔎 한국 합계출산율 2024 통계`" in r1.text["plan"]
    assert r1.text["execution"] == "검색 결과를 단계별로 분석합니다."
    assert r1.text["reflection"] == "아직 지역별 차이에 대한 자료가 부족합니다."
    assert [(s.query, s.source_ids) for s in r1.searches] == [("한국 합계출산율 2024 통계", [1, 2])]
    assert state.sources[1].title == "2024년 출생 통계 | 통계청"
    assert state.sources[1].snippet == "2024년 합계출산율은 0.72명으로 역대 최저를 기록했다."
    assert state.sources[1].score == 0.91
    assert "RAW-PAGE" not in state.sources[1].snippet
    assert state.sources[2].title == "Korea fertility rate : record low"
    assert state.sources[2].url == "https://example.com/news/fertility"
    assert r1.status == "done"
    assert [w.kind for w in state.warnings] == ["graph", "llm"]
    assert "429 Resource has been exhausted" in state.warnings[1].message
    assert state.report.startswith("# 한국의 저출산 문제와 정책 대응 - 최종 연구 보고서")
    assert state.report_path == "report.md"
    assert state.report_fallback is False
    assert state.status == "done"
    started = events[0].timestamp
    assert ev.SessionStarted is type(events[0])
    assert events[-1].timestamp - started == 58  # 10:02:11 -> 10:03:09


def test_parse_seed_log_rejects_other_text() -> None:
    with pytest.raises(ValueError, match="not a research log"):
        parse_seed_log("just some notes\n## Heading\n")


def test_round_trip_our_log(tmp_path: Path) -> None:
    text, events = write_log(tmp_path, fallback=True)
    original = SessionState.replay(events)
    imported = SessionState.replay(parse_seed_log(text))
    assert imported.topic == original.topic
    assert imported.completed_rounds() == 2
    for n in (1, 2):
        assert imported.rounds[n].queries == original.rounds[n].queries
    assert imported.rounds[1].context == "(no facts yet)"
    assert imported.rounds[1].text["reflection"] == "성찰"
    assert {s.url: s.title for s in imported.sources.values()} == {
        "https://a.example/qec": "QEC : a survey",
        "https://b.example/x": "B",
    }
    assert [(s.query, s.status) for s in imported.rounds[1].searches] == [
        ("양자 오류 정정", "done"),
        ("quantum advantage 2025", "failed"),
    ]
    assert imported.sources[1].snippet == ("RAW-PAGE-CONTENT " * 400).strip()[:SNIPPET_CHARS]
    assert imported.report.startswith("# 보고서\n\n양자 [1].")
    assert imported.report_fallback is True
    assert imported.report_reason == "429 quota exhausted"
    # and parsing is stable: our log of the imported events parses the same way again
    again = tmp_path / "again"
    again.mkdir()
    writer = ResearchLogWriter(again / "log.md")
    (again / "report.md").write_text(imported.report, encoding="utf-8")
    for event in parse_seed_log(text):
        if isinstance(event, ev.ReportReady):
            event = dataclasses.replace(event, path=str(again / "report.md"))
        writer(event)
    reparsed = SessionState.replay(parse_seed_log((again / "log.md").read_text("utf-8")))
    assert reparsed.rounds[1].queries == original.rounds[1].queries
    assert reparsed.sources.keys() == imported.sources.keys()


# --- deepresearch-tui import ----------------------------------------------------------------


def _import_parser() -> argparse.ArgumentParser:
    from tui.cli import import_cmd

    parser = argparse.ArgumentParser(prog="deepresearch-tui")
    import_cmd.register(parser.add_subparsers(dest="command"))
    return parser


def test_import_command_creates_a_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.config import load
    from core.sessions import SessionStore

    log = tmp_path / "seed.md"
    log.write_text(SEED_LOG, encoding="utf-8")
    args = _import_parser().parse_args(["import", str(log)])
    assert args.func(args) == 0
    session_id = capsys.readouterr().out.strip()
    store = SessionStore(load().sessions_dir)
    handle = store.open(session_id)
    state = handle.state()
    assert state.session_id == session_id
    assert state.topic == "한국의 저출산 문제와 정책 대응"
    assert len(state.sources) == 2
    assert state.status == "done"
    assert handle.report_path.read_text("utf-8").startswith("# 한국의 저출산 문제와 정책 대응 -")
    assert state.report_path == str(handle.report_path)
    assert all(e.session_id == session_id for e in handle.load_events())
    [info] = store.list()
    assert (info.id, info.rounds_done, info.sources) == (session_id, 1, 2)


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    """stderr with Rich's line wrapping undone."""
    return " ".join(capsys.readouterr().err.split())


def test_import_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = _import_parser()
    missing = parser.parse_args(["import", str(tmp_path / "nope.md")])
    assert missing.func(missing) == 2
    assert "No such file" in _err(capsys)
    notes = tmp_path / "notes.md"
    notes.write_text("# Shopping\n- milk\n", encoding="utf-8")
    args = parser.parse_args(["import", str(notes)])
    assert args.func(args) == 2
    assert "not a research log" in _err(capsys)
    binary = tmp_path / "bin.md"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    args = parser.parse_args(["import", str(binary)])
    assert args.func(args) == 2
    assert "not UTF-8" in _err(capsys)
