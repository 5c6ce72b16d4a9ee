"""Sample data and small helpers shared by test modules (no test module imports another).

The seed tool's log as it wrote it, a one-round session's events, and the ``graph``
command driven in process over saved sessions.
"""

from __future__ import annotations

import argparse

import core.events as ev
from core.config import load
from tests.core.mindmap.mindmap_support import round_events
from tui.cli import graph_cmd

RAW_PAGE = "RAW-PAGE-CONTENT " * 400  # what the seed dumped; must never reach our log
SEED_LOG = (
    """# Research Process: 한국의 저출산 문제와 정책 대응
Started at: 2025-03-14 10:02:11


## Mind Map Initialization - 2025-03-14 10:02:11
주제 노드 생성됨: 한국의 저출산 문제와 정책 대응

## Reasoning Step - 2025-03-14 10:02:15
Research Topic: 한국의 저출산 문제와 정책 대응
Current Summary: ## 연구 라운드 1

**PLANNING**
핵심 질문: 출산율 하락의 원인은 무엇인가?
1. 현황 파악 <SEARCH>한국 합계출산율 2024 통계</SEARCH>
2. 원인 분석 <SEARCH>저출산 원인 주거비 교육비</SEARCH> <SEARCH>일가정 양립 제도 효과</SEARCH>
3. 정책 <SEARCH>저출산 고령사회 기본계획 예산</SEARCH>
4. 해외 사례 <SEARCH>프랑스 가족정책 출산율</SEARCH> <SEARCH>스웨덴 육아휴직 제도</SEARCH>

**EXECUTION**
검색 결과를 단계별로 분석합니다.

**REFLECTION**
아직 지역별 차이에 대한 자료가 부족합니다.
Search Query: 한국의 저출산 문제와 정책 대응
Mind Map Context:
Reflection Context:
Planning Context:

## Web Research Step - 2025-03-14 10:02:40
Search API: tavily
Search Query: 한국 합계출산율 2024 통계

## Search Results - 2025-03-14 10:02:42
Raw Results:
{'query': '한국 합계출산율 2024 통계', 'follow_up_questions': None, 'answer': None, 'images': [], \
'results': [{'title': '2024년 출생 통계 | 통계청', 'url': 'https://kostat.go.kr/birth-2024', \
'content': '2024년 합계출산율은 0.72명으로 역대 최저를 기록했다.', 'score': 0.91, \
'raw_content': '"""
    + RAW_PAGE
    + """'}, {'title': 'Korea fertility rate : record low', \
'url': 'https://example.com/news/fertility', 'content': 'South Korea fertility rate fell.', \
'score': 0.55, 'raw_content': None}], 'response_time': 1.42}

Formatted Sources:
* 2024년 출생 통계 | 통계청 : https://kostat.go.kr/birth-2024
* Korea fertility rate : record low : https://example.com/news/fertility

## Mind Map Query - 2025-03-14 10:02:50
질의: 주요 개념은 무엇인가? 주제: 한국의 저출산 문제와 정책 대응
Cypher: MATCH (t:Topic {name: '한국의 저출산 문제와 정책 대응'})-[:HAS_STEP]->(s)
RETURN s.content LIMIT 5
결과: []
답변: 아직 데이터가 없습니다.

## Mind Map Query Error - 2025-03-14 10:02:55
핵심 질문은?, Cypher: MATCH (n) RETURN n, 오류: 429 Resource has been exhausted (e.g. check quota).

## Reasoning Error - 2025-03-14 10:03:01
429 Resource has been exhausted (e.g. check quota).

## Final Report Generation - 2025-03-14 10:03:02
최종 보고서 생성 시작

## Final Research Report - 2025-03-14 10:03:09
# 한국의 저출산 문제와 정책 대응 - 최종 연구 보고서

## 개요
합계출산율은 0.72명이다.

## 참고 문헌
* 2024년 출생 통계 | 통계청 : https://kostat.go.kr/birth-2024
"""
)


def session_events(sid: str, topic: str = "양자 컴퓨팅") -> list[ev.Event]:
    raw: list[ev.Event] = [
        ev.SessionStarted(topic=topic, rounds=1, breadth=2, model="gemini-x"),
        ev.RoundStarted(round=1),
        ev.PhaseStarted(round=1, phase="reasoning"),
        ev.PlanReady(round=1, plan="P", execution="E", reflection="R", queries=["q1"]),
        ev.LLMCallFinished(round=1, purpose="reasoning", tokens_in=7, tokens_out=3),
        ev.SearchStarted(round=1, query="q1"),
        ev.SourceAdded(round=1, source_id=1, url="https://a.example/x", title="A", snippet="s"),
        ev.SearchFinished(round=1, query="q1", source_ids=[1], results=1),
        ev.SynthesisReady(
            round=1, summary="sum", evidence=[{"claim": "c", "source_ids": [1], "confidence": 1}]
        ),
        ev.RoundFinished(round=1),
    ]
    return [e.stamped(sid, seq) for seq, e in enumerate(raw, start=1)]


def run_graph(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="t")
    graph_cmd.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    return args.func(args)


def save_session(sid: str, topic: str, rounds: int = 2) -> None:
    folder = load().sessions_dir / sid
    folder.mkdir(parents=True, exist_ok=True)
    items = round_events(sid, topic, 1)
    for n in range(2, rounds + 1):
        items += round_events(sid, topic, n, start=False)
    text = "".join(ev.to_json(e) + "\n" for e in items)
    (folder / "events.jsonl").write_text(text, encoding="utf-8")
