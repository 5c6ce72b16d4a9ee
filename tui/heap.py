"""Keep Python's full garbage collections short: while a research streams, and from the
first frame on (issue 15).

A full (generation 2) collection walks every object the collector tracks. By the time a
research streams, that is a quarter of a million objects: Textual, Rich, the SDKs, the CSS,
the widget tree, the engine. Nearly all of them live as long as the app does, and walking
them took 0.2-0.7 s on the UI thread, a few times a minute, mid-stream: the screen froze
and a key pressed then waited for it.

:func:`settle_heap` moves what is alive at that moment out of the collector's sight
(``gc.freeze``); the full collections that follow walk only what was made since, and take
milliseconds. Reference counting still frees frozen objects; only a frozen *cycle* that
becomes garbage waits, until the next :func:`settle_heap` unfreezes and collects everything
first, so such garbage never piles up across researches. A research's start only freezes
(:func:`freeze_heap`); the collection runs once its screen is closed and nobody is typing.

:func:`settle_heap` runs once more just after the app's first frame is shown (after the
refresh that follows ``on_ready``; before it, the collection delayed that frame): what
start-up built (modules, classes, the CSS, the first screen, about 66k objects) is nearly all
alive for good, and the collection then takes ~30 ms while the user reads the screen.
Reopening a saved research from Home used to pay one or two full collections over that heap
(about 100 ms of a ~215 ms reopen). :func:`release_heap` gives it all back when the app ends.
"""

from __future__ import annotations

import gc

_held = False
"""``hold_collections`` paused the automatic collections (and nothing resumed them yet)."""


def hold_collections() -> None:
    """No automatic collection until :func:`resume_collections` or :func:`settle_heap`:
    at start-up until the first frame, and while a saved research is replayed into its
    screen until that screen's first frame (a full collection was 35 ms of a ~200 ms
    reopen from Home).

    Building Home allocates enough to trigger a full collection over everything imported
    so far, ~30 ms, plus a few younger ones, all before the first frame (issue 15); the
    collection :func:`settle_heap` runs after that frame does the same work once, while the
    user reads the screen. Reference counting frees all but cyclic garbage meanwhile, and
    the few cycles made in that half second wait for it.
    """
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def resume_collections() -> None:
    """The automatic collections held by :func:`hold_collections` run again."""
    global _held
    if _held:
        _held = False
        gc.enable()


def settle_heap() -> int:
    """Collect everything, then freeze what survived; returns how many objects it froze.
    Automatic collections held for start-up resume."""
    gc.unfreeze()
    gc.collect()
    return freeze_heap()


def freeze_heap() -> int:
    """What is alive now goes out of the collector's sight, with no collection first: for
    the moment a research starts, while the user watches its screen. Returns how many
    objects are frozen.

    :func:`settle_heap` there (collect everything, then freeze) held the UI thread ~100 ms
    as the first events came in (163k objects; gc callbacks in ``python -m bench live``'s
    set-up). ``gc.freeze`` alone only moves the collector's lists. Garbage cycles not yet
    collected are frozen with the rest, and so is what the research builds and later drops
    (its engine, its widgets); :func:`settle_heap` collects them at a quiet moment once its
    screen is closed (``DeepResearchApp.reclaim_heap_when_quiet``), or the app's end
    gives them back (:func:`release_heap`).
    """
    gc.freeze()
    resume_collections()
    return gc.get_freeze_count()


def release_heap() -> None:
    """The app ends: every frozen object is the collector's again (a process that runs
    many apps, like the test suite, must not keep a dead app out of its sight), and the
    collector runs again even if the app never showed a frame."""
    gc.unfreeze()
    resume_collections()
