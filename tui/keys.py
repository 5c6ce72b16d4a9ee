"""The actions that apply on a screen, read from its bindings: one list for two places.

The help screen's "Here" section and the command palette both show what the user can do on
the current screen. Both used to keep a hand-written list, which fell behind the bindings
(the palette had no Back or Export, help left out keys hidden from the footer). Now both
come from :func:`screen_actions`, which reads Textual's ``Screen.active_bindings`` (so a
binding the screen's ``check_action`` hides right now is left out, as in the footer) and
words each action from :data:`ACTION_TEXT`. A binding added later shows up by itself, with
its description and tooltip until it is given words here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.actions import parse
from textual.app import App

ACTION_TEXT: dict[str, tuple[str, str]] = {
    # binding id, else action (Textual's own bindings have no id): (title, what it does)
    "app.help": ("Help", "The keys that apply here, then every key"),
    "app.settings": ("Settings", "API keys, model, search depth, graph backend"),
    "app.quit": ("Quit", "Leave the app (asks while a research runs)"),
    "command_palette": ("Command palette", "Every action on this screen, saved researches"),
    "app.focus_next": ("Next field", "Move the focus forward"),
    "app.focus_previous": ("Previous field", "Move the focus back"),
    "screen.copy_text": ("Copy selected text", "What the mouse selected, to the clipboard"),
    "home.new": ("New research", "Put the cursor in the topic field"),
    "home.filter": ("Filter saved researches", "Narrow the list by topic, status or id"),
    "home.quit": ("Quit", "Leave the app (asks while a research runs)"),
    "sessions.open": ("Open the selected research", "Its steps, panes, sources and report"),
    "sessions.delete": (
        "Delete the selected research",
        "Asks first; removes its events, log and report",
    ),
    "sessions.export": ("Export the selected research", "Markdown or JSON, into its folder"),
    "research.plan": ("Show the Plan pane", "The model's plan for the round"),
    "research.execution": ("Show the Execution pane", "The model's execution of the round"),
    "research.reflection": ("Show the Reflection pane", "The model's reflection on the round"),
    "research.next_pane": ("Next pane", "Plan → Execution → Reflection"),
    "research.prev_pane": ("Previous pane", "Reflection → Execution → Plan"),
    "research.pause": ("Pause research", "Pause after the current step; it is saved"),
    "research.resume": ("Resume research", "Continue a paused, stopped or interrupted research"),
    "research.stop": ("Stop research", "Finish the current call, save, write a partial report"),
    "research.sources": ("Show sources", "Every source found: filter, read, open the URL"),
    "research.mindmap": ("Show mind map", "Topics, rounds, steps, evidence and concepts"),
    "research.report": ("Show report", "The report; its citations lead to the sources"),
    "research.ask": ("Ask the mind map", "A question in plain words, answered from the graph"),
    "research.check": (
        "Citation check",
        "Claims by verdict; enter shows the source with the quote highlighted",
    ),
    "research.followup": (
        "Follow-up question",
        "Ask about this research: answered from its sources, quotes checked, saved with it",
    ),
    "research.dig_deeper": (
        "Dig deeper",
        "More rounds on a finished research, focused on a question; the old report is kept",
    ),
    "followup.close": ("Close", "Back to the research (the answer is saved with it)"),
    "dig.cancel": ("Cancel", "Back to the research without more rounds"),
    "research.review": (
        "Toggle review of planned searches",
        "Edit each round's planned searches before they run",
    ),
    "research.help": ("Help", "The keys that apply here, then every key"),
    "steps.follow": (
        "Follow the newest step",
        "Moving in the steps list stops the following; this resumes it",
    ),
    "research.back": ("Back to Home", "Leave this research (asks while it runs)"),
    "report.back": ("Back to the research", "Close the report"),
    "report.export_md": ("Export as Markdown", "The report and its sources, as a .md file"),
    "report.export_json": ("Export as JSON", "The whole research, as a .json file"),
    "report.sources": ("Show sources", "The sources behind the citations"),
    "report.go_to_source": ("Go to source", "Show a cited source by its number"),
    "report.claims": (
        "Claims of a source",
        "What citation [n] rests on: the claims citing source n, checked (a click does it too)",
    ),
    "report.help": ("Help", "The keys that apply here, then every key"),
    "settings.save": ("Save settings", "Write the config file (readable only by you)"),
    "settings.cancel": ("Cancel", "Leave Settings without saving"),
    "settings.test_neo4j": ("Test Neo4j connection", "Connect with the URI, user and password"),
}


ALL_KEYS: list[tuple[str, str, str]] = [
    # (where, key, what it does): help's "All keys" table and the README's (row for row).
    ("Everywhere", "ctrl+p", "Command palette: every action on this screen, saved researches"),
    ("Everywhere", "?", "Help: the keys that apply here, then all keys"),
    ("Everywhere", "ctrl+s", "Settings (API keys, model, graph backend)"),
    ("Everywhere", "ctrl+q", "Quit"),
    ("Home", "tab / shift+tab", "Move between the form, the filter and the list"),
    ("Home", "enter", "Start research (in the form) / open the selected research (in the list)"),
    ("Home", "/", "Filter the saved researches (from the list or an empty topic field)"),
    ("Home", "down / enter", "In the filter: on to the researches it found"),
    ("Home", "n", "New research: focus the topic field"),
    ("Home", "d / delete", "Delete the selected research (asks; tab then enter confirms)"),
    ("Home", "e", "Export the selected research (Markdown or JSON)"),
    ("Home", "escape", "Clear the filter / leave it"),
    ("Research", "up/down, j/k", "Move through the steps (selecting a round shows its text)"),
    ("Research", "G / end", "Follow the newest step again (moving in the list stops following)"),
    ("Research", "tab / shift+tab", "Next / previous pane"),
    ("Research", "1 2 3", "Plan / Execution / Reflection pane"),
    (
        "Research",
        "s",
        "Sources (/ filters, enter shows the snippet, o opens the URL; s or escape: back)",
    ),
    (
        "Research",
        "m",
        "Mind map tree, open at this research (right/left expand/collapse, enter shows a node;"
        " m or escape: back)",
    ),
    ("Research", "r", "Report"),
    ("Research", "a", "Ask the mind map"),
    ("Research", "c", "Citation check: claims by verdict (enter shows the quote in its source)"),
    ("Research", "f", "Follow-up question on this research (answer streamed, quotes checked)"),
    ("Research", "D", "Dig deeper: N more rounds on a finished research, focused on a question"),
    ("Research", "space", "Pause / resume"),
    ("Research", "x", "Stop: finish the current call, save, write a partial report"),
    ("Research", "v", "Review the next round's planned searches (on/off)"),
    ("Research", "q", "Back to Home (asks if research is running)"),
    ("Review searches", "ctrl+s / escape", "Run the edited searches / run them as planned"),
    ("Report", "e / E", "Export Markdown / JSON"),
    ("Report", "s", "Sources"),
    ("Report", "f", "Go to source: show cited source n by its number"),
    ("Report", "c", "Claims of source n, checked (what citation [n] rests on; a click too)"),
    ("Report", "escape, q, r", "Back to the research"),
    ("Citation check", "s", "From a report citation: that source's details"),
    ("Settings", "ctrl+s", "Save"),
    ("Settings", "escape", "Cancel"),
    ("Dialogs", "y / n / escape", "Answer yes / no / cancel"),
    ("Delete dialog", "tab, enter", "Move to Delete and confirm (enter alone or escape keeps)"),
]


@dataclass(frozen=True)
class ScreenAction:
    """One thing the user can do on a screen, with every key that does it."""

    keys: str
    """As the footer writes them, joined: ``"escape, q, r"``."""
    title: str
    what: str
    node: Any
    """Where the action runs: the screen, a widget on it, or the app."""
    action: str
    binding_id: str | None

    @property
    def on_app(self) -> bool:
        """True for the app's own actions (help, settings, quit), which apply everywhere."""
        namespace, _, _ = parse(self.action)
        return namespace == "app" or isinstance(self.node, App)

    def run(self) -> None:
        """Run the action where its binding would (from the palette: after it closes)."""
        self.node.app.call_next(self.node.run_action, self.action)


