"""The `gateflow` command: a thin argparse front end whose subcommands are plugins."""

from gateflow.cli.main import main

__all__ = ["main"]
