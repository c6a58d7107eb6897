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


class CommandParser(argparse.ArgumentParser):
    """A sub-command's parser that runs the command's `configure` (adding its options) only
    when it is used: `gateflow --help` then loads nothing a command needs to run."""

    def __init__(self, *args: Any, configure: Callable[[Any], None] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._configure = configure

    def _configured(self) -> None:
        configure, self._configure = self._configure, None
        if configure is not None:
            configure(self)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self._configured()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self._configured()
        return super().format_help()

    def format_usage(self) -> str:
        self._configured()
        return super().format_usage()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gateflow",
        description="Backpropagation made visible: build, run, check and draw graphs of gates.",
    )
    parser.add_argument("--version", action="version", version=f"gateflow {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)

    def register(
        name: str,
        configure: Callable[[Any], None],
        run: Callable[[Any], Any],
        help: str = "",
        description: str | None = None,
    ) -> None:
        sub = commands.add_parser(name, help=help, description=description or help, configure=configure)
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
