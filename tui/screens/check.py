"""The citation check view (``c``): every claim grouped by its quote check's verdict, and
for one claim the cited source's text with the quote's passage highlighted (or the closest
passage and how close it came). The verdicts come from ``EvidenceChecked`` events already
applied to the session state; this screen only shows them.

Opened from a report citation ``[n]`` it is filtered to the claims citing source n (what
that citation rests on), and ``s`` shows source n's details over it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown, OptionList
from textual.widgets.option_list import Option

from core.evidence import UNCHECKED, Evidence, verdict_counts
from core.ingest import clean_line, md_inline, safe
from core.trust import VERDICTS
from tui.widgets.steady_footer import SteadyFooter

ORDER = (*VERDICTS[1:], UNCHECKED, VERDICTS[0])
"""Problems first: the claims a reader should look at lead the list; verified last."""


def grouped(evidence: list[Evidence]) -> list[tuple[str, list[tuple[int, Evidence]]]]:
    """(verdict, [(index in evidence, item)]) for each verdict that has items, in ORDER."""
    out = []
    for verdict in ORDER:
        items = [(i, e) for i, e in enumerate(evidence) if e.verdict == verdict]
        if items:
            out.append((verdict, items))
    return out


def check_markdown(item: Evidence, sources: Mapping[int, Any]) -> str:
    """The claim, its quote and the checked source's text with the matched passage in bold;
    every outside text escaped (a snippet cannot make a link or a heading)."""
    lines = [f"**Claim:** {md_inline(item.claim)}", "", f"**Verdict:** {item.verdict}"]
    if item.verdict != UNCHECKED:
        lines[-1] += f" (closest passage {item.score:.0f}/100)"
    if item.judgment:
        why = f": {md_inline(item.judge_reason)}" if item.judge_reason else ""
        lines += ["", f"**Model's judgment:** {item.judgment}{why}"]
    lines += ["", f"**Quote:** {md_inline(item.quote) or '*(none given)*'}", ""]
    source_id = item.checked_source or (item.source_ids[0] if item.source_ids else None)
    source = sources.get(source_id) if source_id is not None else None
    if source is None:
        lines.append("*The cited source is not among this research's sources.*")
        return "\n".join(lines)
    lines += [f"### [{source_id}] {md_inline(clean_line(source.title or source.url))}", ""]
    text = source.snippet or ""  # the span is in this text as stored, so slice it first

    def shown(part: str) -> str:
        return md_inline(safe(part))

    if not text.strip():
        lines.append("*(no stored text for this source)*")
    elif item.span:
        # The passage is a quoted paragraph of its own: bold inside running text is not
        # bold when the passage ends in punctuation right before a letter ("end.**It"),
        # by CommonMark's flanking rules, and its asterisks then showed as text.
        start, end = item.span
        before, passage, after = text[:start], text[start:end].strip(), text[end:]
        if before.strip():
            lines += [shown(before) + " …", ""]
        lines += [f"> **{shown(passage)}**", ""]
        if after.strip():
            lines.append("… " + shown(after))
    else:
        lines.append(shown(text))
    return "\n".join(lines)


class CheckScreen(ModalScreen[None]):
    """Claims by verdict; Enter shows the one under the cursor against its source.

    ``source_id``: only the claims citing that source (a report citation was followed)."""

    BINDINGS = [
        Binding("escape,q,c", "close", "Close", id="check.close"),
        Binding("s", "source", "Source details", id="check.source"),
    ]

    def __init__(
        self, evidence: list[Evidence], sources: Mapping[int, Any], source_id: int | None = None
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.source_id = source_id
        self.evidence = [e for e in evidence if source_id is None or source_id in e.source_ids]
        self.sources = sources

    def _title(self) -> str:
        from core.trust.judge import judgment_counts

        counts = verdict_counts(self.evidence)
        summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        judged = judgment_counts(self.evidence)
        if any(judged.values()):
            summary += "; judged: " + ", ".join(f"{n} {j}" for j, n in judged.items() if n)
        if self.source_id is None:
            return f"Citation check: {summary or 'no evidence yet'}"
        source = self.sources.get(self.source_id)
        name = clean_line(source.title or source.url, 60) if source is not None else ""
        head = f"Claims citing [{self.source_id}] {name}".rstrip()
        return f"{head}: {summary or 'no claim cites this source'}"

    def compose(self) -> ComposeResult:
        with Vertical(id="check-dialog", classes="dialog wide-dialog"):
            yield Label(self._title(), id="check-title", markup=False)
            options: list[Option | None] = []
            for verdict, items in grouped(self.evidence):
                options.append(Option(f"── {verdict} ({len(items)})", disabled=True))
                for i, item in items:
                    ids = "".join(f"[{n}]" for n in item.source_ids)
                    judged = f" · judged {item.judgment}" if item.judgment else ""
                    text = f"{clean_line(item.claim, 300)} {ids}{judged}"
                    options.append(Option(text, id=f"ev-{i}"))
            yield OptionList(*options, id="check-list")
            yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#check-list").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``s`` only where there is one source to show: the filtered view."""
        if action == "source":
            return self.source_id is not None and self.source_id in self.sources
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_id and event.option_id.startswith("ev-"):
            item = self.evidence[int(event.option_id[3:])]
            self.app.push_screen(CheckDetailScreen(item, self.sources))

    def action_source(self) -> None:
        """Source n's details (its snippet and URL) over the filtered claims."""
        from tui.screens.source_detail import SourceDetailScreen

        if self.source_id is None or self.source_id not in self.sources:
            return
        self.app.push_screen(SourceDetailScreen(self.sources[self.source_id], self.evidence))

    def action_close(self) -> None:
        self.dismiss(None)


class CheckDetailScreen(ModalScreen[None]):
    """One claim against the text of the source it was checked on."""

    BINDINGS = [Binding("escape,q", "close", "Close", id="check.detail_close")]

    def __init__(self, item: Evidence, sources: Mapping[int, Any]) -> None:
        super().__init__(classes="dialog-screen")
        self.item = item
        self.sources = sources

    def compose(self) -> ComposeResult:
        with Vertical(id="check-detail", classes="dialog wide-dialog"):
            with VerticalScroll(id="check-scroll"):
                yield Markdown(check_markdown(self.item, self.sources), open_links=False)
            yield SteadyFooter()

    def on_mount(self) -> None:
        self.query_one("#check-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
