"""The app's Textual stylesheets (.tcss), shipped as package data beside this file."""

from __future__ import annotations

from pathlib import Path

STYLES_DIR = Path(__file__).resolve().parent


def tcss(name: str) -> Path:
    """Path of ``<name>.tcss`` in this package, for a ``CSS_PATH``."""
    return STYLES_DIR / f"{name}.tcss"
