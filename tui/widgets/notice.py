"""Why a research is not running and what to do next, kept on screen above the panes.

A toast fades after a few seconds; the reason a research failed, paused or stopped must not.
The notice shows while the session is failed, paused, stopped or interrupted (and while a
stop or the report is under way), with the key that moves it on. Its text comes from the
session state only, so a reopened research explains itself exactly as the live one did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from rich.cells import cell_len, set_cell_size
from textual.content import Content
from textual.widgets import Static

Level = Literal["error", "warning", "info"]

FIX_IN_SETTINGS = {
    "auth": "Fix the API key in Settings (ctrl+s); space resumes",
    "model_unavailable": "Pick another model in Settings (ctrl+s); space resumes",
    "search": "Check the Tavily key in Settings (ctrl+s); space resumes",
}
"""What to do about a failure, by the kind of its error (hints fit 80 columns)."""


@dataclass(frozen=True)
class Notice:
    level: Level
    icon: str
    headline: str
    hint: str = ""


def _reason(text: str) -> str:
    """The engine's reason without the advice the hint line gives anyway."""
    return " ".join(text.split()).removesuffix("; resume to continue").strip()


def notice_for(state: Any, *, running: bool = False, stopping: bool = False) -> Notice | None:
    """What the notice says for ``state`` (None: nothing to say, the research runs).

    ``running``: an engine runs this research in this window now (its state may still say
    "failed" until the resumed run's first event arrives). ``stopping``: the user pressed
    stop and the engine is finishing the call under way.
    """
    if running:
        if stopping:
            return Notice(
                "info",
                "■",
                "Stopping: the call under way finishes, then a partial report is written.",
            )
        if state.current_phase == "report":
            return Notice("info", "◐", "Writing the report…", "r shows it as it is written")
        return None
    status = str(state.status)
    reason = _reason(state.status_reason)
    report = " · r shows the report" if state.report_path else ""
    if status == "failed":
        kind = state.errors[-1].kind if state.errors else ""
        hint = FIX_IN_SETTINGS.get(kind, "space resumes from the last finished round")
        headline = "This research failed" + (f": {reason}" if reason else ".")
        return Notice("error", "✖", headline, hint + report)
    if status == "paused":
        headline = "Paused" + (f": {reason}" if reason else ".")
        hint = "space resumes once the quota allows" if "quota" in reason else "space resumes"
        return Notice("warning", "⏸", headline, hint + report)
    if status == "stopped":
        by_user = not reason or reason == "stopped by the user"
        headline = "Stopped by you." if by_user else f"Stopped: {reason}."
        return Notice("warning", "■", headline, "space resumes the research" + report)
    if status == "interrupted":
        if reason.casefold().startswith("interrupted"):
            headline = reason[0].upper() + reason[1:] + "."
        else:
            headline = "Interrupted" + (f": {reason}." if reason else ".")
        return Notice("warning", "■", headline, "space resumes the research" + report)
    return None


HEADLINE_LINES = 2
"""The reason gets two lines at most (cut with "…"); the hint line always shows. The whole
reason is one Enter away: the ✖ error step in the steps list opens it in full."""


def fit_lines(text: str, width: int, lines: int) -> list[str]:
    """``text`` wrapped to ``width`` cells, at most ``lines`` lines, the last cut with "…"."""
    if width <= 0:
        return [text]
    wrapped = [line.plain.rstrip() for line in Content(text).wrap(width)]
    if len(wrapped) <= lines:
        return wrapped
    last = " ".join([wrapped[lines - 1], wrapped[lines]])
    if cell_len(last) >= width:
        last = set_cell_size(last, width - 1).rstrip()
    return [*wrapped[: lines - 1], last + "…"]


class ResearchNotice(Static):
    """Two or three lines above the panes (reason, then what to do); hidden when idle."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.notice: Notice | None = None
        self.display = False

    def show(self, notice: Notice | None) -> None:
        if notice == self.notice:
            return
        self.notice = notice
        self.display = notice is not None
        for level in ("error", "warning", "info"):
            self.set_class(notice is not None and notice.level == level, f"-{level}")
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        notice = self.notice
        if notice is None:
            self.update("")
            return
        width = self.content_size.width
        headline = fit_lines(f"{notice.icon} {notice.headline}", width, HEADLINE_LINES)
        text = Content.assemble(("\n".join(headline), "bold"))
        if notice.hint:
            hint = fit_lines(notice.hint, width, 1)[0]
            text = Content.assemble(text, "\n", (hint, "dim"))
        self.update(text)