def screen_actions(screen: Any) -> list[ScreenAction]:
    """What can be done on ``screen`` now, each action once with all its keys: the screen's
    bindings, then the focused widget's, then Textual's generic ones, then the app's.

    Hidden bindings (``show=False``: keys left out of the footer for room) are included
    for the screen and the app; for widgets only shown ones are, which leaves out the
    cursor and scrolling keys every table and list has.
    """
    app = screen.app
    found: dict[tuple[int, str], tuple[Any, Any, list[str]]] = {}
    for active in screen.active_bindings.values():
        namespace, binding = active.node, active.binding
        if not active.enabled or not binding.description:
            continue
        if not binding.show and namespace is not screen and namespace is not app:
            continue
        entry = found.setdefault((id(namespace), binding.action), (namespace, binding, []))
        key = app.get_key_display(binding)
        if key not in entry[2]:
            entry[2].append(key)

    def rank(entry: tuple[Any, Any, list[str]]) -> int:
        """The screen's own keys first; Textual's generic ones (no id: focus moves, copy)
        after the focused widget's; the app's last."""
        node, binding, _ = entry
        if node is app:
            return 3
        if node is screen:
            return 0 if binding.id else 2
        return 1

    entries = sorted(found.values(), key=rank)
    actions: list[ScreenAction] = []
    for namespace, binding, keys in entries:
        title, what = ACTION_TEXT.get(binding.id or "", ACTION_TEXT.get(binding.action, ("", "")))
        actions.append(
            ScreenAction(
                keys=", ".join(keys),
                title=title or binding.description,
                what=what or binding.tooltip or "",
                node=namespace,
                action=binding.action,
                binding_id=binding.id,
            )
        )
    return actions


README_START = "<!-- keys:start (generated by `python -m tui.keys --write-readme`) -->"
README_END = "<!-- keys:end -->"


def markdown_table() -> str:
    """The README's key table, generated from :data:`ALL_KEYS` (never edited by hand)."""
    lines = ["| where | key | what it does |", "| --- | --- | --- |"]
    lines += [f"| {where} | `{key}` | {what} |" for where, key, what in ALL_KEYS]
    return "\n".join(lines) + "\n"


def with_key_table(readme: str) -> str:
    """``readme`` with the text between the key-table markers replaced by the table."""
    head, found, rest = readme.partition(README_START)
    if not found or README_END not in rest:
        raise ValueError(f"the README has no {README_START!r} … {README_END!r} section")
    tail = rest.split(README_END, 1)[1]
    return f"{head}{README_START}\n{markdown_table()}{README_END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """``python -m tui.keys --markdown`` prints the table; ``--write-readme [PATH]``
    rewrites the README's generated section in place."""
    import sys
    from pathlib import Path

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--markdown"]:
        sys.stdout.write(markdown_table())
        return 0
    if args[:1] == ["--write-readme"]:
        path = Path(args[1] if len(args) > 1 else "README.md")
        path.write_text(with_key_table(path.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    print("usage: python -m tui.keys --markdown | --write-readme [README.md]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
