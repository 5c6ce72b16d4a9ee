"""The mind map as a lazy Tree: Topic → sessions → rounds → steps, evidence, concepts.

Nothing is read until a node is expanded. An expandable node gets a "loading…" child; the
children are fetched by a thread worker (stores are synchronous) and arrive as a message,
50 at a time, with a "more…" node for the next page. Labels carry the child count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, Tree
from textual.widgets.tree import TreeNode

from core.ingest import clean_line

PAGE = 50


@dataclass
class NodeData:
    kind: str  # "node" | "loading" | "more"
    ref: Any = None
    loaded: bool = False
    parent_id: str = ""
    offset: int = 0


SHORT_LABELS = {"ReasoningStep": "Step"}
"""Node labels as the Tree shows them, where the schema's name is long for a narrow pane."""


def node_label(ref: Any) -> Text:
    """Tree labels are Rich Text (the Tree widget copies and styles them)."""
    title = clean_line(ref.title or ref.id, 10_000)
    if title.startswith(f"{ref.label} "):  # "Round 2" needs no "Round" in front
        label = Text(title, style="bold")
    else:
        label = Text.assemble((SHORT_LABELS.get(ref.label, ref.label), "bold"), " ", title)
    if ref.child_count:
        label.append(f" ({ref.child_count})", style="dim")
    return label


