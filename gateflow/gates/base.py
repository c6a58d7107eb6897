"""The `Gate` base class: a differentiable function that knows its local gradient.

A gate is pure math. It never stores values on itself: `forward` maps input values to an
output value, and `backward` maps the upstream gradient (together with the output and the
inputs of the same call) to one gradient per input. The scheduler chains them, sums
gradients at fan-outs and undoes numpy broadcasting, so a gate author writes the math and
nothing else.

A gate may also give its backward *as gates*, `backward_graph`, which `gf.grad` uses to
write the backward pass into the graph (so it can be drawn, saved and differentiated
again). It is the numpy backward written once more over node handles instead of arrays.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, ClassVar

from gateflow.errors import GateParameterError


class Gate:
    """Base class of every gate.

    Subclasses set `name` (the registry name, e.g. ``"mul"``), `arity` (the number of
    inputs) and optionally `symbol` (the short label drawings use, e.g. ``"*"``), and
    implement `forward(*inputs)` and `backward(grad, out, *inputs)`; the latter returns a
    tuple with one gradient per input. Gates with parameters of their own are frozen
    dataclasses, so `params()` can describe them for graph files; they validate their
    parameters when built (`_check` in ``__post_init__``).

    Optionally a gate also implements ``backward_graph(ops, grad, out, *inputs)``: the
    same math as `backward`, but `grad`, `out` and `inputs` are handles on nodes, which
    overload ``+ - * / ** @`` and unary ``-`` as graph nodes do (`gf.grad` adds what they
    build to the graph only where it is needed), and `ops` builds the rest (``ops.exp``,
    ``ops.sum_to(g, like)``, ``ops.apply(gate, *args)``, ... see `gateflow.engine.grad.Ops`).
    It returns one node per input, of that input's shape (``ops.sum_to(g, x)`` undoes
    broadcasting), or None where the gradient is zero (labels, masks)::

        def backward(self, grad, out, x):                 # numpy: the numbers
            return (grad * 3 * x ** 2,)

        def backward_graph(self, ops, grad, out, x):      # gates: the circuit
            return (grad * 3 * x ** 2,)

    Every gate it uses must have a graph backward too, so that `gf.grad` can be applied
    again for higher derivatives. A gate without one still works with `gf.grad` to first
    order (its numpy backward is wrapped in a node), but cannot be differentiated twice.
    """

    name: ClassVar[str] = ""
    arity: ClassVar[int] = 0
    symbol: ClassVar[str] = ""
    shape_inputs: ClassVar[tuple[int, ...]] = ()  # input slots whose value only lends its shape

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def backward_graph(self, ops: Any, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not implement backward_graph")

    def _check(self, parameter: str, check: Callable[..., Any]) -> None:
        """Validate and normalise one parameter of a (frozen dataclass) gate with a check
        from `gateflow.checks`; a bad value raises `GateParameterError` naming both."""
        what = f"gate {self.name!r} ({type(self).__name__}) parameter {parameter!r}"
        object.__setattr__(self, parameter, check(getattr(self, parameter), what, error=GateParameterError))

    def params(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this gate (empty for parameter-free gates)."""
        if dataclasses.is_dataclass(self):
            return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {}

    def label(self) -> str:
        """A short human label: the symbol, followed by any parameters."""
        text = self.symbol or self.name
        params = self.params()
        if params:
            text += "(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"
        return text

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.params() == other.params()

    def __hash__(self) -> int:
        return hash(type(self))


def has_graph_backward(gate: Gate) -> bool:
    """Whether the gate gives its backward as gates (overrides `Gate.backward_graph`)."""
    return type(gate).backward_graph is not Gate.backward_graph
