"""One line of research vitals: round, phase, LLM calls, tokens, searches, elapsed, rate limit.

Everything shown comes from the session state (event timestamps), so a replayed session
shows what the live one showed. A clock runs only while something moves on its own: the
rate-limit countdown (while ``rate_limited_until`` lies in the future) and the elapsed time
of a research running in this process (``live``); the interval stops when neither does.
"""

from __future__ import annotations

import time
from typing import Any

from textual.markup import escape
from textual.timer import Timer
from textual.widgets import Static


def human_count(value: int) -> str:
    """1234 -> 1.2k: token counts get big and the bar is one line."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return str(value)


def human_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


STATUS_STYLE = {
    "running": "$success",
    "paused": "$warning",
    "done": "$success",
    "stopped": "$warning",
    "interrupted": "$warning",
    "failed": "$error",
}


class StatusBar(Static):
    """Research vitals; call :meth:`show_state` after each batch of events."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._state: Any = None
        self._timer: Timer | None = None
        self.review_queries = False
        self.note = ""
        """Extra UI-side state, e.g. "paused" (the engine pauses without an event)."""
        self.live = False
        """A research runs in this process: elapsed time counts up between events."""
        self.now = time.time
        """Clock for the countdown (tests replace it)."""

    def show_state(self, state: Any) -> None:
        self._state = state
        self._redraw()
        if self._ticking():
            if self._timer is None:
                self._timer = self.set_interval(1.0, self._tick)
        elif self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _ticking(self) -> bool:
        until = getattr(self._state, "rate_limited_until", None)
        return self.live or bool(until and until > self.now())

    def _tick(self) -> None:
        self._redraw()
        if not self._ticking() and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def render_text(self) -> str:
        """Most important first (round, phase, status) so a narrow terminal cuts the least."""
        state = self._state
        if state is None:
            return ""
        compact = 0 < self.size.width < 110
        parts: list[str] = []
        current = state.current_round or 0
        planned = state.rounds_planned or "?"
        head = f"[b]Round {current}/{planned}[/b]"
        if state.current_phase:
            head += f" {escape(str(state.current_phase))}"
        parts.append(head)
        status = str(state.status)
        implied = status == "running" and (
            bool(self.note)  # "paused (space resumes)" says more than "running"
            or (compact and bool(state.current_phase))  # narrow: the phase says it runs
        )
        if not implied:
            color = STATUS_STYLE.get(status, "$text-muted")
            parts.append(f"[{color}]{escape(status)}[/]")
        if self.note:
            parts.append(f"[b $warning]{escape(self.note)}[/]")
        until = state.rate_limited_until
        if until:
            left = until - self.now()
            if left > 0:
                parts.append(f"[b $warning]waiting: retry in {int(left + 0.999)}s[/]")
        tokens_in, tokens_out = human_count(state.tokens_in), human_count(state.tokens_out)
        if compact:
            parts.append(f"LLM {state.llm_calls} · {tokens_in}/{tokens_out} tok")
            parts.append(f"search {state.searches_done}")
            parts.append(f"src {len(state.sources)}")
        else:
            parts.append(f"LLM calls {state.llm_calls}")
            parts.append(f"tokens {tokens_in} in / {tokens_out} out")
            parts.append(f"searches {state.searches_done}")
            parts.append(f"sources {len(state.sources)}")
        if state.started and state.updated:
            end = max(state.updated, self.now()) if self.live else state.updated
            parts.append(human_duration(end - state.started))
        if self.review_queries:
            parts.append("[$accent]review[/]" if compact else "[$accent]review queries[/]")
        return " │ ".join(parts)

    def on_resize(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        self.update(self.render_text())
