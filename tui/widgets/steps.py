"""The steps list: one entry per round and phase, each search, warnings and errors.

Entries are derived from the session state, so live and replayed sessions list the same
steps. Only a failure is marked ✖: a step cut short by a stop or an interruption gets a
neutral ■, one held by a pause ⏸ (a user who stops a research has not seen it fail).
Updates are a diff by entry id (new ids appended, changed prompts replaced), so the
highlight and scroll position survive a stream of events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rich.cells import cell_len, set_cell_size
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.visual import RulesMap, VisualType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.widgets.fixed_size import SizedByLayout

ICONS = {
    "pending": ("○", "$text-muted"),
    "running": ("◐", "$accent"),
    "done": ("✔", "$success"),
    "failed": ("✖", "$error"),
    "stopped": ("■", "$text-muted"),
    "paused": ("⏸", "$warning"),
    "warning": ("⚠", "$warning"),
}
PHASE_LABELS = {
    "context": "context",
    "search": "search",
    "synthesis": "synthesis",
    "report": "report",
}


class StepLine(Content):
    """A step's line, cut to the list's width when it was built: one row, known without
    wrapping it.

    The option list asks every new option its height; Content works that out by wrapping
    its text, which cost more than building the line (a reopened 20-round research adds
    ~140 steps at once). A line that fits the width and holds no newline is one row.
    """

    __slots__ = ()

    def get_height(self, rules: RulesMap, width: int) -> int:
        room = width - rules.get("line_pad", 0) * 2
        if self.cell_length <= room and "\n" not in self.plain:
            return 1
        return super().get_height(rules, width)


@dataclass(frozen=True)
class StepEntry:
    id: str
    round: int
    label: str
    status: str
    timing: str = ""
    indent: int = 0
    pane: str = ""
    """The section pane Enter shows for this step ("plan", "reflection"), if any."""

    def prompt(self, width: int = 0) -> Content:
        """One line: long labels (queries, warnings) are cut to ``width`` with an ellipsis."""
        icon, style = ICONS.get(self.status, ICONS["pending"])
        pad = "  " * self.indent
        label = " ".join(self.label.split())
        timing = self.timing
        if width > 0:
            room = width - len(pad) - 2 - (len(timing) + 1 if timing else 0)
            if room < 8:
                timing, room = "", width - len(pad) - 2
            if cell_len(label) > room:  # cells, not characters: CJK text is two cells wide
                label = set_cell_size(label, max(1, room - 1)).rstrip() + "…"
        # Assembled from parts, not parsed from markup: the label is web text (taken
        # literally either way), and parsing cost ~0.1 ms a line, most of a reopened
        # research's steps list (140 lines for 20 rounds).
        parts: list[str | tuple[str, str]] = [pad, (icon, style), " ", label]
        if timing:
            parts += [" ", (timing, "dim")]
        return StepLine.assemble(*parts)


def _timing(started: float | None, finished: float | None) -> str:
    if not started or not finished:
        return ""
    seconds = max(0.0, finished - started)
    return f"{seconds:.1f}s" if seconds < 60 else f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def _round_detail(rnd: Any) -> str:
    """A round header's dim suffix: its time and what its calls and searches cost."""
    from core.cost.prices import format_usd

    timing = _timing(rnd.started, rnd.finished)
    cost = getattr(rnd, "cost_usd", 0.0)
    return f"{timing} {format_usd(cost)}".strip() if cost > 0 else timing


def _status(value: Any) -> str:
    return value if value in ICONS else "pending"


def _reasoning_entries(number: int, rnd: Any) -> list[StepEntry]:
    """The one reasoning call shown as its two steps: plan, then reflect.

    Both stream from the same call (PLANNING, EXECUTION, REFLECTION); the plan is done once
    later sections arrive, the reflection once the call has finished.
    """
    phase = rnd.phases.get("reasoning")
    if phase is None:
        return []
    status = _status(phase.status)
    later = bool(rnd.text.get("execution") or rnd.text.get("reflection"))
    reflecting = bool(rnd.text.get("reflection"))
    plan_status = "done" if status == "running" and later else status
    reflect_status = status
    if status == "running":
        reflect_status = "running" if reflecting else "pending"
    skipped = " (skipped)" if status == "pending" and rnd.status != "running" else ""
    return [
        StepEntry(
            f"r{number}:plan",
            number,
            "plan" + skipped,
            plan_status,
            _timing(phase.started, phase.finished),
            indent=1,
            pane="plan",
        ),
        StepEntry(
            f"r{number}:reflect",
            number,
            "reflect" + skipped,
            reflect_status,
            indent=1,
            pane="reflection",
        ),
    ]


