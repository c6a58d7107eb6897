"""Hook specifications: every way a plugin can extend or observe gateflow.

A plugin is a module (or object) whose functions are marked with `hookimpl` and named
after the hooks below. Plugins are found through the ``gateflow`` entry-point group::

    [project.entry-points.gateflow]
    cube = "my_module"

The built-in gates and exporters register through these same hooks.
"""

from __future__ import annotations

import pluggy

PROJECT = "gateflow"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_gates(register):
    """Register gate classes: call ``register(GateClass)`` once per class.

    The class's ``name`` becomes its registry name, so ``graph.gate("cube", x)`` builds it.
    Each class is checked when registered (a `Gate` subclass, a name, an arity matching its
    ``forward`` and ``backward``); a class that breaks the contract or reuses a name raises
    a `PluginError` naming the plugin and the gate.
    """


@hookspec
def register_exporters(register):
    """Register exporters: call ``register(name, export, suffixes=(), build=None)`` for each.

    ``export(graph, path, run=None, grads=None, **options)`` writes ``graph`` to ``path``;
    `gateflow.render` picks the exporter whose ``suffixes`` (e.g. ``(".svg", ".png")``)
    include the path's suffix. ``build(graph, run=None, grads=None, **options)``, if given,
    returns the drawing as an object instead (`gateflow.to_dot` uses the "graphviz" one).
    """


@hookspec
def register_commands(register):
    """Register CLI sub-commands: call ``register(name, configure, run, help=..., description=...)``.

    ``configure(parser)`` adds arguments to an `argparse` sub-parser (called only when that
    command is used, so ``gateflow --help`` loads nothing of it); ``run(args)`` carries
    the command out and returns an exit code (or None for 0).
    """


@hookspec
def configure(manager):
    """Called once after every plugin has registered, with the `pluggy.PluginManager`.

    A plugin may set itself up from the environment here, e.g. switch an observer on with
    ``manager.register(observer)`` when ``GATEFLOW_DETECT_ANOMALY=1``.
    """


# The observation hooks. A plan is compiled with or without them: when no plugin
# implements any of them, the scheduler runs its plain loops and pays nothing. Arguments:
# ``node`` the node's name, ``gate`` the `Gate`, ``inputs`` the input values in argument
# order and ``input_names`` the names of the nodes they come from.


@hookspec
def gate_forward_start(node, gate, inputs, input_names):
    """Observe a gate's forward call just before it runs (e.g. to start a timer)."""


@hookspec
def gate_forward(node, gate, inputs, input_names, output):
    """Observe a gate's forward call just after it returned ``output``.

    Raising a `GateflowError` here stops the forward pass with that error.
    """


@hookspec
def gate_backward_start(node, gate, grad, inputs, input_names):
    """Observe a gate's backward call just before it runs; ``grad`` is the upstream gradient."""


@hookspec
def gate_backward(node, gate, grad, inputs, input_names, input_grads):
    """Observe a gate's backward call just after it returned.

    ``input_grads`` are the gradients it produced for ``inputs`` (in argument order, before
    reduction to the inputs' shapes; None for an input the pass does not need, if the gate
    skips those). Raising a `GateflowError` here stops the backward pass.
    """
