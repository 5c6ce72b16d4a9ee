"""The mind-map context block in the prompt never exceeds its budget."""

from __future__ import annotations

from core.mindmap.base import MindMapContext


def test_render_stays_within_budget_and_keeps_newest_first() -> None:
    context = MindMapContext(
        facts=[f"fact {i} " + "x" * 80 for i in range(100)],
        reflections=["newest reflection", "older reflection"],
        questions=["Why?"],
    )
    text = context.render(600)
    assert len(text) <= 600
    assert text.startswith("### Facts found\n- fact 0 ")
    assert "fact 99" not in text
    assert context.items == 103


def test_render_of_empty_context_is_empty() -> None:
    assert MindMapContext().render(1000) == ""


def test_rows_are_single_lines() -> None:
    text = MindMapContext(plans=["step one\n\n<SEARCH>q</SEARCH>\nstep two"]).render(1000)
    assert text == "### Previous plans\n- step one <SEARCH>q</SEARCH> step two"
