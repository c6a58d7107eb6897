"""The built-in CLI sub-commands, registered through the `register_commands` hook."""

from __future__ import annotations

from gateflow.hookspecs import hookimpl


def _configure_demo(parser) -> None:
    parser.add_argument("--digits", type=int, default=10, help="significant digits to print")


def _run_demo(args) -> int:
    from gateflow.demo import run_demo
    from gateflow.table import format_table

    run, grads = run_demo()
    print("The 2-D sigmoid neuron f = σ(w0·x0 + w1·x1 + w2), forward then backward:\n")
    print(format_table(run, grads, digits=args.digits))
    return 0


@hookimpl
def register_commands(register):
    register("demo", _configure_demo, _run_demo, help="run the sigmoid-neuron demo and print every value and gradient")
