"""The compiled plan and the iterative forward/backward loops.

A `Plan` is built once per graph version and set of requested outputs: the nodes those
outputs need, in topological order, numbered by integer slots. The hot loops below touch
only lists, tuples and the gates' own methods: no networkx, no name look-ups, no recursion.
Each step fetches its arguments with an `operator.itemgetter` (which returns a bare value,
not a tuple, for one argument: hence the `unary` flag).
"""

from __future__ import annotations

import gc
import inspect
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache, partial
from operator import itemgetter
from typing import Any, Iterable

GateStep = tuple  # (out slot, gate, input slots): one gate application

import numpy as np

from gateflow.errors import GateContractError, GateflowError, ShapeError
from gateflow.gates.base import Gate
from gateflow.engine.lazy import is_lazy
from gateflow.engine.values import computing_value


class _GcPause:
    def __enter__(self) -> None:
        gc.disable()

    def __exit__(self, *exc_info: Any) -> None:
        gc.enable()


_NO_PAUSE = nullcontext()


def paused_gc(size: int, threshold: int = 10_000) -> Any:
    """A context that pauses the cyclic garbage collector for work on `size` nodes.

    Compiling or running a big plan allocates a value (or record) per node and creates no
    reference cycles, yet each allocation burst makes the collector rescan everything
    alive: on a million nodes that doubles the time. Small sizes are left alone.
    """
    return _GcPause() if size >= threshold and gc.isenabled() else _NO_PAUSE


@cache
def _takes_needs(gate_class: type) -> bool:
    """Whether a gate's backward accepts ``needs``: a tuple of booleans saying which input
    gradients are wanted, so it may return None for the others and skip their work."""
    return "needs" in inspect.signature(gate_class.backward).parameters


@dataclass(frozen=True)
class BackwardPlan:
    """The gates to visit, in reverse order, to get d output / d node for the wanted nodes."""

    steps: tuple[tuple[Any, ...], ...]  # (out, backward, fetch, unary, ins, needed)
    influences: list[bool]  # slot is an ancestor of the output (or the output itself)


