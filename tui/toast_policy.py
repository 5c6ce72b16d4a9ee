"""Which toast a live research shows, and when it shows none: a pure policy, no widgets.

Toasts are glances. Each has a kind (``key``); a new toast of a kind replaces the one still
shown, so a flood of warnings never buries the panes. The status bar counts a wait down,
the notice above the panes keeps a failure's reason and the steps list keeps every warning
and error in full, so the toasts here stay short and never repeat what those say.
The research screen shows what this returns; a replayed session asks nothing of it (a
replay does not re-announce what happened).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Literal

from core.events import ErrorRaised, Event, RateLimited, ReportReady, WarningRaised

Severity = Literal["information", "warning", "error"]

TOAST_CHARS = 120
"""Toasts are glances (max 60 columns wide): the full text is in the steps list and notice."""
COUNTDOWN = re.compile(r"\s*\(?\b(?:retry|retrying) in [\d.]+\s*s(?:econds)?\b\)?", re.I)
"""A "retry in 15s" inside a provider's message (the status bar owns the countdown)."""
WAITING_FOR = {"llm": "Gemini", "search": "Search", "rpm": "Request budget"}


@dataclass(frozen=True)
class Toast:
    key: str
    """Its kind: the next toast of the same kind replaces this one."""
    message: str
    title: str = ""
    severity: Severity = "information"
    timeout: float = 8.0


def shorten(text: str, limit: int = TOAST_CHARS) -> str:
    """``text`` on one line, cut at a word boundary with "…" (never mid-word)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut[limit // 2 :]:  # do not end mid-word
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-—") + "…"


class ToastPolicy:
    """The toasts of one research screen (it remembers which rounds' search failures it
    has announced already)."""

    def __init__(self) -> None:
        self._search_warned_rounds: set[int] = set()

    def for_event(self, event: Event, *, shown_path: str = "") -> Toast | None:
        """The toast a live event deserves, if any. ``shown_path``: a ReportReady's path as
        the user should read it."""
        if isinstance(event, WarningRaised):
            if event.kind == "search":
                # One per round: a dead search API would otherwise bury the panes; every
                # failure is still listed in the steps.
                if event.round in self._search_warned_rounds:
                    return None
                self._search_warned_rounds.add(event.round)
                return Toast(
                    "warning:search",
                    f"{shorten(event.message)}\n(more in the steps list)",
                    severity="warning",
                )
            if event.kind == "report":
                return None  # "written without the LLM": the report's own toast says it
            severity: Severity = "information" if event.kind == "info" else "warning"
            return Toast(f"warning:{event.kind}", shorten(event.message), severity=severity)
        if isinstance(event, ErrorRaised):
            # The message as the engine wrote it, titled by its kind (no prefix added here).
            return Toast("error", shorten(event.message), event.kind, "error", 10)
        if isinstance(event, RateLimited):
            what = WAITING_FOR.get(event.scope, event.scope)
            # The status bar counts the wait down; a number frozen in a toast would disagree.
            reason = COUNTDOWN.sub("", event.message.splitlines()[0] if event.message else "")
            return Toast(
                "wait",
                shorten(reason, 90) or "Rate-limited; retrying soon.",
                f"Waiting: {what}",
                "warning",
                6,
            )
        if isinstance(event, ReportReady):
            how = "Written without the LLM; saved" if event.fallback else "Saved"
            return Toast("report", f"{how} to {shown_path or event.path}", "Report", timeout=10)
        return None

    @staticmethod
    def for_outcome(status: str, topic: str, *, error_toast_shown: bool) -> Toast | None:
        """The one short toast when a run ends (the notice keeps the reason and what next).

        None for a failure whose error toast is still up: that toast says it already.
        """
        if status == "failed" and error_toast_shown:
            return None
        word = {
            "failed": "failed",
            "stopped": "was stopped",
            "interrupted": "was interrupted",
        }.get(status, f"is {status}")
        return Toast(
            "finished",
            f"The research {word}.",
            topic or "Research",
            "error" if status == "failed" else "information",
        )

    @staticmethod
    def for_crash(error: BaseException) -> Toast:
        """The run ended with an exception instead of an outcome."""
        if isinstance(error, asyncio.CancelledError):
            return Toast("finished", "Research interrupted; space resumes it.")
        return Toast(
            "finished", f"Research failed: {type(error).__name__}: {error}", "", "error", 15
        )
