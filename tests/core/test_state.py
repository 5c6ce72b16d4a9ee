"""The session reducer: replay equals live application; phases, timings, report reset."""

from __future__ import annotations

import dataclasses

from core import events as ev
from core.evidence import Evidence
from core.state import SessionState

SID = "20261123-154012-a1b2"


def sample_events() -> list[ev.Event]:
    """A 2-round session as the engine would emit it (timestamps 100.0 + seq)."""
    raw: list[ev.Event] = [
        ev.SessionStarted(topic="양자 컴퓨팅", rounds=2, breadth=3, model="gemini-x"),
        ev.RoundStarted(round=1),
        ev.PhaseStarted(round=1, phase="context"),
        ev.ContextBuilt(round=1, text="nothing known yet", items=0),
        ev.PhaseStarted(round=1, phase="reasoning"),
        ev.LLMChunk(round=1, section="plan", text="plan "),
        ev.RateLimited(retry_in_s=20, message="429"),
        ev.LLMChunk(round=1, section="plan", text="more"),
        ev.LLMCallFinished(round=1, purpose="reasoning", tokens_in=100, tokens_out=50),
        ev.PlanReady(round=1, plan="P", execution="E", reflection="R", queries=["a", "b"]),
        ev.PhaseStarted(round=1, phase="search"),
        ev.SearchStarted(round=1, query="a"),
        ev.SearchStarted(round=1, query="b"),
        ev.SourceAdded(round=1, source_id=1, url="https://x.org/1", title="X1", query="a"),
        ev.SearchFinished(round=1, query="a", source_ids=[1], results=1, ms=30),
        ev.SearchFinished(round=1, query="b", error="Tavily 429"),
        ev.WarningRaised(message="search b failed", kind="search", round=1),
        ev.PhaseStarted(round=1, phase="synthesis"),
        ev.SynthesisReady(
            round=1,
            summary="S1",
            evidence=[{"claim": "c1", "source_ids": [1], "confidence": 0.8}],
            concepts=["Qubit", "Decoherence"],
            questions=["q?"],
        ),
        ev.LLMCallFinished(round=1, purpose="synthesis", tokens_in=10, tokens_out=5),
        ev.MindMapUpdated(round=1, nodes=4, edges=3),
        ev.RoundFinished(round=1),
        ev.RoundStarted(round=2),
        ev.PhaseStarted(round=2, phase="reasoning"),
        ev.PlanReady(round=2, plan="P2", execution="", reflection="", queries=["c"]),
        ev.PhaseStarted(round=2, phase="synthesis"),
        ev.SynthesisReady(round=2, summary="S2", concepts=["qubit", "Entanglement"]),
        ev.RoundFinished(round=2),
        ev.PhaseStarted(round=2, phase="report"),
        ev.ReportChunk(text="# Report"),
        ev.ReportChunk(text=" body [1]"),
        ev.ReportReady(path="/tmp/report.md"),
        ev.SessionFinished(status="done"),
    ]
    return [
        dataclasses.replace(e, session_id=SID, seq=seq, timestamp=100.0 + seq)
        for seq, e in enumerate(raw, start=1)
    ]


def test_replay_equals_live_apply() -> None:
    events = sample_events()
    live = SessionState()
    for event in events:
        live.apply(event)
    assert SessionState.replay(events) == live
    # and after a JSON round-trip (what events.jsonl gives back)
    assert SessionState.replay([ev.from_json(ev.to_json(e)) for e in events]) == live


