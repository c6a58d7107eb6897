"""The `Gate` base class: a differentiable function that knows its local gradient.

A gate is pure math. It never stores values on itself: `forward` maps input values to an
output value, and `backward` maps the upstream gradient (together with the output and the
inputs of the same call) to one gradient per input. The scheduler chains them, sums
gradients at fan-outs and undoes numpy broadcasting, so a gate author writes the math and
nothing else.
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
    """

    name: ClassVar[str] = ""
    arity: ClassVar[int] = 0
    symbol: ClassVar[str] = ""

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, grad: Any, out: Any, *inputs: Any) -> tuple[Any, ...]:
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

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
