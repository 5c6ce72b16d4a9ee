"""A source's snippet and the claims (evidence) that cite it, in a modal."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown

from core.evidence import Evidence
from core.ingest import clean_line, md_inline, safe
from tui.widgets.steady_footer import SteadyFooter


def citing_claims(evidence: list[Evidence], source_id: int) -> list[Evidence]:
    """Evidence items whose ``source_ids`` include ``source_id``."""
    return [item for item in evidence if source_id in item.source_ids]


def source_markdown(source: Any, claims: list[Evidence]) -> str:
    """The source as Markdown in which every outside text is shown as text: no control
    characters, Markdown punctuation escaped (a snippet cannot make a link or a heading)."""
    lines = [f"**URL:** {md_inline(source.url)}", "", f"**Round:** {source.round}"]
    if source.query:
        lines += ["", f"**Found by:** 🔎 {md_inline(source.query)}"]
    if getattr(source, "provider", None):  # None in logs saved before it was recorded
        lines += ["", f"**Search provider:** {md_inline(source.provider)}"]
    lines += ["", "### Snippet", ""]
    snippet = safe(source.snippet or "").strip()
    quoted = ["> " + md_inline(line) for line in snippet.splitlines()]
    lines += quoted or ["> *(no snippet)*"]
    lines += ["", f"### Claims citing [{source.source_id}] ({len(claims)})", ""]
    if not claims:
        lines.append("*No claim cites this source yet.*")
    for item in claims:
        suffix = f" *(confidence {item.confidence:.2f}, round {item.round or '?'}, {item.verdict})*"
        lines.append(f"- {md_inline(item.claim)}{suffix}")
    return "\n".join(lines)


class SourceDetailScreen(ModalScreen[None]):
    """Shows one source; ``o`` opens its URL in the browser."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="source.close"),
        Binding("o", "open_url", "Open URL", id="source.open", tooltip="Open in the browser"),
    ]

    def __init__(self, source: Any, evidence: list[Evidence]) -> None:
        super().__init__(classes="dialog-screen")
        self.source = source
        self.claims = citing_claims(evidence, source.source_id)

    def compose(self) -> ComposeResult:
        with Vertical(id="source-dialog", classes="dialog wide-dialog"):
            yield Label(
                f"[{self.source.source_id}] {clean_line(self.source.title or self.source.url)}",
                id="source-title",
                markup=False,
            )
            with VerticalScroll(id="source-scroll"):
                yield Markdown(source_markdown(self.source, self.claims), open_links=False)
            yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#source-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_open_url(self) -> None:
        self.app.open_url(self.source.url)
        self.notify(self.source.url, title="Opening")