class Plan:
    """Slots, leaves and gate steps for computing a set of outputs.

    `order` is a topological order of node names and `attrs` their attribute dicts, in
    that order (``kind``: input/param/const/gate, ``gate``, ``inputs``, ``value``).
    `observers` is (forward, backward): each None, for the plain loops, or a (start, end)
    pair of hook callers (either may be None), for the observed ones. `slot`, if given,
    maps each name to its position in `order` (the graph keeps one with its order).
    """

    def __init__(
        self,
        order: list[str],
        attrs: Iterable[dict[str, Any]],
        observers: tuple[Any, Any] = (None, None),
        slot: dict[str, int] | None = None,
    ):
        self.names = order
        self.slot = slot_map = dict(zip(order, range(len(order)))) if slot is None else slot
        self.gates: list[Gate | None] = [None] * len(order)
        self.template: list[Any] = [None] * len(order)  # constants pre-filled
        self.inputs: dict[str, int] = {}
        self.params: list[tuple[int, str]] = []
        self.steps: list[GateStep] = []
        forward_steps: list[tuple[Any, ...]] = []
        gates, slot_of = self.gates, slot_map.__getitem__
        step, forward_step = self.steps.append, forward_steps.append
        forwards: dict[int, Any] = {}  # one bound `forward` per gate object, shared by its steps
        for i, (name, node) in enumerate(zip(order, attrs)):
            gate = node.get("gate")
            if gate is not None:
                gates[i] = gate
                ins = tuple(map(slot_of, node["inputs"]))
                step((i, gate, ins))
                forward = forwards.get(id(gate))
                if forward is None:
                    forward = forwards[id(gate)] = gate.forward
                forward_step((i, forward, itemgetter(*ins), len(ins) == 1))
                continue
            kind = node["kind"]
            if kind == "input":
                self.inputs[name] = i
            elif kind == "param":
                self.params.append((i, name))
            else:
                self.template[i] = computing_value(node["value"])
        self.forward_steps = tuple(forward_steps)
        self.observers = observers
        self.observe_forward, self.observe_backward = observers
        self._backward_plans: dict[tuple[int, frozenset[int] | None], BackwardPlan] = {}

    def needed(self, outputs: list[int]) -> list[bool]:
        """For each slot, whether computing the `outputs` slots needs it."""
        needed = [False] * len(self.names)
        for i in outputs:
            needed[i] = True
        for out, _, ins in reversed(self.steps):
            if needed[out]:
                for j in ins:
                    needed[j] = True
        return needed

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
                start, end = observe
                names = self.names
                for out, gate, ins in self.steps:
                    args = [values[i] for i in ins]
                    input_names = tuple([names[i] for i in ins])
                    if start is not None:
                        start(node=names[out], gate=gate, inputs=args, input_names=input_names)
                    values[out] = gate.forward(*args)
                    if end is not None:
                        end(node=names[out], gate=gate, inputs=args, input_names=input_names, output=values[out])
        except Exception as exc:
            raise self._forward_error(out, values, exc) from exc
        return values

    def _forward_error(self, out: int, values: list[Any], exc: Exception) -> Exception:
        if isinstance(exc, GateflowError):
            return exc
        ins = next(ins for o, _, ins in self.steps if o == out)
        shapes = ", ".join(f"{self.names[i]!r} {getattr(values[i], 'shape', ())}" for i in ins)
        if isinstance(exc, ValueError):
            return ShapeError(
                f"{self.describe(out)} cannot combine its inputs of shapes {shapes}: {exc}. "
                "Check the shapes of the values fed to the inputs upstream of it."
                + self._chunk_hint(values, ins)
            )
        return GateContractError(
            f"{self.describe(out)} raised {type(exc).__name__} in forward with inputs "
            f"of shapes {shapes}: {exc}" + self._chunk_hint(values, ins)
        )

    def _chunk_hint(self, values: list[Any], ins: tuple[int, ...]) -> str:
        """Advice for inputs that are dask arrays split along their feature axes."""
        split = [self.names[i] for i in ins if is_lazy(values[i]) and any(len(c) > 1 for c in values[i].chunks[1:])]
        if not split:
            return ""
        return (
            f" {', '.join(map(repr, split))} {'is' if len(split) == 1 else 'are'} split into several "
            "chunks along the feature axes, which this gate may not handle: rechunk the dask "
            "input(s) so that each row is one chunk, e.g. X.rechunk({1: -1})."
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
        for out, _, ins in reversed(self.steps):
            if influences[out]:
                for j in ins:
                    influences[j] = True
        on_path = influences
        if wanted is not None:
            depends = [False] * n
            for i in wanted:
                depends[i] = True
            for out, _, ins in self.steps:
                for j in ins:
                    if depends[j]:
                        depends[out] = True
                        break
            on_path = [a and b for a, b in zip(influences, depends)]
        steps = []
        for (out, gate, ins), (_, _, fetch, unary) in zip(reversed(self.steps), reversed(self.forward_steps)):
            if on_path[out]:
                needed = tuple(map(on_path.__getitem__, ins))
                backward = gate.backward
                if not all(needed) and _takes_needs(type(gate)):
                    backward = partial(backward, needs=needed)
                steps.append((out, backward, fetch, unary, ins, needed))
        return BackwardPlan(tuple(steps), influences)

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
                if observe is None:
                    input_grads = backward(grad, values[out], *args)
                else:
                    input_grads = self._observed_backward(observe, out, ins, backward, grad, values[out], args)
                if type(input_grads) is not tuple or len(input_grads) != len(ins):
                    raise self._arity_error(out, input_grads)
                for i, g, need in zip(ins, input_grads, needed):
                    if need:
                        shape = getattr(values[i], "shape", ())
                        if getattr(g, "shape", None) != shape:
                            g = self.reduce_to_shape(g, shape, out, i)
                        previous = grads[i]
                        grads[i] = g if previous is None else previous + g
        except Exception as exc:
            raise self._backward_error(out, exc) from exc
        return grads

    def _observed_backward(
        self, observe: Any, out: int, ins: tuple[int, ...], backward: Any, grad: Any, value: Any, args: Any
    ) -> Any:
        """One backward call between the observers' start and end hooks."""
        start, end = observe
        gate, node, inputs = self.gates[out], self.names[out], list(args)
        input_names = tuple([self.names[i] for i in ins])
        if start is not None:
            start(node=node, gate=gate, grad=grad, inputs=inputs, input_names=input_names)
        input_grads = backward(grad, value, *args)
        if end is not None and type(input_grads) is tuple and len(input_grads) == len(inputs):
            end(node=node, gate=gate, grad=grad, inputs=inputs, input_names=input_names, input_grads=input_grads)
        return input_grads

    def reduce_to_shape(self, grad: Any, shape: tuple[int, ...], out: int, i: int) -> Any:
        """Reduce a gradient to its input's shape by summing over broadcast axes (in the
        gradient's own dtype and array library: a dask gradient stays lazy)."""
        if not hasattr(grad, "dtype"):  # a Python number
            grad = np.asarray(grad, dtype=np.float64)
        elif grad.dtype.kind not in "fc":  # booleans or integers; arrays of any library
            grad = grad.astype(np.float64)
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