def _query_label(query: str, topic: str, shared: str = "") -> str:
    """Queries often repeat the topic, or start alike (the same phrase for a whole round):
    show what differs, so the steps can be told apart."""
    for head in (topic.strip(), shared):
        if head and len(query) > len(head) + 3 and query.casefold().startswith(head.casefold()):
            return "… " + query[len(head) :].strip()
    return query


def _shared_start(queries: list[str]) -> str:
    """The words a round's queries all start with (at least 12 characters), else ""."""
    if len(queries) < 2:
        return ""
    lowered = [q.casefold() for q in queries]
    size = 0
    while size < min(map(len, lowered)) and len({q[size] for q in lowered}) == 1:
        size += 1
    common = lowered[0][:size]
    if not all(len(q) > len(common) and q[len(common)].isspace() for q in queries):
        common = common[: common.rfind(" ") + 1] if " " in common else ""
    return queries[0][: len(common)].strip() if len(common.strip()) >= 12 else ""


def build_entries(
    state: Any, notes: list[str] | tuple[str, ...] = (), *, paused: bool = False
) -> list[StepEntry]:
    """Flatten the state (plus UI-side notes such as a crashed worker) into list rows.

    ``paused``: the engine holds (a pause makes no event), so what runs shows ⏸, not a spinner.
    """
    entries = _entries(state, notes)
    if paused:
        entries = [replace(e, status="paused") if e.status == "running" else e for e in entries]
    return entries


def _entries(state: Any, notes: list[str] | tuple[str, ...]) -> list[StepEntry]:
    entries: list[StepEntry] = []
    warnings_by_round: dict[int, list[tuple[int, Any]]] = {}
    for index, warning in enumerate(getattr(state, "warnings", [])):
        warnings_by_round.setdefault(getattr(warning, "round", 0) or 0, []).append((index, warning))
    report_phase = None
    for number in sorted(state.rounds):
        rnd = state.rounds[number]
        phases = rnd.phases
        if phases.get("report") is not None and phases["report"].started:
            report_phase = (number, phases["report"])
        entries.append(
            StepEntry(
                f"r{number}",
                number,
                f"Round {number}",
                _status(rnd.status),
                _round_detail(rnd),
            )
        )
        for name in ("context", "reasoning", "search", "synthesis"):
            if name == "reasoning":
                entries.extend(_reasoning_entries(number, rnd))
                continue
            phase = phases.get(name)
            if name == "search" and rnd.searches:
                shared = _shared_start([search.query for search in rnd.searches])
                for index, search in enumerate(rnd.searches):
                    detail = ""
                    if search.status == "done":
                        detail = f"{search.results} results"
                        if getattr(search, "dropped", 0):  # the search filters turned away
                            detail += f", {search.dropped} dropped"
                        if search.ms:
                            detail += f", {search.ms / 1000:.1f}s"
                    elif search.status == "failed" and search.error:
                        detail = "failed"
                    elif search.status in ("stopped", "paused"):
                        detail = search.error or search.status  # "interrupted", "stopped"
                    entries.append(
                        StepEntry(
                            f"r{number}:search:{index}",
                            number,
                            "» " + _query_label(search.query, getattr(state, "topic", ""), shared),
                            _status(search.status),
                            detail,
                            indent=1,
                        )
                    )
                continue
            if phase is None:
                continue
            label = PHASE_LABELS[name]
            if phase.status == "pending" and rnd.status != "running":
                label += " (skipped)"
            entries.append(
                StepEntry(
                    f"r{number}:{name}",
                    number,
                    label,
                    _status(phase.status),
                    _timing(phase.started, phase.finished),
                    indent=1,
                )
            )
        for index, warning in warnings_by_round.pop(number, []):
            entries.append(StepEntry(f"w{index}", number, warning.message, "warning", indent=1))
    if report_phase is not None:
        number, phase = report_phase
        entries.append(
            StepEntry(
                "report",
                number,
                "Report",
                _status(phase.status),
                _timing(phase.started, phase.finished),
            )
        )
    for items in warnings_by_round.values():
        for index, warning in items:
            entries.append(StepEntry(f"w{index}", 0, warning.message, "warning"))
    for index, error in enumerate(getattr(state, "errors", [])):
        entries.append(StepEntry(f"e{index}", 0, f"{error.kind}: {error.message}", "failed"))
    for index, note in enumerate(notes):
        entries.append(StepEntry(f"n{index}", 0, note, "failed"))
    return entries


