"""What every worked-example script shares: a `build()` returning ``(graph, feeds, output)``,
a table of values and gradients, and an optional annotated drawing (``--render PATH``)."""

from __future__ import annotations

import argparse
from typing import Callable

from gateflow.engine.graph import Graph, Node
from gateflow.engine.run import Gradients, Run
from gateflow.learn.table import format_table

Build = Callable[[], tuple[Graph, dict, Node]]


def run_example(build: Build) -> tuple[Graph, Run, Gradients]:
    """Build the example's graph, run it forward and backward from its output."""
    graph, feeds, output = build()
    run = graph.forward(feeds)
    return graph, run, run.backward(output)


def main(build: Build, description: str | None, argv: list[str] | None = None) -> tuple[Graph, Run, Gradients]:
    """Print the example's table of values and gradients; draw it if ``--render PATH`` is given."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--render", metavar="PATH", help="draw the annotated graph (.svg, .png or .dot)")
    parser.add_argument("--digits", type=int, default=10, help="significant digits to print")
    args = parser.parse_args(argv)
    graph, run, grads = run_example(build)
    print(format_table(run, grads, digits=args.digits))
    if args.render:
        from gateflow import render

        render(graph, args.render, run=run, grads=grads)
        print(f"\nannotated graph written to {args.render}")
    return graph, run, grads
