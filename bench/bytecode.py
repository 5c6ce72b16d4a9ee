"""The project's modules compiled to bytecode before a fresh process is timed.

Python caches bytecode in ``__pycache__`` the first time it imports a module, so every
launch but the first reads it from there. A machine where ``PYTHONDONTWRITEBYTECODE`` is
set never writes that cache, and each timed process then compiled the app's ~150 modules
from source again, while the libraries it is compared with (Textual, installed by pip with
their bytecode) did not: the start-up figures measured a first launch every time. Compiling
explicitly (``compileall`` writes whatever that variable says) measures the launches a user
has every day; the first one is slower by the compile, once.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "tui", "styles", "bench", "tests")


def compile_project() -> None:
    """Write (or refresh) ``__pycache__`` for every module of the project."""
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