class StepsList(SizedByLayout, OptionList):
    """Steps of the research; highlighting an entry selects its round.

    While ``follow`` holds, the screen moves the highlight to the newest step as events
    arrive. A key or click that moves the highlight is the user's choice and stops the
    following, so no event takes it back; End or G resumes it (the footer offers it then).
    """

    BINDINGS = [
        # Priority bindings run where the app first sees the key. A plain binding runs only
        # after the key has gone to the list, its container and the screen and bubbled back
        # to the app: while the screen is busy with a live refresh, that way took up to
        # 7.6 ms (p95) more per key than the move itself (issue 15, ``python -m bench live``).
        Binding("j", "cursor_down", "Down", show=False, priority=True),
        Binding("k", "cursor_up", "Up", show=False, priority=True),
        Binding("down", "cursor_down", "Down", show=False, priority=True),
        Binding("up", "cursor_up", "Up", show=False, priority=True),
        Binding("G", "follow", "Follow", id="steps.follow", tooltip="Follow the newest step"),
        Binding("end", "follow", "Follow", show=False),
    ]

    highlighted: reactive[int | None] = reactive(None, repaint=False)
    """As in ``OptionList``, but a move repaints only the two options it concerns (see
    ``watch_highlighted``), not the whole list."""

    class FollowResumed(Message):
        """The user asked to follow the newest step again (End or G)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Steps hold no links (their lines are assembled, web text taken literally), and
        # with links on Textual works out the link style for every line it renders: ~30 %
        # of a line's render (a reopened research's list renders ~30 at once).
        self.set_reactive(StepsList.auto_links, False)
        self._entries: dict[str, StepEntry] = {}
        self._order: list[str] = []
        self._drawn_width = 0
        self.follow = True
        self.live = False
        """The research runs here: new steps come, so following is worth a footer key."""

    def _stop_following(self) -> None:
        if self.follow:
            self.follow = False
            self.refresh_bindings()

    def action_cursor_down(self) -> None:
        self._stop_following()
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        self._stop_following()
        super().action_cursor_up()

    def action_page_down(self) -> None:
        self._stop_following()
        super().action_page_down()

    def action_page_up(self) -> None:
        self._stop_following()
        super().action_page_up()

    def action_first(self) -> None:
        self._stop_following()
        super().action_first()

    async def _on_click(self, event: events.Click) -> None:
        self._stop_following()
        await super()._on_click(event)

    def action_follow(self) -> None:
        self.follow = True
        self.refresh_bindings()
        self.post_message(self.FollowResumed())

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        self._refresh_option(old)
        self._refresh_option(new)
        super().watch_highlighted(new)

    def _replace_option_prompt(self, index: int, prompt: VisualType) -> None:
        """A new prompt repaints that option's lines only.

        ``OptionList`` drops every cached option render and repaints the whole list. A
        running step's prompt changes with each event batch (its timing), so the whole list
        was repainted at every frame while a research streamed; and since the compositor
        redraws the box around everything repainted, a list as tall as the screen made each
        frame redraw the whole screen (issue 15: a key waited for those frames).
        """
        option = self.get_option_at_index(index)
        height = self._heights.get(index)
        option._set_prompt(prompt)
        if height is None or self._option_height(option) != height:
            self._clear_caches()  # the lines below move: everything again
            return
        cache = self._option_render_cache
        # keys(): an LRUCache cannot be iterated itself (it is no dict, whatever SIM118 says)
        stale = [key for key in cache.keys() if key[0] is option]  # noqa: SIM118
        for key in stale:
            cache.discard(key)
        self._refresh_option(index)

    def _option_height(self, option: Option) -> int:
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        visual = self._get_visual(option)
        return visual.get_height(self.styles, width - padding.width) + option._divider

    def _refresh_option(self, index: int | None) -> None:
        """Repaint the lines of the option at ``index`` (if it is on screen)."""
        if index is None or not self.is_mounted:
            return
        line = self._index_to_line.get(index)
        if line is not None:
            self.refresh_lines(line, self._heights.get(index, 1))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ "Follow" is offered only when it would change something. While the research
        runs and the list follows, it is shown dimmed rather than hidden: the first j/k then
        only enables it in the footer, where showing it rebuilt the footer (an 83 ms frame
        while the panes streamed, issue 15)."""
        if action == "follow":
            if not self.follow:
                return True
            return None if self.live else False
        return True

    def set_live(self, live: bool) -> None:
        """The research started or stopped running here (the screen says)."""
        if live != self.live:
            self.live = live
            self.refresh_bindings()

    def show_entries(self, entries: list[StepEntry]) -> None:
        ids = [entry.id for entry in entries]
        if ids[: len(self._order)] != self._order:
            # An entry came in between (a warning under its round): rebuild, keeping the
            # highlight on the same step, not on the same row number.
            highlighted = self.highlighted
            kept = self.entry_at(highlighted)
            self.clear_options()
            self._entries.clear()
            self._order = []
            self._append(entries)
            if kept is not None and kept.id in self._entries:
                self.highlighted = self._order.index(kept.id)
            elif highlighted is not None and self.option_count:
                self.highlighted = min(highlighted, self.option_count - 1)
            return
        for entry in entries[: len(self._order)]:
            if self._entries[entry.id] != entry:
                self._entries[entry.id] = entry
                self.replace_option_prompt(entry.id, self._prompt(entry))
        self._append(entries[len(self._order) :])

    def _append(self, entries: list[StepEntry]) -> None:
        if not entries:
            return
        for entry in entries:
            self._entries[entry.id] = entry
            self._order.append(entry.id)
        self.add_options(Option(self._prompt(entry), id=entry.id) for entry in entries)

    def _prompt(self, entry: StepEntry) -> Content:
        """The entry's line at the width drawn; before the list has one, a stand-in.

        A reopened research lists every step before the list is laid out: building each
        line for width 0 and again for the real width doubled the work, and the first
        frame showed the uncut lines. ``render_lines`` fits them before the first paint.
        """
        if not self._drawn_width:
            return Content(entry.label)
        return entry.prompt(self._drawn_width)

    @property
    def _width(self) -> int:
        """Room for a prompt: the content width minus the scrollbar."""
        return max(0, self.content_size.width - 1)

    def _fit_prompts(self) -> None:
        """Rebuild every line for the width the list has now (if it changed)."""
        width = self._width
        if width and width != self._drawn_width:
            self._drawn_width = width
            for index, entry_id in enumerate(self._order):
                prompt = self._entries[entry_id].prompt(width)
                self.get_option_at_index(index)._set_prompt(prompt)
            self._clear_caches()  # every line changed: one repaint, not one per option

    def on_resize(self) -> None:
        self._fit_prompts()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Lines fitted to the width before they are painted: the first frame is final."""
        self._fit_prompts()
        return super().render_lines(crop)

    def entry_at(self, index: int | None) -> StepEntry | None:
        if index is None or not 0 <= index < len(self._order):
            return None
        return self._entries[self._order[index]]

    def highlight_id(self, entry_id: str) -> None:
        if entry_id in self._entries:
            self.highlighted = self._order.index(entry_id)


def step_detail(
    state: Any, entry: StepEntry, notes: list[str] | tuple[str, ...] = ()
) -> tuple[str, str] | None:
    """Title and full plain text of a step whose row says too little (or is cut off).

    Errors, warnings, UI-side problems and searches have one; plan, reflect and round rows
    have a pane that shows them instead (None).
    """
    kind, rest = entry.id[:1], entry.id[1:]
    if kind in ("e", "w", "n") and rest.isdigit():
        index = int(rest)
        if kind == "e" and index < len(state.errors):
            error = state.errors[index]
            return f"Error: {error.kind}", error.message
        if kind == "w" and index < len(state.warnings):
            warning = state.warnings[index]
            title = "Note" if warning.kind == "info" else f"Warning: {warning.kind}"
            return title, warning.message
        if kind == "n" and index < len(notes):
            return "Problem", notes[index]
        return None
    parts = entry.id.split(":")
    if len(parts) != 3 or parts[1] != "search" or not parts[0][1:].isdigit():
        return None
    rnd = state.rounds.get(int(parts[0][1:]))
    index = int(parts[2])
    if rnd is None or index >= len(rnd.searches):
        return None
    search = rnd.searches[index]
    lines = [search.query, "", f"Round {rnd.number} · {search.status}"]
    if search.status == "done":
        lines[-1] += f" · {search.results} results"
        if search.ms:
            lines[-1] += f" in {search.ms / 1000:.1f}s"
    if search.error and search.status == "failed":
        lines += ["", search.error]
    if getattr(search, "dropped", 0):
        lines += ["", f"Dropped by the search filters ({search.dropped}):"]
        lines += list(search.dropped_reasons)
    sources = [state.sources[n] for n in search.source_ids if n in state.sources]
    if sources:
        lines += ["", "Sources:"]
        lines += [f"[{s.source_id}] {s.title or s.url} ({s.domain})" for s in sources]
    return "Search", "\n".join(lines)
