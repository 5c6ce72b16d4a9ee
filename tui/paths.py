"""How the UI shows a file path."""

from __future__ import annotations

import os
from pathlib import Path

from textual.markup import escape


def shown_path(path: str | os.PathLike[str]) -> str:
    """``path`` with the home folder written ``~``, escaped for Rich markup.

    The sessions folder lives deep under the home folder (platformdirs), so the full path
    often does not fit an 80-column notification; ``~/…`` does, and still pastes into a
    shell. Escaped because notifications and Statics treat ``[`` as Textual markup.
    """
    full = Path(path)
    try:
        inside_home = full.relative_to(Path.home())
    except (ValueError, RuntimeError):  # elsewhere, or no home folder to speak of
        return escape(str(full))
    return escape(str(Path("~") / inside_home))
