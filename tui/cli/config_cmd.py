"""``deepresearch-tui config``: show (keys redacted), set, path."""

from __future__ import annotations

import argparse
import os
from typing import Any

from rich.console import Console
from rich.text import Text

from core.config import ENV_OVERRIDES, SECRET_KEYS, URL_KEYS, effective_values, set_value
from core.errors import ConfigError
from tui.cli.common import fail, load_config_or_exit
from tui.cli.parser import EXIT_OK, EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="show or change the configuration")
    commands = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = commands.add_parser("show", help="every setting in force; keys show their last 4")
    show.set_defaults(func=show_config)
    setter = commands.add_parser(
        "set",
        help="set a value in the config file, e.g. `config set gemini.api_key KEY`",
    )
    setter.add_argument("key", metavar="KEY", help="section.name, e.g. research.rounds")
    setter.add_argument("value", metavar="VALUE")
    setter.set_defaults(func=set_config)
    path = commands.add_parser("path", help="print the config file's path")
    path.set_defaults(func=config_path)


def _toml_value(value: Any) -> str:
    """``value`` as TOML writes it (strings quoted and escaped), for a ``key = value`` line."""
    import tomli_w

    return tomli_w.dumps({"v": value}).partition(" = ")[2].rstrip("\n")


def _env_name(dotted: str) -> str:
    """The environment variable that supplied ``dotted`` (the first set one it reads)."""
    names = ENV_OVERRIDES[dotted]
    return next((name for name in names if os.environ.get(name, "").strip()), names[0])


def show_config(args: argparse.Namespace) -> int:
    """Print the settings in force as a TOML document.

    Every line is valid TOML, with where a value came from as a ``#`` comment, and no line
    is wrapped, so the output can be saved as (or pasted into) a config file as it is.
    """
    config = load_config_or_exit()
    if config is None:
        return EXIT_USAGE
    console = Console(highlight=False, soft_wrap=True)
    absent = "" if config.path.exists() else " (absent)"
    console.print(Text(f"# {config.path}{absent}", style="dim"))
    for section, values in effective_values(config).items():
        console.print()
        console.print(Text(f"[{section}]", style="bold"))
        for key, value in values.items():
            dotted = f"{section}.{key}"
            notes = []
            if dotted in SECRET_KEYS:
                notes.append("redacted: its last 4 characters" if value else "not set")
            elif dotted in URL_KEYS and value != getattr(getattr(config, section), key):
                notes.append("redacted: no credentials or query")
            if dotted in config.env_keys:
                notes.append(f"from env {_env_name(dotted)}")
            elif key in config.file_values.get(section, {}):
                notes.append("from file")
            line = Text(f"{key} = {_toml_value(value)}")
            if notes:
                style = "yellow" if notes == ["not set"] else "dim"
                line.append("  # " + "; ".join(notes), style=style)
            console.print(line)
    return EXIT_OK


def set_config(args: argparse.Namespace) -> int:
    config = load_config_or_exit()
    if config is None:
        return EXIT_USAGE
    try:
        stored = set_value(config, args.key, args.value)
    except ConfigError as exc:
        fail(str(exc))
        return EXIT_USAGE
    shown = "…" + str(stored)[-4:] if args.key in SECRET_KEYS else repr(stored)
    print(f"{args.key} = {shown}  (saved to {config.path})")
    if args.key in config.env_keys:
        names = " or ".join(ENV_OVERRIDES[args.key])
        print(f"note: {names} is set in the environment and overrides this value")
    return EXIT_OK


def config_path(args: argparse.Namespace) -> int:
    from core.config import config_path as path

    print(path())
    return EXIT_OK
