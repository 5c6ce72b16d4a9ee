"""``deepresearch-tui config``: show (keys redacted), set, path."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape

from core.cli import EXIT_OK, EXIT_USAGE
from core.cli.common import fail, load_config_or_exit
from core.config import ENV_OVERRIDES, SECRET_KEYS, effective_values, set_value
from core.errors import ConfigError


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


def show_config(args: argparse.Namespace) -> int:
    config = load_config_or_exit()
    if config is None:
        return EXIT_USAGE
    console = Console(highlight=False)
    console.print(f"# {escape(str(config.path))}" + ("" if config.path.exists() else " (absent)"))
    for section, values in effective_values(config).items():
        console.print(f"\n[bold]\\[{section}][/]")
        for key, value in values.items():
            dotted = f"{section}.{key}"
            origin = ""
            if dotted in config.env_keys:
                names = " or ".join(ENV_OVERRIDES[dotted])
                origin = f"  [dim]# from env {names}[/]"
            elif key in config.file_values.get(section, {}):
                origin = "  [dim]# from file[/]"
            shown = escape(f'"{value}"' if isinstance(value, str) else str(value).lower())
            if dotted in SECRET_KEYS and not value:
                shown = '""  [yellow](not set)[/]'
            console.print(f"{key} = {shown}{origin}")
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
