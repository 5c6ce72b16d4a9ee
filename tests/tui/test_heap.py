"""tui.heap: what lives when a research starts is frozen; the next start collects it."""

from __future__ import annotations

import gc
import weakref

from tests.conftest import AppBuilder
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


async def test_the_app_freezes_its_start_up_at_the_first_frame_and_lets_go_at_exit(
    make_app: AppBuilder,
) -> None:
    """What start-up built is out of the collector's sight once the first frame is shown
    (a reopen then pays no full collection over it), though not before that frame (the
    collection would delay it); a closed app leaves nothing frozen."""
    from tests.pilot_helpers import wait_for

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    app = make_app()
    async with app.run_test() as pilot:
        await wait_for(pilot, lambda: app.start_up_settled, "the heap settled after frame 1")
        assert gc.get_freeze_count() > 10_000  # modules, classes, CSS, the first screen
    assert gc.get_freeze_count() == 0
