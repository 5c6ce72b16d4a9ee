"""The engine never imports a front end: importing every ``core`` module loads no Textual
and no Rich, and ``core`` holds no command line (that lives in ``tui.cli``)."""

from __future__ import annotations

import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import core


def core_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(core.__path__, "core.")]


def test_core_imports_no_textual_and_no_rich() -> None:
    modules = core_modules()
    assert "core.research.engine" in modules and "core.mindmap.base" in modules
    assert not [m for m in modules if m == "core.cli" or m.startswith("core.cli.")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_headless_cli_does_not_load_textual_or_sdks() -> None:
    """Start-up cost: `deepresearch-tui config path` must not import the UI or the SDKs."""
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "main(['config', 'path'])\n"
        "heavy = [m for m in ('textual', 'google.genai', 'tavily', 'neo4j', 'ladybug')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout


# Beside this interpreter first: the venv's scripts, even when the venv is not activated.
LINT_IMPORTS = shutil.which("lint-imports", path=Path(sys.executable).parent) or shutil.which(
    "lint-imports"
)


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter not installed")
def test_import_linter_contract_holds() -> None:
    assert LINT_IMPORTS is not None
    result = subprocess.run([LINT_IMPORTS], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
