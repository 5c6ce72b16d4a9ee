"""tui.heap: what lives when a research starts is frozen; the next start collects it."""

from __future__ import annotations

import gc
import weakref

from tui.heap import settle_heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_settle_heap_freezes_and_the_next_one_collects_frozen_garbage() -> None:
    try:
        node = Node()
        ref = weakref.ref(node)
        assert settle_heap() > 0
        assert gc.get_freeze_count() > 0
        del node  # garbage now, but frozen: full collections do not see it
        gc.collect()
        assert ref() is not None
        settle_heap()  # the next research: unfreeze and collect first
        assert ref() is None
    finally:
        gc.unfreeze()
