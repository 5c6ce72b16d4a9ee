"""A whole research on the keyless local stack: the real engine with the providers the
factories build — an OpenAI-compatible reasoning model that thinks in <think> tags and
refuses json_schema, and a search chain whose ddgs is rate-limited so local documents
answer. The providers are built here and handed in; the engine building them from the
config is tested in tests/core/research/test_model_wait_and_thinking.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

from core.config import load
from core.events import Event, SourceAdded
from core.providers import build_llm, build_search, private_mode_problems, with_overrides
from core.research import ResearchEngine, ResearchOptions
from tests.fakes.ddgs_http import FakeDdgsHttp
from tests.fakes.openai_server import DEFAULT_OPENAI_MODEL, FakeOpenAI


def test_three_rounds_on_a_local_model_and_local_documents(
    fake_openai: FakeOpenAI, fake_ddgs: FakeDdgsHttp, tmp_path: Path
) -> None:
    fake_openai.think = True
    fake_openai.refuse_json_schema = True
    fake_ddgs.mode = "ratelimited"
    docs = tmp_path / "docs"
    docs.mkdir()
    for n, aspect in enumerate(("background", "history", "research", "problems", "approaches")):
        (docs / f"note{n}.md").write_text(
            f"# Tea {aspect}\n\nNotes on tea {aspect} and definitions, milestones, "
            "applications, limitations.\n",
            encoding="utf-8",
        )
    config = load()
    config.openai.base_url, config.openai.model = f"{fake_openai.base_url}/v1", DEFAULT_OPENAI_MODEL
    config.ddgs.backend = "duckduckgo"
    config = with_overrides(config, llm="openai", search="ddgs,local", docs=[str(docs)])
    warnings: list[str] = []
    seen: list[Event] = []
    llm, search = build_llm(config), build_search(config, on_warning=warnings.append)
    engine = ResearchEngine(config, llm=llm, search=search, on_event=seen.append)

    async def go() -> object:
        try:
            return await engine.run("Tea", ResearchOptions(rounds=3, breadth=3))
        finally:
            await engine.aclose()

    result = asyncio.run(go())
    assert result.status == "done" and result.rounds == 3, result.reason
    assert result.llm_calls <= 2 * 3 + 1
    # one HTTP request more than calls: the refused json_schema, paid once per server
    assert len(fake_openai.chat_requests()) == result.llm_calls + 1
    sources = [e for e in seen if isinstance(e, SourceAdded)]
    assert sources and all(s.url.startswith("file:///") for s in sources)
    report = Path(result.report_path).read_text(encoding="utf-8")
    assert "SECRET-THOUGHT" not in report and "<think>" not in report
    log = Path(result.report_path).with_name("research_log.md").read_text(encoding="utf-8")
    assert "SECRET-THOUGHT" not in log
    formats = [
        (r.body.get("response_format") or {}).get("type")
        for r in fake_openai.chat_requests("synthesis")
    ]
    assert formats[:2] == ["json_schema", "json_object"]
    assert set(formats[2:]) <= {"json_object"}
    assert len([w for w in warnings if w.startswith("ddgs")]) == 1
    assert private_mode_problems(with_overrides(config, search="local")) == []
