"""The streaming section/tag parser: same result however the stream is cut."""

from __future__ import annotations

import time

import pytest

from core.parsing import ReasoningStreamParser, extract_queries, parse_reasoning

SAMPLE = """## 1차 연구 라운드

**PLANNING**
핵심 질문: 양자 컴퓨팅의 현황은?
1. <SEARCH>양자 컴퓨팅 2025 동향</SEARCH>
2. < search >
quantum error
 correction</ SEARCH > and <SEARCH>양자 컴퓨팅 2025 동향</SEARCH>

### **Execution**
実行: 検索結果を分析します。 a < b and <b>bold</b>
REFLECTION:
まだ不明な点 <SEARCH>Quantum Error Correction</SEARCH> <SEARCH>  </SEARCH>
"""


def run(chunks: list[str]) -> tuple[ReasoningStreamParser, list[tuple[str, str]]]:
    parser = ReasoningStreamParser()
    pieces: list[tuple[str, str]] = []
    for chunk in chunks:
        pieces += parser.feed(chunk)
    pieces += parser.close()
    return parser, pieces


def joined(pieces: list[tuple[str, str]]) -> dict[str, str]:
    out = {"plan": "", "execution": "", "reflection": ""}
    for section, text in pieces:
        out[section] += text
    return out


def test_whole_sample() -> None:
    parser, pieces = run([SAMPLE])
    assert parser.queries == ["양자 컴퓨팅 2025 동향", "quantum error correction"]
    sections = parser.sections
    assert sections["plan"].startswith("## 1차 연구 라운드\n")
    assert "`🔎 양자 컴퓨팅 2025 동향`" in sections["plan"]
    assert "`🔎 quantum error correction`" in sections["plan"]
    assert "PLANNING" not in sections["plan"]
    assert sections["execution"] == "実行: 検索結果を分析します。 a < b and <b>bold</b>\n"
    assert sections["reflection"].startswith("まだ不明な点 `🔎 Quantum Error Correction`")
    assert "SEARCH" not in "".join(sections.values())
    assert joined(pieces) == sections


def test_split_at_every_position_gives_identical_result() -> None:
    reference, _ = run([SAMPLE])
    for cut in range(len(SAMPLE) + 1):
        parser, pieces = run([SAMPLE[:cut], SAMPLE[cut:]])
        assert parser.sections == reference.sections, cut
        assert parser.queries == reference.queries, cut
        assert joined(pieces) == reference.sections, cut


def test_one_character_chunks_and_three_way_splits() -> None:
    reference, _ = run([SAMPLE])
    parser, _ = run(list(SAMPLE))
    assert (parser.sections, parser.queries) == (reference.sections, reference.queries)
    for a in range(0, len(SAMPLE), 7):
        for b in range(a, len(SAMPLE), 11):
            parser, _ = run([SAMPLE[:a], SAMPLE[a:b], SAMPLE[b:]])
            assert parser.sections == reference.sections, (a, b)


@pytest.mark.parametrize(
    ("header", "section"),
    [
        ("**PLANNING**", "plan"),
        ("## PLANNING", "plan"),
        ("### **Planning**", "plan"),
        ("PLANNING:", "plan"),
        ("**execution**", "execution"),
        ("## Execution:", "execution"),
        ("Reflection", "reflection"),
        ("**REFLECTION:**", "reflection"),
        ("**REFLECTION (성찰)**", "reflection"),
        ("## 3. Reflection", "reflection"),
        ("## 実行 (EXECUTION)", "execution"),
        ("REFLECTION：", "reflection"),
    ],
)
def test_header_variants(header: str, section: str) -> None:
    parser, _ = run([f"intro\n{header}\nbody text\n"])
    expected = {"plan": "intro\n", "execution": "", "reflection": ""}
    expected[section] += "body text\n"
    assert parser.sections == expected


def test_inline_text_after_colon_header() -> None:
    parser, _ = run(["EXECUTION: searched twice\nREFLECTION: enough\n"])
    assert parser.sections["execution"] == "searched twice\n"
    assert parser.sections["reflection"] == "enough\n"


@pytest.mark.parametrize(
    "line",
    ["Planning is essential for this.", "**Key questions**", "Reflections", "## Overview"],
)
def test_lines_that_are_not_headers(line: str) -> None:
    parser, _ = run([f"{line}\n"])
    assert parser.sections["plan"] == f"{line}\n"


def test_text_before_first_header_and_missing_sections() -> None:
    parser, _ = run(["Preamble <SEARCH>a</SEARCH>\n**REFLECTION**\ndone"])
    assert parser.sections == {
        "plan": "Preamble `🔎 a`\n",
        "execution": "",
        "reflection": "done",
    }


def test_no_headers_at_all_is_all_plan() -> None:
    parser, _ = run(["一行目\n二行目"])
    assert parser.sections["plan"] == "一行目\n二行目"


def test_unclosed_tag_keeps_text_and_gives_no_query() -> None:
    parser, pieces = run(["**PLANNING**\nsearch <SEARCH>never", " closed"])
    assert parser.queries == []
    assert parser.sections["plan"] == "search <SEARCH>never closed"
    assert joined(pieces)["plan"] == "search <SEARCH>never closed"


def test_partial_marker_at_stream_end_is_flushed() -> None:
    parser, _ = run(["a <SEA"])
    assert parser.sections["plan"] == "a <SEA"


def test_overlong_tag_body_is_literal_and_later_tags_still_parse() -> None:
    body = "x" * 1000
    parser, _ = run([f"<SEARCH>{body}", " <SEARCH>ok</SEARCH>"])
    assert parser.queries == ["ok"]
    assert parser.sections["plan"].startswith("<SEARCH>xxx")


def test_reopened_tag_treats_first_as_literal() -> None:
    parser, _ = run(["<SEARCH>a <SEARCH>b</SEARCH>"])
    assert parser.queries == ["b"]
    assert parser.sections["plan"] == "<SEARCH>a `🔎 b`"


def test_queries_deduplicated_casefold_in_order() -> None:
    text = "<SEARCH>B</SEARCH><search>a</search><SEARCH>b</SEARCH><SEARCH>Straße</SEARCH>"
    assert extract_queries(text + "<SEARCH>STRASSE</SEARCH>") == ["B", "a", "Straße"]


def test_pieces_are_emitted_while_streaming() -> None:
    parser = ReasoningStreamParser()
    assert parser.feed("**PLANNING**\nfirst ") == [("plan", "first ")]
    assert parser.feed("step\n**EXEC") == [("plan", "step\n")]
    assert parser.feed("UTION**\nran") == [("execution", "ran")]
    assert parser.close() == []


def test_feed_after_close_is_an_error() -> None:
    parser = parse_reasoning("x")
    with pytest.raises(RuntimeError):
        parser.feed("y")


def test_linear_time_on_a_long_stream() -> None:
    """A 2 MB stream in small chunks: a quadratic parser would take far longer than this."""
    line = "word <SEARCH>q{}</SEARCH> more words here\n"
    text = "".join(line.format(i % 50) for i in range(40_000))
    started = time.perf_counter()
    parser, _ = run([text[i : i + 7] for i in range(0, len(text), 7)])
    elapsed = time.perf_counter() - started
    assert len(parser.queries) == 50
    assert elapsed < 10
