"""The compiled plan and the iterative forward/backward loops.

A `Plan` is built once per graph version and set of requested outputs: the nodes those
outputs need, in topological order, numbered by integer slots. The hot loops below touch
only lists, tuples and the gates' own methods: no networkx, no name look-ups, no recursion.
Each step fetches its arguments with an `operator.itemgetter` (which returns a bare value,
not a tuple, for one argument: hence the `unary` flag).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np

from gateflow.errors import GateContractError, GateflowError, ShapeError
from gateflow.gate import Gate


@dataclass(frozen=True)
class GateStep:
    """One gate application: the slot it writes and the slots it reads."""

    out: int
    gate: Gate
    ins: tuple[int, ...]

    @property
    def fetch(self) -> itemgetter:
        return itemgetter(*self.ins)


@dataclass(frozen=True)
class BackwardPlan:
    """The gates to visit, in reverse order, to get d output / d node for the wanted nodes."""

    steps: tuple[tuple[Any, ...], ...]  # (out, backward, fetch, unary, ins, needed)
    influences: list[bool]  # slot is an ancestor of the output (or the output itself)


class Plan:
    """Slots, leaves and gate steps for computing a set of outputs.

    `order` is a topological order of node names; `nodes` maps a name to its attributes
    (``kind``: input/param/const/gate, ``gate``, ``inputs``, ``value``).
    """

    def __init__(self, order: list[str], nodes: Any, observers: tuple[Any, Any] = (None, None)):
        self.names = order
        self.slot = {name: i for i, name in enumerate(order)}
        self.gates: list[Gate | None] = [None] * len(order)
        self.template: list[Any] = [None] * len(order)  # constants pre-filled
        self.inputs: dict[str, int] = {}
        self.params: list[tuple[int, str]] = []
        self.steps: list[GateStep] = []
        for i, name in enumerate(order):
            attrs = nodes[name]
            kind = attrs["kind"]
            if kind == "gate":
                self.gates[i] = attrs["gate"]
                self.steps.append(GateStep(i, attrs["gate"], tuple(self.slot[n] for n in attrs["inputs"])))
            elif kind == "input":
                self.inputs[name] = i
            elif kind == "param":
                self.params.append((i, name))
            else:
                self.template[i] = attrs["value"]
        self.forward_steps = tuple(
            (s.out, s.gate.forward, s.fetch, len(s.ins) == 1) for s in self.steps
        )
        self.observe_forward, self.observe_backward = observers
        self._backward_plans: dict[tuple[int, frozenset[int] | None], BackwardPlan] = {}

    def __len__(self) -> int:
        return len(self.names)

    def describe(self, slot: int) -> str:
        """"node 'f' (gate 'mul', MultiplyGate)", for messages."""
        gate = self.gates[slot]
        kind = f"gate {gate.name!r}, {type(gate).__name__}" if gate else "a leaf"
        return f"node {self.names[slot]!r} ({kind})"

    # -- forward ---------------------------------------------------------------------------

    def run_forward(self, values: list[Any]) -> list[Any]:
        """Fill `values` (leaves already set) by running every gate step in order."""
        observe = self.observe_forward
        out = -1
        try:
            if observe is None:
                for out, forward, fetch, unary in self.forward_steps:
                    values[out] = forward(fetch(values)) if unary else forward(*fetch(values))
            else:
                for step in self.steps:
                    out = step.out
                    args = [values[i] for i in step.ins]
                    values[out] = step.gate.forward(*args)
                    observe(node=self.names[out], gate=step.gate, inputs=args, output=values[out])
        except Exception as exc:
            raise self._forward_error(out, values, exc) from exc
        return values

    def _forward_error(self, out: int, values: list[Any], exc: Exception) -> Exception:
        if isinstance(exc, GateflowError):
            return exc
        shapes = ", ".join(
            f"{self.names[i]!r} {np.shape(values[i])}"
            for i in next(s.ins for s in self.steps if s.out == out)
        )
        if isinstance(exc, ValueError):
            return ShapeError(
                f"{self.describe(out)} cannot combine its inputs of shapes {shapes}: {exc}. "
                "Check the shapes of the values fed to the inputs upstream of it."
            )
        return GateContractError(
            f"{self.describe(out)} raised {type(exc).__name__} in forward with inputs "
            f"of shapes {shapes}: {exc}"
        )

    # -- backward --------------------------------------------------------------------------

    def backward_plan(self, output: int, wanted: frozenset[int] | None) -> BackwardPlan:
        """The (cached) backward steps from `output` to the `wanted` slots (None: all)."""
        key = (output, wanted)
        plan = self._backward_plans.get(key)
        if plan is None:
            plan = self._backward_plans[key] = self._compile_backward(output, wanted)
        return plan

    def _compile_backward(self, output: int, wanted: frozenset[int] | None) -> BackwardPlan:
        n = len(self.names)
        influences = [False] * n
        influences[output] = True
        for step in reversed(self.steps):
            if influences[step.out]:
                for j in step.ins:
                    influences[j] = True
        on_path = influences
        if wanted is not None:
            depends = [False] * n
            for i in wanted:
                depends[i] = True
            for step in self.steps:
                if any(depends[j] for j in step.ins):
                    depends[step.out] = True
            on_path = [a and b for a, b in zip(influences, depends)]
        steps = tuple(
            (s.out, s.gate.backward, s.fetch, len(s.ins) == 1, s.ins, tuple(on_path[j] for j in s.ins))
            for s in reversed(self.steps)
            if on_path[s.out]
        )
        return BackwardPlan(steps, influences)

    def run_backward(self, values: list[Any], plan: BackwardPlan, output: int, seed: Any) -> list[Any]:
        """d output / d slot for every slot on the plan's path (None elsewhere)."""
        grads: list[Any] = [None] * len(values)
        grads[output] = seed
        observe = self.observe_backward
        out = -1
        try:
            for out, backward, fetch, unary, ins, needed in plan.steps:
                grad = grads[out]
                args = (fetch(values),) if unary else fetch(values)
                input_grads = backward(grad, values[out], *args)
                if type(input_grads) is not tuple or len(input_grads) != len(ins):
                    raise self._arity_error(out, input_grads)
                if observe is not None:
                    observe(
                        node=self.names[out], gate=self.gates[out], grad=grad,
                        inputs=list(args), input_grads=input_grads,
                    )
                for i, g, need in zip(ins, input_grads, needed):
                    if need:
                        shape = getattr(values[i], "shape", ())
                        if getattr(g, "shape", None) != shape:
                            g = self._fit(g, shape, out, i)
                        previous = grads[i]
                        grads[i] = g if previous is None else previous + g
        except Exception as exc:
            raise self._backward_error(out, exc) from exc
        return grads

    def _fit(self, grad: Any, shape: tuple[int, ...], out: int, i: int) -> Any:
        """Reduce a gradient to its input's shape by summing over broadcast axes."""
        grad = np.asarray(grad, dtype=np.result_type(grad, np.float64))
        extra = grad.ndim - len(shape)
        if extra > 0:
            grad = grad.sum(axis=tuple(range(extra)))
        if grad.ndim == len(shape):
            axes = tuple(a for a, (g, s) in enumerate(zip(grad.shape, shape)) if s == 1 and g != 1)
            if axes:
                grad = grad.sum(axis=axes, keepdims=True)
        if grad.shape != shape:
            raise GateContractError(
                f"{self.describe(out)} returned a gradient of shape {grad.shape} for its "
                f"input {self.names[i]!r} of shape {shape}; a backward must return one "
                "gradient per input, of the input's shape or broadcastable to it."
            )
        return grad[()] if grad.ndim == 0 else grad

    def _arity_error(self, out: int, returned: Any) -> GateContractError:
        count = len(returned) if type(returned) is tuple else f"a {type(returned).__name__}"
        return GateContractError(
            f"{self.describe(out)}: backward returned {count}, but it must return a tuple of "
            f"{self.gates[out].arity} gradient(s), one per input (write `return (g,)` for one)."
        )

    def _backward_error(self, out: int, exc: Exception) -> Exception:
        if isinstance(exc, GateflowError):
            return exc
        return GateContractError(
            f"{self.describe(out)} raised {type(exc).__name__} in backward: {exc}"
        )
