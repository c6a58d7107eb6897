"""Helpers for plugin authors' own tests.

    from gateflow.testing import check_gate

    def test_cube_gate():
        check_gate(CubeGate, [0.5, -1.5, 2.0])
"""

from __future__ import annotations

from typing import Any

from gateflow.gates.base import Gate
from gateflow.engine.gradcheck import GradcheckReport, gradcheck
from gateflow.engine.graph import Graph
from gateflow.registry import check_gate_class


def check_gate(gate_class: type[Gate], *sample_inputs: Any, **gate_params: Any) -> GradcheckReport:
    """Check a gate class against the gate contract and central differences in float64.

    Builds ``gate_class(**gate_params)`` on one input per sample (as many as its arity),
    then compares its backward with numerical derivatives for every input through
    `gateflow.engine.gradcheck`. Returns the report; raises `PluginError` for a contract breach,
    `ArityError` for the wrong number of samples, `GradientCheckError` when they disagree.
    """
    check_gate_class(gate_class, plugin=f"{gate_class.__module__} (check_gate)")
    graph = Graph()
    names = [f"x{i}" for i in range(len(sample_inputs))]
    output = graph.gate(gate_class, *[graph.input(n) for n in names], **gate_params)
    return gradcheck(graph, dict(zip(names, sample_inputs)), output)
