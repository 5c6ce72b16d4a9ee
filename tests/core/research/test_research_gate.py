"""The run gate and the loop's routing decision, without a research around them."""

from __future__ import annotations

import asyncio
import threading

import pytest

from core.research import ResearchOptions, after_round
from core.research.gate import RunGate
from core.research.outcomes import Stopped


async def test_held_is_set_only_while_a_step_waits_at_a_closed_gate() -> None:
    gate = RunGate()
    gate.bind()
    await gate.checkpoint()  # open: passes straight through
    assert not gate.held.is_set()
    gate.pause()
    await asyncio.sleep(0)  # the pause lands on this loop via call_soon_threadsafe
    waiter = asyncio.create_task(gate.checkpoint())
    await asyncio.to_thread(gate.held.wait, 5)
    assert gate.held.is_set() and not waiter.done()
    threading.Thread(target=gate.unpause).start()  # from another thread, as the UI does
    await asyncio.wait_for(waiter, 5)
    assert not gate.held.is_set()


async def test_stop_releases_a_paused_gate_and_ends_at_the_next_checkpoint() -> None:
    gate = RunGate()
    gate.bind()
    gate.pause()
    await asyncio.sleep(0)
    waiter = asyncio.create_task(gate.checkpoint())
    await asyncio.to_thread(gate.held.wait, 5)
    gate.stop()
    with pytest.raises(Stopped):
        await asyncio.wait_for(waiter, 5)
    await gate.checkpoint(allow_stop=False)  # a search under way may still finish
    gate.clear_stop()
    await gate.checkpoint()


async def test_an_interrupt_releases_a_paused_gate_and_cancels_even_where_stop_may_not() -> None:
    gate = RunGate()
    gate.bind()
    gate.pause()
    await asyncio.sleep(0)
    waiter = asyncio.create_task(gate.checkpoint(allow_stop=False))
    await asyncio.to_thread(gate.held.wait, 5)
    gate.interrupt()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiter, 5)
    with pytest.raises(asyncio.CancelledError):
        await gate.checkpoint(allow_stop=False)


def test_the_loop_routes_to_the_report_when_rounds_are_spent_or_the_topic_is_covered() -> None:
    options = ResearchOptions(rounds=3)
    assert after_round(1, False, options) == "next_round"
    assert after_round(1, True, options) == "report"
    assert after_round(3, False, options) == "report"
