"""The built-in CLI sub-commands, registered through the `register_commands` hook."""

from __future__ import annotations

import argparse

from gateflow.hookspecs import hookimpl
from gateflow.cli.targets import SCRIPT_CONVENTION, Target, load_target, parse_feeds


def _configure_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--digits", type=int, default=10, help="significant digits to print")
    parser.add_argument(
        "-o", "--output", default="neuron.svg",
        help="where to draw the annotated circuit; .svg, .png or .dot (default: neuron.svg)",
    )


def _run_demo(args: argparse.Namespace) -> int:
    from gateflow.learn.demo import run_demo
    from gateflow.files.export import render
    from gateflow.learn.table import format_table

    run, grads = run_demo()
    print("The 2-D sigmoid neuron f = σ(w0·x0 + w1·x1 + w2), forward then backward:\n")
    print(format_table(run, grads, digits=args.digits))
    path = render(run.graph, args.output, run=run, grads=grads)
    print(f"\nDrew the circuit (values in green, gradients in red) to {path.resolve()}")
    return 0


def _configure_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a graph file (.json) or a script (.py) defining build()")
    parser.add_argument(
        "--feed", action="append", default=[], metavar="NAME=VALUE",
        help="a value for an input (JSON: --feed x=-2 --feed v=[1,2]); overrides the script's",
    )
    parser.add_argument(
        "--node", metavar="NAME",
        help="the output node (default: the script's output, or the graph's only sink)",
    )


def _target(args: argparse.Namespace) -> Target:
    return load_target(args.file, parse_feeds(args.feed), args.node)


def _configure_render(parser: argparse.ArgumentParser) -> None:
    _configure_target(parser)
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="the file to write: .svg, .png, .dot or .json")
    parser.add_argument("--digits", type=int, default=2, help="decimals on the wires (default: 2)")
    parser.add_argument("--max-nodes", type=int, default=500, help="draw at most this many nodes; collapse the rest")
    parser.add_argument(
        "--backward", action="store_true",
        help="also draw the backward circuit: gf.grad of the output with respect to its inputs and parameters",
    )


def _run_render(args: argparse.Namespace) -> int:
    from gateflow.files.export import render

    target = _target(args)
    missing = target.missing_inputs()
    run = grads = None
    if args.backward:
        gradients = target.add_backward()
    if missing:
        print(f"No values for {', '.join(missing)} (pass --feed NAME=VALUE): drawing the structure only.")
    elif args.backward:
        run = target.graph.forward(target.feeds, outputs=[target.output, *gradients])
    elif target.output is not None:
        run, grads = target.evaluate()
    path = render(target.graph, args.output, run=run, grads=grads, digits=args.digits, max_nodes=args.max_nodes)
    print(f"Wrote {path}")
    return 0


def _configure_check(parser: argparse.ArgumentParser) -> None:
    _configure_target(parser)
    parser.add_argument("--tolerance", type=float, default=1e-6, help="largest relative error allowed (default: 1e-6)")
    parser.add_argument("--eps", type=float, default=1e-6, help="central-difference step (default: 1e-6)")


def _run_check(args: argparse.Namespace) -> int:
    from gateflow.errors import GradientCheckError
    from gateflow.engine.gradcheck import gradcheck

    target = _target(args)
    output = target.require_output()
    try:
        report = gradcheck(target.graph, target.feeds, output, eps=args.eps, tolerance=args.tolerance)
    except GradientCheckError as exc:
        print(exc.report)
        print("FAILED: analytic and numerical gradients disagree.")
        return 1
    print(report)
    print("OK: every gradient agrees with central differences.")
    return 0


def _configure_explain(parser: argparse.ArgumentParser) -> None:
    _configure_target(parser)
    parser.add_argument("--digits", type=int, help="significant digits (default: 4), decimals on the page (default: 2)")
    parser.add_argument(
        "--html", metavar="PAGE",
        help="write a self-contained web page (e.g. PAGE.html) that steps through the forward and backward pass",
    )
    parser.add_argument("--max-nodes", type=int, default=500, help="on the page, draw at most this many nodes")


def _run_explain(args: argparse.Namespace) -> int:
    target = _target(args)
    if args.html:
        from gateflow.learn.page import explain_html

        page = explain_html(target.graph, target.feeds, target.require_output(), args.html,
                            digits=2 if args.digits is None else args.digits, max_nodes=args.max_nodes)
        print(f"Wrote {page.path} ({page.steps} steps); open it in a browser, it needs no network.")
        return 0
    from gateflow.learn.explain import explain

    _, grads = target.evaluate()
    print(explain(grads, digits=4 if args.digits is None else args.digits))
    return 0


def _run_compile(args: argparse.Namespace) -> int:
    target = _target(args)
    output = target.require_output()
    graph = target.graph
    leaves = [n for n in graph.plan(output).names if graph[n].kind in ("input", "param")]
    step = graph.compile([output], wrt=leaves)
    step(target.feeds)
    print(step.source, end="")
    return 0


def _run_gates(args: argparse.Namespace) -> int:
    from gateflow.registry import registry
    from gateflow.learn.table import format_rows

    rows = [("gate", "arity", "symbol", "class", "plugin")]
    for name, entry in sorted(registry().gates.items()):
        cls = entry.gate_class
        rows.append((name, str(cls.arity), cls.symbol, f"{cls.__module__}.{cls.__qualname__}", entry.plugin))
    print(format_rows(rows))
    return 0


def _run_plugins(args: argparse.Namespace) -> int:
    from gateflow.registry import registry
    from gateflow.learn.table import format_rows

    manager = registry().manager
    rows = [("plugin", "package", "hooks")]
    for name, plugin in sorted(manager.list_name_plugin(), key=lambda item: item[0]):
        dist = next((d for p, d in manager.list_plugin_distinfo() if p is plugin), None)
        package = f"{dist.metadata['name']} {dist.version}" if dist else "built in"
        hooks = ", ".join(sorted(caller.name for caller in manager.get_hookcallers(plugin) or ()))
        rows.append((name, package, hooks))
    print(format_rows(rows))
    return 0


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """Commands without options."""


@hookimpl
def register_commands(register):
    register("demo", _configure_demo, _run_demo,
             help="run the sigmoid-neuron demo: print every value and gradient, draw the circuit")
    for name, configure, run, help in (
        ("render", _configure_render, _run_render,
         "draw FILE's graph with its values and gradients (or save it as a .json graph file)"),
        ("check", _configure_check, _run_check,
         "compare FILE's gradients with central differences; exit 1 if they disagree"),
        ("explain", _configure_explain, _run_explain,
         "write out the chain rule for FILE gate by gate, with the numbers"),
        ("compile", _configure_target, _run_compile,
         "print the Python code FILE compiles to: its forward and backward pass, one line per gate"),
    ):
        register(name, configure, run, help=help, description=f"{help[0].upper()}{help[1:]}. {SCRIPT_CONVENTION}")
    register("gates", _no_arguments, _run_gates, help="list every registered gate, its arity and its plugin")
    register("plugins", _no_arguments, _run_plugins, help="list the loaded plugins and the hooks they implement")
