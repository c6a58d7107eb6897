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
    """Register exporters: call ``register(name, export)`` for each.

    ``export(graph, path, run=None, grads=None, **options)`` writes ``graph`` to ``path``.
    """


@hookspec
def register_commands(register):
    """Register CLI sub-commands: call ``register(name, configure, run, help=...)``.

    ``configure(parser)`` adds arguments to an `argparse` sub-parser; ``run(args)`` carries
    the command out and returns an exit code (or None for 0).
    """


@hookspec
def gate_forward(node, gate, inputs, output):
    """Observe a gate's forward call, just after it returned.

    ``node`` is the node's name, ``inputs`` the input values, ``output`` the value produced.
    Only called when some plugin implements it: plans without observers pay nothing.
    """


@hookspec
def gate_backward(node, gate, grad, inputs, input_grads):
    """Observe a gate's backward call, just after it returned.

    ``grad`` is the upstream gradient, ``input_grads`` the gradients it produced for
    ``inputs`` (in argument order, before reduction to the inputs' shapes).
    """