def test_session_fields() -> None:
    state = SessionState.replay(sample_events())
    assert state.session_id == "20261123-154012-a1b2"
    assert state.topic == "양자 컴퓨팅"
    assert (state.rounds_planned, state.breadth, state.model) == (2, 3, "gemini-x")
    assert state.status == "done"
    assert state.started == 101.0
    assert state.updated == 100.0 + len(sample_events())
    assert state.completed_rounds() == 2
    assert state.llm_calls == 2
    assert (state.tokens_in, state.tokens_out) == (110, 55)
    assert state.searches_done == 2
    assert list(state.sources) == [1]
    assert state.summary == "S2"
    assert state.evidence == [Evidence(claim="c1", source_ids=(1,), confidence=0.8, round=1)]
    assert state.evidence[0].verdict == "unchecked"  # an old event: no quote, never checked
    assert state.concepts == ["Qubit", "Decoherence", "Entanglement"]
    assert state.questions == []
    assert state.report == "# Report body [1]"
    assert state.report_path == "/tmp/report.md"
    assert state.report_fallback is False
    assert [w.message for w in state.warnings] == ["search b failed"]
    assert state.rounds[1].warnings == ["search b failed"]
    assert state.last_seq == len(sample_events())
    assert (state.graph_nodes, state.graph_edges) == (4, 3)
    assert state.current_phase is None


def test_round_phases_and_timings() -> None:
    state = SessionState.replay(sample_events())
    r1 = state.rounds[1]
    assert r1.status == "done"
    assert r1.context == "nothing known yet"
    assert r1.text == {"plan": "P", "execution": "E", "reflection": "R"}
    assert r1.queries == ["a", "b"]
    assert {p: s.status for p, s in r1.phases.items()} == {
        "context": "done",
        "reasoning": "done",
        "search": "done",
        "synthesis": "done",
    }
    # a phase ends when the next one starts
    assert (r1.phases["context"].started, r1.phases["context"].finished) == (103.0, 105.0)
    assert r1.phases["reasoning"].elapsed(now=0) == 11.0 - 5.0
    assert r1.phases["synthesis"].finished == r1.finished == 122.0
    assert [(s.query, s.status, s.source_ids) for s in r1.searches] == [
        ("a", "done", [1]),
        ("b", "failed", []),
    ]
    r2 = state.rounds[2]
    assert r2.phases["context"].status == "pending"
    assert r2.phases["report"].status == "done"


def test_live_view_midway() -> None:
    events = sample_events()
    state = SessionState.replay(events[:6])  # first plan chunk
    assert state.status == "running"
    assert state.current_round == 1
    assert state.current_phase == "reasoning"
    assert state.rounds[1].phases["reasoning"].status == "running"
    assert state.rounds[1].text["plan"] == "plan "
    state.apply(events[6])  # RateLimited at t=107 for 20 s
    assert state.rate_limited_until == 127.0
    assert state.rate_limit_message == "429"
    state.apply(events[7])  # the next chunk clears it
    assert state.rate_limited_until is None
    assert state.rounds[1].text["plan"] == "plan more"


def test_report_phase_resets_report() -> None:
    state = SessionState.replay(sample_events())
    state.apply(ev.PhaseStarted(round=2, phase="report", timestamp=500))
    assert state.report == "" and state.report_path == ""
    state.apply(ev.ReportChunk(text="again"))
    state.apply(ev.ReportReady(path="r.md", fallback=True, reason="quota"))
    assert (state.report, state.report_fallback, state.report_reason) == ("again", True, "quota")


def test_resumed_session_keeps_rounds() -> None:
    events = sample_events()[:22]  # through RoundFinished(1)
    state = SessionState.replay(events)
    state.apply(ev.SessionFinished(status="paused", reason="daily quota", timestamp=200))
    assert state.status == "paused" and state.status_reason == "daily quota"
    state.apply(ev.SessionStarted(topic="양자 컴퓨팅", rounds=2, breadth=3, resumed=True))
    assert state.status == "running"
    assert state.completed_rounds() == 1
    assert state.rounds[1].synthesis is not None
    assert state.summary == "S1"
    assert state.started == 101.0


def test_interrupted_round_is_stopped_not_failed_and_restarted_afresh() -> None:
    events = sample_events()[:25]  # round 2 reasoning running
    state = SessionState.replay(events)
    state.apply(ev.SessionFinished(status="interrupted", timestamp=300))
    assert state.rounds[2].status == "stopped"
    assert state.rounds[2].phases["reasoning"].status == "stopped"
    state.apply(ev.SessionStarted(topic="t", rounds=2, breadth=3, resumed=True))
    state.apply(ev.RoundStarted(round=2, timestamp=301))
    assert state.rounds[2].status == "running"
    assert state.rounds[2].queries == []
    assert state.rounds[1].status == "done"


