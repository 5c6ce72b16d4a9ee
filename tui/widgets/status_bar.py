"""One line of research vitals: round, phase, LLM calls, tokens, searches, elapsed, rate limit.

Everything shown comes from the session state (event timestamps), so a replayed session
shows what the live one showed. A clock runs only while something moves on its own: the
rate-limit countdown (while ``rate_limited_until`` lies in the future) and the elapsed time
of a research running in this process (``live``); the interval stops when neither does.
Elapsed is active research time (``SessionState.elapsed``): a stop-and-resume gap is not
counted. A narrow terminal drops the least useful parts first (see ``render_text``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from textual.content import Content
from textual.markup import escape
from textual.timer import Timer
from textual.widgets import Static

from core.cost.prices import format_usd
from tui.status_label import SHORT_WIDTH, status_label


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
    "done with warnings": "$warning",
    "stopped": "$warning",
    "interrupted": "$warning",
    "failed": "$error",
    "budget reached": "$warning",
}


SEPARATOR = " │ "
MODEL_WAIT_SHOWN_S = 2.0
"""A model call silent for this long is shown as a wait that counts up (a local model
loading can take minutes, and must not look frozen)."""


@dataclass(frozen=True)
class _Part:
    full: str
    short: str
    keep: int
    """0: never dropped; higher numbers are dropped first when the line is too wide."""
    glue: str = SEPARATOR
    """What joins it to the part before (short labels: tokens read "LLM 3 · 1.2k/80 tok")."""


def _join(texts: list[tuple[str, int, str]]) -> str:
    return "".join((glue if i else "") + text for i, (text, _, glue) in enumerate(texts))


def _cells(markup: str) -> int:
    return Content.from_markup(markup).cell_length


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
        self.drawn = ""
        """The line last shown."""
        self.private = False
        """Private mode is on: nothing may leave the machine (shown, never dropped)."""

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

    def model_wait(self) -> float | None:
        """Seconds the model call under way has gone without a token, while this process
        runs it (a replay's unanswered call is history, not a wait); else None."""
        since = getattr(self._state, "model_waiting_since", None)
        if not self.live or since is None:
            return None
        return max(0.0, self.now() - since)

    def _tick(self) -> None:
        self._redraw()
        if not self._ticking() and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def render_text(self) -> str:
        """The parts that fit, by priority: what the user acts on survives a narrow terminal.

        Full labels if everything fits, else short ones, else the least important parts are
        dropped first (tokens, then LLM calls, searches, the review flag) so the round, the
        status, the rate-limit countdown, the sources count and the elapsed time stay.
        """
        state = self._state
        if state is None:
            return ""
        room = self.content_size.width
        parts = self._parts(state)
        for short in (False, True):
            texts = [
                (p.short, p.keep, p.glue) if short else (p.full, p.keep, SEPARATOR) for p in parts
            ]
            texts = [part for part in texts if part[0]]
            line = _join(texts)
            if room <= 0 or _cells(line) <= room:
                return line
        # Still too wide: drop the least important parts, the later one first on a tie.
        while len(texts) > 1:
            drop = max(range(len(texts)), key=lambda i: (texts[i][1], i))
            if texts[drop][1] == 0:
                break
            del texts[drop]
            line = _join(texts)
            if _cells(line) <= room:
                break
        return line

    def _parts(self, state: Any) -> list[_Part]:
        """Every part in display order: (full label, short label, how dispensable)."""
        parts: list[_Part] = []
        current = state.current_round or 0
        planned = state.rounds_planned or "?"
        head = f"[b]Round {current}/{planned}[/b]"
        if state.current_phase:
            head += f" {escape(str(state.current_phase))}"
        parts.append(_Part(head, head, 0))
        status = str(state.status)
        if not (status == "running" and self.note):  # "paused (space resumes)" says more
            word = f"[{STATUS_STYLE.get(status, '$text-muted')}]{escape(status)}[/]"
            # short form: while a phase is named, "running" goes without saying
            implied = status == "running" and bool(state.current_phase)
            # and a long status reads in whole words ("done with warnings" -> "done ⚠")
            brief = status_label(status, SHORT_WIDTH)
            short = f"[{STATUS_STYLE.get(status, '$text-muted')}]{escape(brief)}[/]"
            parts.append(_Part(word, "" if implied else short, 1))
        if self.note:
            note = f"[b $warning]{escape(self.note)}[/]"
            parts.append(_Part(note, note, 0))
        if self.private:
            parts.append(_Part("[b $success]private[/]", "[b $success]private[/]", 0))
        waited = self.model_wait()
        if waited is not None and waited >= MODEL_WAIT_SHOWN_S:
            seconds = int(waited)
            parts.append(
                _Part(
                    f"[$warning]waiting for the model — {seconds} s, first token not yet[/]",
                    f"[$warning]waiting for the model — {seconds} s[/]",
                    0,
                )
            )
        until = state.rate_limited_until
        if until:
            left = until - self.now()
            if left > 0:
                wait = f"[b $warning]waiting: retry in {int(left + 0.999)}s[/]"
                parts.append(_Part(wait, f"[b $warning]retry in {int(left + 0.999)}s[/]", 0))
        tokens_in, tokens_out = human_count(state.tokens_in), human_count(state.tokens_out)
        parts.append(_Part(f"LLM calls {state.llm_calls}", f"LLM {state.llm_calls}", 5))
        parts.append(
            _Part(
                f"tokens {tokens_in} in / {tokens_out} out {format_usd(state.cost_usd)}",
                f"{tokens_in}/{tokens_out} tok {format_usd(state.cost_usd)}",
                6,
                glue=" · ",
            )
        )
        parts.append(_Part(f"searches {state.searches_done}", f"search {state.searches_done}", 4))
        parts.append(_Part(f"sources {len(state.sources)}", f"src {len(state.sources)}", 2))
        dropped = getattr(state, "results_dropped", 0)
        if dropped:  # results the search filters turned away (shown only when some were)
            parts.append(_Part(f"{dropped} dropped by filters", f"{dropped} dropped", 4, " · "))
        checked = [e for e in state.evidence if e.verdict != "unchecked"]
        if checked:
            ok = sum(1 for e in checked if e.verified)
            parts.append(_Part(f"✓ {ok}/{len(checked)} cited", f"✓ {ok}/{len(checked)}", 4))
        if state.started and state.updated:
            elapsed = human_duration(state.elapsed(self.now() if self.live else None))
            parts.append(_Part(elapsed, elapsed, 2))
        if self.review_queries:
            parts.append(_Part("[$accent]review queries[/]", "[$accent]review[/]", 3))
        return parts

    def on_resize(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        """Update only when the line changed: even a repaint of the same text costs."""
        text = self.render_text()
        if text != self.drawn:
            self.drawn = text
            self.update(text, layout=False)  # one line, as wide as the screen: no layout
