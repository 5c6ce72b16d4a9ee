"""``tui.frame_pacing``: which paints run on the loop's next turn and which wait for their
slot, on a fake clock and a fake scheduler (no loop, no sleeping)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from textual import events

from tui.frame_pacing import (
    HOLD_CAP_S,
    HOLD_CHECK_S,
    INPUT_WINDOW_S,
    PACE_S,
    FramePacer,
    InputClock,
)


@dataclass
class Scheduled:
    delay: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class World:
    now: float = 100.0
    urgent: bool = False
    key_queued: bool = False
    scheduled: list[Scheduled] = field(default_factory=list)
    paints: int = 0
    after_input: list[bool] = field(default_factory=list)
    errors: list[Exception] = field(default_factory=list)

    def schedule(self, delay: float, callback: Callable[[], None]) -> Scheduled:
        handle = Scheduled(delay, callback)
        self.scheduled.append(handle)
        return handle

    def live(self) -> list[Scheduled]:
        return [s for s in self.scheduled if not s.cancelled]

    def run_due(self) -> None:
        """Run what is scheduled (as the loop would once its delay passed)."""
        for handle in self.live():
            handle.cancelled = True  # run once
            self.now += handle.delay
            handle.callback()

    def paint(self, after_input: bool) -> None:
        self.paints += 1
        self.after_input.append(after_input)


def pacer(world: World) -> FramePacer:
    return FramePacer(
        world.paint,
        urgent=lambda: world.urgent,
        hold=lambda after_input: world.key_queued and not after_input,
        on_error=world.errors.append,
        schedule=world.schedule,
        clock=lambda: world.now,
    )


def test_the_first_paint_runs_on_the_next_turn_and_the_next_waits_for_its_slot() -> None:
    world = World()
    frames = pacer(world)
    frames.resume()
    assert [s.delay for s in world.live()] == [0.0]
    world.run_due()
    assert world.paints == 1
    world.now += 0.004  # 4 ms after that paint began, streamed text is due
    frames.resume()
    (waiting,) = world.live()
    assert abs(waiting.delay - (PACE_S - 0.004)) < 1e-9


def test_a_paint_already_waiting_is_not_scheduled_twice() -> None:
    world = World()
    frames = pacer(world)
    frames.resume()
    world.run_due()
    frames.resume()
    frames.resume()
    assert len(world.live()) == 1


def test_input_brings_a_waiting_paint_forward_to_the_next_turn() -> None:
    world = World()
    frames = pacer(world)
    frames.resume()
    world.run_due()
    frames.resume()  # streamed text: waits for its slot
    (slot,) = world.live()
    assert slot.delay > 0
    world.urgent = True  # a key came in and moved the list
    frames.resume()
    assert slot.cancelled
    (now,) = world.live()
    assert now.delay == 0.0
    frames.resume()  # already going on the next turn: nothing more
    assert world.live() == [now]


def test_a_paced_paint_waits_while_a_key_is_queued_and_then_paints() -> None:
    world = World(key_queued=True)
    frames = pacer(world)
    frames.resume()  # streamed text is due; a key waits in a queue
    world.run_due()
    assert world.paints == 0
    assert [s.delay for s in world.live()] == [HOLD_CHECK_S]
    world.run_due()
    assert world.paints == 0  # the key is still queued
    world.key_queued = False  # its binding ran
    world.run_due()
    assert world.after_input == [False]
    assert world.live() == []


def test_queued_keys_hold_a_paced_paint_for_at_most_the_cap() -> None:
    world = World(key_queued=True)  # a held-down key: always another one queued
    frames = pacer(world)
    frames.resume()
    checks = 0
    while world.paints == 0:
        world.run_due()
        checks += 1
        assert checks < 1000
    held_for = HOLD_CHECK_S * (checks - 1)
    assert HOLD_CAP_S <= held_for + 1e-9 < HOLD_CAP_S + 2 * HOLD_CHECK_S
    frames.resume()  # the next paint may be held again, from its own start
    world.run_due()
    assert world.paints == 1


def test_a_paint_after_input_is_not_held_and_says_so() -> None:
    world = World(key_queued=True, urgent=True)
    frames = pacer(world)
    frames.resume()
    world.run_due()
    assert world.after_input == [True]


def test_input_ends_a_hold_at_once() -> None:
    world = World(key_queued=True)
    frames = pacer(world)
    frames.resume()
    world.run_due()  # held
    world.urgent = True  # the queued key moved the list
    frames.resume()
    assert [s.delay for s in world.live()] == [0.0]
    world.run_due()
    assert world.after_input == [True]


def test_pause_drops_the_due_paint_and_close_stops_painting() -> None:
    world = World()
    frames = pacer(world)
    frames.resume()
    frames.pause()  # Textual laid out and painted everything itself
    assert world.live() == []
    frames.resume()
    handle = world.live()[0]
    frames.close()
    assert handle.cancelled
    handle.callback()  # a handle the loop had already taken
    frames.resume()
    assert world.paints == 0 and world.live() == []


def test_a_failed_paint_goes_to_the_app_and_pacing_goes_on() -> None:
    world = World()
    broken = RuntimeError("compositor")

    def paint(_after_input: bool) -> None:
        world.paints += 1
        raise broken

    frames = FramePacer(
        paint,
        urgent=lambda: False,
        on_error=world.errors.append,
        schedule=world.schedule,
        clock=lambda: world.now,
    )
    frames.resume()
    world.run_due()
    assert world.errors == [broken]
    frames.resume()
    assert len(world.live()) == 1


def test_input_clock_counts_keys_clicks_and_wheels_not_mouse_moves() -> None:
    now = [10.0]
    clock = InputClock(lambda: now[0])
    assert not clock.recent()
    clock.saw(events.MouseMove(None, 1, 1, 0, 0, 0, False, False, False))
    assert not clock.recent()
    clock.saw(events.Key("j", "j"))
    assert clock.recent()
    now[0] += INPUT_WINDOW_S * 1.01
    assert not clock.recent()
    clock.saw(events.MouseScrollDown(None, 1, 1, 0, 0, 0, False, False, False))
    assert clock.recent()


def test_a_key_bubbling_back_to_the_app_is_not_new_input() -> None:
    now = [10.0]
    clock = InputClock(lambda: now[0])
    key = events.Key("j", "j")
    key._forwarded = True
    clock.saw(key)
    assert not clock.recent()


def test_input_is_unanswered_until_a_frame_answers_it_or_its_window_passes() -> None:
    now = [10.0]
    clock = InputClock(lambda: now[0])
    assert not clock.unanswered()
    clock.saw(events.Key("j", "j"))
    assert clock.unanswered()
    now[0] += 0.002
    clock.answered()
    assert not clock.unanswered()
    now[0] += 0.001
    clock.saw(events.Key("k", "k"))
    assert clock.unanswered()
    now[0] += INPUT_WINDOW_S * 1.01  # a key that moved nothing holds no paint for long
    assert not clock.unanswered()


def test_a_paint_after_input_can_be_held_too_and_keeps_its_kind() -> None:
    world = World(urgent=True)
    holding = [True]
    frames = FramePacer(
        world.paint,
        urgent=lambda: world.urgent,
        hold=lambda after_input: after_input and holding[0],
        on_error=world.errors.append,
        schedule=world.schedule,
        clock=lambda: world.now,
    )
    frames.resume()
    world.run_due()
    assert world.paints == 0
    assert [s.delay for s in world.live()] == [HOLD_CHECK_S]
    holding[0] = False  # the moved list is dirty now
    world.run_due()
    assert world.after_input == [True]


def test_input_the_driver_sent_is_in_flight_until_the_app_receives_it() -> None:
    """Between the driver's thread and the app's queue a key is nowhere a queue can show:
    ``in_flight`` covers it, for keys, clicks and wheels, and for no longer than the input
    window (input that never reaches the app cannot hold paints)."""
    now = [10.0]
    clock = InputClock(lambda: now[0])
    assert not clock.in_flight()
    clock.arrived(events.MouseMove(None, 1, 1, 0, 0, 0, False, False, False))
    assert not clock.in_flight()
    clock.arrived(events.Key("j", "j"))
    assert clock.in_flight()
    now[0] += 0.001
    clock.saw(events.Key("j", "j"))  # the app has it: queues and handlers take over
    assert not clock.in_flight()
    now[0] += 0.001
    clock.arrived(events.MouseScrollDown(None, 1, 1, 0, 0, 0, False, False, False))
    assert clock.in_flight()
    now[0] += INPUT_WINDOW_S * 1.01
    assert not clock.in_flight()