def test_unknown_events_are_ignored() -> None:
    class FutureEvent(ev.Event):
        pass

    state = SessionState.replay(sample_events()[:3])
    before = SessionState.replay(sample_events()[:3])
    state.apply(FutureEvent(seq=999, timestamp=9999))
    assert state == before


def test_events_without_round_started_do_not_crash() -> None:
    state = SessionState()
    state.apply(ev.SearchFinished(round=3, query="x", source_ids=[2], results=1))
    state.apply(ev.LLMChunk(round=0, section="plan", text="orphan"))
    assert state.rounds[3].searches[0].status == "done"
    assert state.current_round == 3


def test_searches_still_out_when_a_session_ends_are_failed() -> None:
    from core.state import SessionState

    state = SessionState()
    for seq, event in enumerate(
        [
            ev.SessionStarted(topic="t", rounds=1, breadth=2),
            ev.RoundStarted(round=1),
            ev.PhaseStarted(round=1, phase="search"),
            ev.SearchStarted(round=1, query="q"),
            ev.SessionFinished(status="interrupted", reason="quit"),
        ],
        1,
    ):
        state.apply(event.stamped("s", seq))
    search = state.rounds[1].searches[0]
    assert search.status == "stopped" and search.error == "interrupted"


def test_only_a_failure_marks_the_cut_round_failed() -> None:
    """A stop, an interruption or a pause is not a failure: the round it cut says which."""
    expected = {"failed": "failed", "stopped": "stopped", "interrupted": "stopped"}
    expected["paused"] = "paused"
    for status, mark in expected.items():
        state = SessionState.replay(sample_events()[:25])  # round 2 reasoning running
        state.apply(ev.SessionFinished(status=status, reason="r", timestamp=300))  # type: ignore[arg-type]
        assert state.rounds[2].status == mark, status
        assert state.rounds[2].phases["reasoning"].status == mark, status
        assert state.rounds[1].status == "done"


def _timed(*pairs: tuple[float, ev.Event]) -> list[ev.Event]:
    return [
        dataclasses.replace(e, session_id=SID, seq=seq, timestamp=t)
        for seq, (t, e) in enumerate(pairs, 1)
    ]


def test_elapsed_is_active_time_not_the_idle_gap_between_runs() -> None:
    """Stopped at 0:39, resumed a minute later: the clock goes on from 0:39, live and replayed."""
    start = ev.SessionStarted(topic="t", rounds=3, breadth=2)
    events = _timed(
        (1000.0, start),
        (1010.0, ev.RoundStarted(round=1)),
        (1039.0, ev.SessionFinished(status="stopped", reason="stopped by the user")),
        (1100.0, dataclasses.replace(start, resumed=True)),  # a minute of idle time
        (1105.0, ev.RoundStarted(round=2)),
    )
    state = SessionState()
    for event in events[:3]:
        state.apply(event)
    assert state.elapsed() == 39.0
    assert state.elapsed(now=5000.0) == 39.0, "no run under way: the clock stands still"
    for event in events[3:]:
        state.apply(event)
    assert state.elapsed() == 39.0 + 5.0, "replayed: up to the last event"
    assert state.elapsed(now=1110.0) == 39.0 + 10.0, "live: up to now"
    assert SessionState.replay(events) == state
    state.apply(
        dataclasses.replace(ev.SessionFinished(status="done"), session_id=SID, timestamp=1120.0)
    )
    assert state.elapsed(now=9999.0) == 39.0 + 20.0


def test_a_run_killed_without_session_finished_counts_to_its_last_event() -> None:
    start = ev.SessionStarted(topic="t", rounds=3, breadth=2)
    state = SessionState.replay(
        _timed(
            (1000.0, start),
            (1030.0, ev.RoundStarted(round=1)),  # then the app was killed
            (2000.0, dataclasses.replace(start, resumed=True)),
            (2010.0, ev.RoundStarted(round=1)),
        )
    )
    assert state.elapsed() == 30.0 + 10.0
