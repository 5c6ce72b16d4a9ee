"""Import what the first research needs while the user reads Home (issue 15).

The research screen and the engine are imported when first needed, since Home's first
frame needs neither. But then the first topic started, or the first saved research opened
from Home, paid for those imports on the UI thread before its screen could appear: ~145 ms
for the research screen and its widgets and ~65 ms for the engine (``python -X importtime``
on the 2-core box), a freeze right after Enter.

Once Home has shown its list and its first estimate, :func:`start` imports them in a
thread. The UI thread keeps the GIL's turns (an import yields it like any Python code), so
keys stay answered meanwhile. The first saved research opened from Home in a fresh process,
a second after Home is drawn: 171 ms to its first full frame before, 103 ms with the
preload (medians of 8, alternating; ``python -m bench open`` prints it).

A plain thread rather than a Textual worker: the UI must be able to wait for it
synchronously (:func:`wait`) before it imports any of these modules itself, so that two
threads never run the same imports at once. Python's per-module import locks raise a
deadlock error when two threads import modules that need each other in opposite orders;
waiting first rules that out. The imports are the process's, not an app's: one preload per
process, whichever app started it.
"""

from __future__ import annotations

import importlib
import threading

MODULES = ("tui.screens.research", "core.research")
"""What the UI thread imports when a research opens (its screen) or starts (the engine's
options), in that order."""


class Preload:
    """Imports ``modules`` in a background thread, once (:meth:`start`), and lets the UI
    wait for it (:meth:`wait`)."""

    def __init__(self, modules: tuple[str, ...]) -> None:
        self.modules = modules
        self._started = False
        self._thread: threading.Thread | None = None
        """The running preload; None before it starts and once it is done."""
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
            self._thread = threading.Thread(
                target=self._import_all, name="preload-research", daemon=True
            )
            self._thread.start()

    def _import_all(self) -> None:
        try:
            for name in self.modules:
                importlib.import_module(name)
        except Exception:
            pass  # the UI imports them again when it needs them, and says what fails then
        finally:
            # A thread keeps the ``sys.stderr`` of its start, which is the running app's
            # print capture: held here for the process, the thread held that app (and its
            # screens) after it ended (tests/tui/test_app_freed.py).
            self._thread = None

    def wait(self) -> None:
        """Return once the preload (if one started) is done. Costs nothing once it is
        done, or if none started."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()


RESEARCH = Preload(MODULES)
"""The process's preload of the research modules."""


def start() -> None:
    """Import the research modules in a background thread (once per process)."""
    RESEARCH.start()


def wait() -> None:
    """Call before importing any of :data:`MODULES` on the UI thread."""
    RESEARCH.wait()
