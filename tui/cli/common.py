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


def with_provider_flags(config: Config, args: object) -> Config | None:
    """``config`` with the ``--llm``/``--search``/``--docs``/``--private`` flags applied, or
    None after saying why it cannot run (the caller exits 2, as for any config error).

    Private mode is checked here, before anything starts: nothing has been sent anywhere
    when it refuses, and the message names each thing that would have left the machine.
    """
    from core.providers import private_mode_problems, with_overrides

    try:
        config = with_overrides(
            config,
            llm=getattr(args, "llm", None),
            search=getattr(args, "search", None),
            docs=getattr(args, "docs", None) or (),
            private=getattr(args, "private", None),
        )
    except ConfigError as exc:
        fail(str(exc))
        return None
    if config.providers.private and (problems := private_mode_problems(config)):
        fail("Private mode: refusing to start, because data would leave this machine.")
        for problem in problems:
            err_console.print(f"  • {escape(problem)}", soft_wrap=True)
        return None
    return config


def fail(message: str) -> None:
    err_console.print(f"[bold red]Error:[/] {escape(message)}", soft_wrap=True)


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()
