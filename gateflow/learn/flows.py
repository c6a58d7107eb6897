"""What each wire of a run carries: the forward value, and after a backward the part of
the gradient that flows back along it (a gradient map only holds the per-node sums).

Drawings put these on the edges and `explain` writes them out; both need the per-wire
numbers, which come from calling each gate's backward once more with its upstream gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gateflow.engine.run import Gradients, Run


@dataclass(frozen=True)
class Flow:
    """The wire from node `source` into argument `slot` of gate node `target`.

    `upstream` is d output / d target and `grad` this wire's share of d output / d source
    (both None when the backward did not reach them). `local` is d target / d source, given
    when the target, the source and the upstream gradient are all scalars.
    """

    source: str
    target: str
    slot: int
    value: Any
    upstream: Any = None
    local: Any = None
    grad: Any = None


def _gradient(grads: Gradients | None, name: str) -> Any:
    if grads is None or name not in grads:
        return None
    return grads[name]


def flows(run: Run, grads: Gradients | None = None) -> list[Flow]:
    """Every wire into a gate the run computed, targets in topological order, slots in order."""
    graph, plan = run.graph, run.plan
    result = []
    for name, out_value in run.items():
        node = graph[name]
        if node.kind != "gate":
            continue
        sources = [n.name for n in node.inputs]
        values = [run[s] for s in sources]
        upstream = _gradient(grads, name)
        if upstream is None:
            result += [Flow(s, name, i, v) for i, (s, v) in enumerate(zip(sources, values))]
            continue
        input_grads = node.gate.backward(upstream, out_value, *values)
        scalar = np.ndim(upstream) == 0 and np.ndim(out_value) == 0
        locals_ = node.gate.backward(np.float64(1.0), out_value, *values) if scalar else None
        for i, (source, value) in enumerate(zip(sources, values)):
            if _gradient(grads, source) is None:
                result.append(Flow(source, name, i, value, upstream))
                continue
            shape = np.shape(value)
            grad = plan.reduce_to_shape(input_grads[i], shape, plan.slot[name], plan.slot[source])
            local = locals_[i] if locals_ is not None and shape == () else None
            result.append(Flow(source, name, i, value, upstream, local, grad))
    return result
