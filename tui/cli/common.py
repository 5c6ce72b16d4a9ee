"""Bits every command shares: loading config with a clear error, a stderr console."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape

from core.config import Config, load
from core.errors import ConfigError

err_console = Console(stderr=True, highlight=False)


def load_config_or_exit() -> Config | None:
    """The config, or None after printing why it cannot be read (caller exits with 2)."""
    try:
        return load()
    except ConfigError as exc:
        err_console.print(f"[bold red]Configuration error:[/] {escape(str(exc))}", soft_wrap=True)
        return None


def fail(message: str) -> None:
    err_console.print(f"[bold red]Error:[/] {escape(message)}", soft_wrap=True)


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
