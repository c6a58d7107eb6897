"""The ``gateflow`` command line. Sub-commands come from the `register_commands` hook, so
plugins add commands exactly the way the built-in ones are added."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable, Sequence

from gateflow import __version__
from gateflow.errors import GateflowError
from gateflow.registry import registry


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateflow",
        description="Backpropagation made visible: build, run, check and draw graphs of gates.",
    )
    parser.add_argument("--version", action="version", version=f"gateflow {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def register(
        name: str,
        configure: Callable[[Any], None],
        run: Callable[[Any], Any],
        help: str = "",
        description: str | None = None,
    ) -> None:
        sub = commands.add_parser(name, help=help, description=description or help)
        configure(sub)
        sub.set_defaults(handler=run)

    registry().manager.hook.register_commands(register=register)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 0
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:  # the reader went away (`gateflow gates | head -1`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (GateflowError, OSError) as exc:
        print(f"gateflow {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
