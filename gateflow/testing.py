"""Helpers for plugin authors' own tests.

    from gateflow.testing import check_gate

    def test_cube_gate():
        check_gate(CubeGate, [0.5, -1.5, 2.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gateflow.errors import GradientCheckError
from gateflow.gates.base import Gate, has_graph_backward
from gateflow.engine.gradcheck import GradcheckReport, gradcheck
from gateflow.engine.grad import grad
from gateflow.engine.graph import Graph, Node
from gateflow.engine.ops import sum as total
from gateflow.registry import check_gate_class


def check_gate(gate_class: type[Gate], *sample_inputs: Any, **gate_params: Any) -> GradcheckReport:
    """Check a gate class against the gate contract and central differences in float64.

    Builds ``gate_class(**gate_params)`` on one input per sample (as many as its arity),
    then compares its backward with numerical derivatives for every input through
    `gateflow.engine.gradcheck`. When the gate also has a graph backward
    (`Gate.backward_graph`), the nodes `gf.grad` builds from it must give what its numpy
    backward gives, and their own derivatives (second derivatives of the gate) must pass
    central differences. Returns the first-order report; raises `PluginError` for a
    contract breach, `ArityError` for the wrong number of samples, `GradientCheckError`
    when any comparison fails.
    """
    check_gate_class(gate_class, plugin=f"{gate_class.__module__} (check_gate)")
    graph = Graph()
    names = [f"x{i}" for i in range(len(sample_inputs))]
    output = graph.gate(gate_class, *[graph.input(n) for n in names], **gate_params)
    feeds = dict(zip(names, sample_inputs))
    report = gradcheck(graph, feeds, output)
    if has_graph_backward(output.gate):
        _check_graph_backward(graph, feeds, output, [graph[n] for n in names])
    return report


def _check_graph_backward(graph: Graph, feeds: dict[str, Any], output: Node, inputs: list[Node]) -> None:
    """gf.grad (the graph backward) against run.backward (the numpy one), then the second
    derivatives: the gradient of Σᵢ Σ rᵢ·dᵢ against central differences."""
    rng = np.random.default_rng(0)
    shape = np.shape(graph.forward(feeds, outputs=[output])[output])
    seed = rng.standard_normal(shape) if shape else np.float64(1.0)
    first = grad(output, inputs, seed=graph.const(seed, name="seed"))
    run = graph.forward(feeds)
    numpy_grads = run.backward(output, seed=seed)
    gate = output.gate
    for node, d in zip(inputs, first):
        from_graph, from_numpy = run[d], numpy_grads[node]
        if np.shape(from_graph) != np.shape(from_numpy) or not np.allclose(from_graph, from_numpy, rtol=1e-10, atol=1e-12):
            raise GradientCheckError(
                f"gate {gate.name!r} ({type(gate).__name__}): for input {node.name!r} its graph "
                f"backward (backward_graph) gives {from_graph!r} of shape {np.shape(from_graph)}, "
                f"its numpy backward {from_numpy!r} of shape {np.shape(from_numpy)}. Make them "
                "compute the same math (and reduce broadcast gradients with ops.sum_to)."
            )
    phi = None
    for d in first:
        term = total(d * graph.const(rng.standard_normal(np.shape(run[d]))))
        phi = term if phi is None else phi + term
    gradcheck(graph, feeds, phi, wrt=[n.name for n in inputs])