class MindMapTree(Tree[NodeData]):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("right,l", "expand_node", "Expand", show=False),
        Binding("left,h", "collapse_node", "Collapse", show=False),
    ]

    class ChildrenLoaded(Message):
        def __init__(self, node: TreeNode[NodeData], page: Any) -> None:
            super().__init__()
            self.node = node
            self.page = page

    class LoadFailed(Message):
        """A node's children (``node``) or the roots (``node`` None, for ``root``) could
        not be read."""

        def __init__(
            self,
            node: TreeNode[NodeData] | None,
            error: str,
            root: TreeNode[NodeData] | None = None,
        ) -> None:
            super().__init__()
            self.node = node
            self.error = error
            self.root = root

    class ShowNode(Message):
        def __init__(self, ref: Any) -> None:
            super().__init__()
            self.ref = ref

    def __init__(self, get_store: Callable[[], Any], *, topic: str = "", **kwargs: Any) -> None:
        super().__init__("Mind map", data=NodeData("root"), **kwargs)
        self.get_store = get_store
        self.topic = topic
        """The research shown beside the tree: its Topic is where the cursor starts."""
        self.auto_expand = False
        self.show_root = False
        self.guide_depth = 3

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Space is the research's pause/resume key, as the footer says, here too: the
        Tree's own space (toggle a node) steps aside, and right/left/enter expand."""
        if action == "toggle_node":
            return False
        return super().check_action(action, parameters)

    def action_expand_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()

    def action_collapse_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    # --- loading ---------------------------------------------------------------------

    def reload(self) -> None:
        """Forget everything and read the roots again (after the graph changed)."""
        self.clear()
        self.root.data = NodeData("root")
        self.root.add_leaf("loading…", data=NodeData("loading"))
        self._load_roots(self.root)

    @work(thread=True, exclusive=True, group="mindmap-roots", exit_on_error=False)
    def _load_roots(self, root: TreeNode[NodeData]) -> None:
        """Read the roots for ``root`` (the root as the reload made it: a later reload
        makes a new one, and what this reading finds is then for a tree no longer shown)."""
        try:
            store = self.get_store()
            if store is None:
                raise RuntimeError("no mind map store")
            roots = store.roots()
        except Exception as exc:
            self.post_message(self.LoadFailed(None, str(exc), root))
            return
        from core.mindmap.base import Page

        self.post_message(self.ChildrenLoaded(root, Page(items=roots, total=len(roots))))

    def _shown(self, node: TreeNode[NodeData]) -> bool:
        """``node`` is in the tree as shown now, not in one a reload replaced.

        A thread cannot be stopped: after two reloads close together (a round ends while
        the map is shown), the first reading can arrive last, and it added every root a
        second time."""
        while node.parent is not None:
            node = node.parent
        return node is self.root

    @work(thread=True, group="mindmap-children", exit_on_error=False)
    def _load_children(self, node: TreeNode[NodeData], node_id: str, offset: int) -> None:
        try:
            page = self.get_store().children(node_id, offset=offset, limit=PAGE)
        except Exception as exc:
            self.post_message(self.LoadFailed(node, str(exc)))
            return
        self.post_message(self.ChildrenLoaded(node, page))

    @on(ChildrenLoaded)
    def _children_loaded(self, event: ChildrenLoaded) -> None:
        event.stop()
        node = event.node
        if not self._shown(node):
            return
        for child in list(node.children):
            if child.data is not None and child.data.kind in ("loading", "more"):
                child.remove()
        for ref in event.page.items:
            data = NodeData("node", ref=ref)
            if ref.child_count:
                child = node.add(node_label(ref), data=data)
                child.add_leaf("loading…", data=NodeData("loading"))
            else:
                node.add_leaf(node_label(ref), data=data)
        shown = event.page.offset + len(event.page.items)
        if shown < event.page.total and node.data is not None and node.data.ref is not None:
            node.add_leaf(
                Text(f"more… ({event.page.total - shown} left)", style="dim italic"),
                data=NodeData("more", parent_id=node.data.ref.id, offset=shown),
            )
        if node is self.root and not event.page.items:
            node.add_leaf(
                Text("The mind map is empty: start a research.", style="dim"),
                data=NodeData("loading"),
            )
        elif node is self.root:
            self._open_own_topic(event.page.items)

    def _open_own_topic(self, roots: list[Any]) -> None:
        """Put the cursor on this research's Topic (else the newest) and open it.

        With the root hidden, a fresh Tree has no cursor: the first →, ← or Enter did
        nothing (the line above the tree offers them), and the view showed one closed line.
        """
        wanted = " ".join(self.topic.split()).casefold()
        titles = [" ".join(str(ref.title or "").split()).casefold() for ref in roots]
        line = titles.index(wanted) if wanted and wanted in titles else 0
        self.move_cursor_to_line(line)  # the roots are the tree's first lines, all closed
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()

    @on(LoadFailed)
    def _load_failed(self, event: LoadFailed) -> None:
        if not self._shown(event.node or event.root or self.root):
            event.stop()  # for a tree a reload replaced
            return
        if event.node is not None:
            event.stop()
        node = event.node or self.root
        for child in list(node.children):
            if child.data is not None and child.data.kind == "loading":
                child.remove()
        if node.data is not None:
            node.data.loaded = False
        node.add_leaf(
            Text(f"could not load: {event.error}", style="red"),
            data=NodeData("loading"),
        )

    @on(Tree.NodeExpanded)
    def _expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        event.stop()
        data = event.node.data
        if data is None or data.kind != "node" or data.loaded:
            return
        data.loaded = True
        self._load_children(event.node, data.ref.id, 0)

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        event.stop()
        data = event.node.data
        if data is None:
            return
        if data.kind == "more":
            parent = event.node.parent
            if parent is not None:
                event.node.set_label(Text("loading…", style="dim"))
                data.kind = "loading"
                self._load_children(parent, data.parent_id, data.offset)
        elif data.kind == "node":
            self.post_message(self.ShowNode(data.ref))


class MindMapView(Vertical):
    """A message line (backend, warnings, failures) over the tree."""

    DEFAULT_CSS = """
    MindMapView { height: 1fr; }
    MindMapView > #mindmap-message { width: 1fr; padding: 0 1; color: $text-muted; }
    MindMapView > MindMapTree { height: 1fr; }
    """

    def __init__(self, get_store: Callable[[], Any], *, topic: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.get_store = get_store
        self.topic = topic
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Label("enter: details · →: expand · ←: collapse · a: ask", id="mindmap-message")
        yield MindMapTree(self.get_store, topic=self.topic, id="mindmap-tree")

    @property
    def tree(self) -> MindMapTree:
        return self.query_one(MindMapTree)

    def ensure_loaded(self, *, force: bool = False) -> None:
        if force or not self.loaded:
            self.loaded = True
            self.tree.reload()

    def set_message(self, text: str | Content) -> None:
        self.query_one("#mindmap-message", Label).update(text)

    @on(MindMapTree.LoadFailed)
    def _root_failed(self, event: MindMapTree.LoadFailed) -> None:
        if event.node is None:
            self.set_message(
                Content.from_markup(
                    "[$error]The mind map is not available: $error[/]", error=event.error
                )
            )
