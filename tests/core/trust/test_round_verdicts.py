"""Each round ends with its verdict counts: a "Citation Check" section in research_log.md and
the ``run`` progress line ("evidence: 1 verified, 1 quote not found")."""

from __future__ import annotations

import re
from pathlib import Path

from core import events as ev
from core.evidence import Evidence, round_verdicts, verdict_summary
from core.record.research_log import ResearchLogWriter, parse_seed_log
from core.state import SessionState

CHECKS = [
    {"verdict": "verified", "score": 100.0, "source_id": 1, "span": [0, 4]},
    {"verdict": "quote not found", "score": 40.0, "source_id": 1, "span": None},
    {"verdict": "verified", "score": 97.0, "source_id": 1, "span": [0, 4]},
]


def _events() -> list[ev.Event]:
    evidence = [{"claim": f"Claim {k}.", "source_ids": [1], "quote": "q"} for k in range(3)]
    return [
        ev.SessionStarted(topic="Tides", rounds=2, breadth=1, timestamp=1_763_900_000.0),
        ev.RoundStarted(round=1, timestamp=1_763_900_001.0),
        ev.SourceAdded(round=1, source_id=1, url="https://a.example", title="A", snippet="text"),
        ev.SynthesisReady(round=1, summary="s", evidence=evidence, timestamp=1_763_900_002.0),
        ev.EvidenceChecked(round=1, checks=CHECKS, timestamp=1_763_900_003.0),
        ev.RoundFinished(round=1, timestamp=1_763_900_004.0),
        ev.RoundStarted(round=2, timestamp=1_763_900_005.0),
        ev.RoundFinished(round=2, timestamp=1_763_900_006.0),  # no synthesis: no evidence
    ]


def test_verdict_summaries_name_the_verdicts_that_occur() -> None:
    items = [
        Evidence(claim="a", round=1, verdict="verified"),
        Evidence(claim="b", round=1, verdict="quote not found"),
        Evidence(claim="c", round=2, verdict="verified"),
    ]
    assert verdict_summary(items) == "2 verified, 1 quote not found"
    assert round_verdicts(items, 2) == "1 verified"
    assert round_verdicts(items, 3) == "none"


def test_the_research_log_ends_each_round_with_its_verdict_counts(tmp_path: Path) -> None:
    log = tmp_path / "research_log.md"
    writer = ResearchLogWriter(log)
    for event in _events():
        writer(event)
    text = log.read_text("utf-8")
    sections = re.findall(r"^## Citation Check - .*\n(.*)$", text, re.MULTILINE)
    assert sections == ["Round 1 evidence: 2 verified, 1 quote not found"]
    # The importer skips the section it does not know: read back, it becomes no event.
    imported = parse_seed_log(text)
    assert imported[0].topic == "Tides"  # type: ignore[attr-defined]
    assert not any("evidence:" in str(getattr(e, "message", "")) for e in imported)


def test_the_run_progress_line_of_a_round_counts_its_verdicts() -> None:
    from tui.cli.run_cmd import PlainProgress

    written: list[str] = []
    progress = PlainProgress(written.append)
    state = SessionState()
    for event in _events():
        state.apply(event)
        progress.on_event(event, state)
    done = [line for line in written if ": done (" in line]
    assert len(done) == 2
    assert done[0].endswith("; evidence: 2 verified, 1 quote not found")
    assert done[1].endswith("; evidence: none")
