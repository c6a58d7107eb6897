"""Result objects: a `Run` holds the value of every node a forward computed, `Gradients`
the derivatives of one output with respect to the nodes a backward reached."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Iterator

import numpy as np

from gateflow.errors import FeedError, ShapeError, UnknownNodeError
from gateflow.engine.display import svg
from gateflow.engine.scheduler import paused_gc
from gateflow.engine.values import checked_value

if TYPE_CHECKING:
    from gateflow.engine.graph import Graph
    from gateflow.engine.scheduler import Plan

def _key_name(graph: Graph, key: Any) -> str:
    """The node name behind a handle or a name, refusing handles of other graphs."""
    if isinstance(key, str):
        return key
    name = getattr(key, "name", None)
    if name is None or getattr(key, "graph", None) is not graph:
        raise UnknownNodeError(f"{key!r} is not a node of this graph.")
    return name


_ONE = np.float64(1.0)


def _ones_like(value: Any) -> Any:
    """Ones of `value`'s shape, dtype and array library (for a dask array: lazy ones)."""
    ones = np.ones_like(value)
    return ones[()] if isinstance(value, np.generic) else ones


class Run:
    """The values of one forward pass: ``run[node]`` or ``run["name"]``."""

    def __init__(self, graph: Graph, plan: Plan, values: list[Any]):
        self.graph = graph
        self.plan = plan
        self._values = values

    def _slot(self, key: Any) -> int:
        slot = self.plan.slot.get(key) if type(key) is str else None
        if slot is not None:
            return slot
        name = _key_name(self.graph, key)
        try:
            return self.plan.slot[name]
        except KeyError:
            where = "is not in the graph" if name not in self.graph else "was not computed"
            raise UnknownNodeError(
                f"node {name!r} {where} in this run; request it with "
                f"graph.forward(feeds, outputs=[...]) or check the name."
            ) from None

    def __getitem__(self, key: Any) -> Any:
        return self._values[self._slot(key)]

    def __contains__(self, key: Any) -> bool:
        try:
            self._slot(key)
        except UnknownNodeError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.plan.names)

    def items(self) -> Iterator[tuple[str, Any]]:
        """(name, value) for every node computed, in topological order."""
        return zip(self.plan.names, self._values)

    def backward(
        self, output: Any, wrt: Iterable[Any] | None = None, seed: Any = None
    ) -> Gradients:
        """d output / d node, by the chain rule gate by gate, summed at fan-outs.

        `wrt` limits the work to the nodes between those listed and the output (default:
        every node the output depends on). `seed` is the upstream gradient of the output
        (default: ones of its shape and dtype). Each call returns a fresh `Gradients`.
        """
        out = self._slot(output)
        value = self._values[out]
        shape = getattr(value, "shape", ())
        if seed is None:
            seed = _ONE if type(value) is np.float64 or type(value) is float else _ones_like(value)
        else:
            try:
                seed = checked_value(seed)
            except (TypeError, ValueError) as exc:
                raise FeedError(
                    f"the seed gradient for {self.plan.names[out]!r} must be a number or an array "
                    f"of numbers, not {exc}."
                ) from None
            if getattr(seed, "shape", ()) != shape:
                raise ShapeError(
                    f"the seed gradient for {self.plan.names[out]!r} has shape {seed.shape}, "
                    f"but the output has shape {shape}; pass a seed of the output's shape."
                )
        wanted = None if wrt is None else frozenset([self._slot(k) for k in wrt])
        with paused_gc(len(self._values)):
            backward_plan = self.plan.backward_plan(out, wanted)
            grads = self.plan.run_backward(self._values, backward_plan, out, seed)
        return Gradients(self, out, backward_plan.influences, grads)

    def __repr__(self) -> str:
        return f"<Run of {len(self.plan)} nodes>"

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a run as its graph with the values on the wires."""
        return svg(self.graph, run=self)


class Gradients:
    """d output / d node for the nodes a backward reached: ``grads[node]`` or ``grads["name"]``.

    A node the output does not depend on has gradient zero; asking for a node the output
    depends on but that the backward was told to skip (`wrt`) is an error.
    """

    def __init__(self, run: Run, output: int, influences: list[bool], grads: list[Any]):
        self.run = run
        self.output = run.plan.names[output]
        self._influences = influences
        self._grads = grads

    def __getitem__(self, key: Any) -> Any:
        slot = self.run._slot(key)
        grad = self._grads[slot]
        if grad is not None:
            return grad
        name = self.run.plan.names[slot]
        if self._influences[slot]:
            raise UnknownNodeError(
                f"the gradient of {name!r} was not computed: this backward was limited by "
                f"`wrt`; include {name!r} in wrt=[...] to get it."
            )
        zeros = np.zeros_like(self.run._values[slot])
        return zeros[()] if zeros.ndim == 0 else zeros

    def __contains__(self, key: Any) -> bool:
        try:
            return self._grads[self.run._slot(key)] is not None
        except UnknownNodeError:
            return False

    def items(self) -> Iterator[tuple[str, Any]]:
        """(name, gradient) for every node that received a gradient, in topological order."""
        return ((n, g) for n, g in zip(self.run.plan.names, self._grads) if g is not None)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.items())

    def __repr__(self) -> str:
        return f"<Gradients of {self.output!r}>"

    def _repr_svg_(self) -> str | None:
        """Jupyter shows gradients as the graph with values and gradients on the wires."""
        return svg(self.run.graph, run=self.run, grads=self)
