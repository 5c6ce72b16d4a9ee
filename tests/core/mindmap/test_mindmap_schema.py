"""Node ids from user and LLM text: unchanged for ordinary names, bounded for long ones."""

from __future__ import annotations

from core.mindmap import schema


def test_ordinary_names_keep_their_ids() -> None:
    """Graphs written before the length rule must keep MERGE-ing onto the same nodes."""
    assert schema.topic_id("Solid-state  Batteries ") == "topic:solid-state batteries"
    assert schema.concept_id("Lithium") == "concept:lithium"
    exactly = "x" * schema.MAX_KEY_CHARS
    assert schema.topic_id(exactly) == "topic:" + exactly


def test_a_very_long_topic_gets_a_bounded_id() -> None:
    topic = "why " * 2500  # 10,000 characters
    tid = schema.topic_id(topic)
    assert len(tid) <= len("topic:") + schema.MAX_KEY_CHARS + 1 + 10
    assert tid.startswith("topic:" + schema.normalise(topic)[:200] + "#")
    assert tid == schema.topic_id(topic.upper())  # still the normalised key's id
    assert schema.guess_label(tid) == "Topic"


def test_long_names_sharing_a_prefix_stay_apart() -> None:
    prefix = "a" * 300
    assert schema.topic_id(prefix + " one") != schema.topic_id(prefix + " two")
    assert schema.concept_id(prefix + " one") != schema.concept_id(prefix + " two")
    assert len(schema.bounded_key(prefix + " one")) == schema.MAX_KEY_CHARS + 11
