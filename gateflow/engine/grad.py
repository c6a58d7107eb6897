"""`gf.grad`: the backward pass written into the graph as ordinary gates.

``gf.grad(f, x)`` walks the nodes `f` depends on in reverse topological order (the order
`run.backward` uses) and asks each gate for its backward *as gates* (`Gate.backward_graph`),
adding the nodes that compute d f / d node to f's own graph. Where a node fans out, its
gradients are summed by add gates. The result is a graph like any other: run it, draw it,
save it, or differentiate it again for higher derivatives.

Names say what the nodes are: the gradient of node ``n`` is ``grad/f/n``, the gates in
between ``grad/f/_mul_1``, ...; every node added is marked with the attribute
``grad_of = "f"`` (drawings set them apart as the backward circuit). Nodes that lead to
none of the gradients asked for are not kept, and a call that fails adds nothing.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from gateflow import gates as G
from gateflow.errors import GateContractError, GateflowError, GraphError, NotDifferentiableError, ShapeError
from gateflow.gates.base import Gate, has_graph_backward
from gateflow.engine.graph import Graph, Node
from gateflow.engine.scheduler import paused_gc

_SUM_TO, _BROADCAST_TO, _RESHAPE_LIKE = G.SumToGate(), G.BroadcastToGate(), G.ReshapeLikeGate()
_GREATER, _EQUAL, _SIGN, _SIZE, _ZEROS = G.GreaterGate(), G.EqualGate(), G.SignGate(), G.SizeGate(), G.ZerosLikeGate()
_EXP, _LOG, _SIGMOID, _TANH, _MATMUL = G.ExpGate(), G.LogGate(), G.SigmoidGate(), G.TanhGate(), G.MatMulGate()
# Gates whose output is a scalar whatever their inputs (besides full sums and means).
_SCALAR_GATES = (
    G.MSELossGate, G.SoftmaxCrossEntropyGate, G.MulticlassHingeGate, G.BinaryCrossEntropyGate,
    G.L2PenaltyGate, G.SizeGate, G.SeedGate,
)


class Ops:
    """What a gate's `backward_graph` builds with, besides the operators of node handles.

    Every method adds one gate to the graph and returns its node; arguments are nodes or
    numbers (which become constants).
    """

    def __init__(self, graph: Graph):
        self.graph = graph

    def apply(self, gate: Gate, *inputs: Any) -> Node:
        """Any gate applied to `inputs`."""
        return self.graph.add_gate(gate, inputs)

    def sum_to(self, a: Any, like: Any) -> Node:
        """`a` summed down to like's shape: undoes broadcasting."""
        return self.apply(_SUM_TO, a, like)

    def broadcast_to(self, a: Any, like: Any) -> Node:
        """`a` broadcast to like's shape."""
        return self.apply(_BROADCAST_TO, a, like)

    def reshape_like(self, a: Any, like: Any) -> Node:
        return self.apply(_RESHAPE_LIKE, a, like)

    def expand_dims(self, a: Any, axis: Any) -> Node:
        return self.apply(G.ExpandDimsGate(axis=axis), a)

    def sum(self, a: Any, axis: Any = None, keepdims: bool = False) -> Node:  # noqa: A003
        return self.apply(G.SumGate(axis=axis, keepdims=keepdims), a)

    def transpose(self, a: Any, axes: Any = None) -> Node:
        return self.apply(G.TransposeGate(axes=axes), a)

    def matmul(self, a: Any, b: Any) -> Node:
        return self.apply(_MATMUL, a, b)

    def exp(self, a: Any) -> Node:
        return self.apply(_EXP, a)

    def log(self, a: Any) -> Node:
        return self.apply(_LOG, a)

    def sigmoid(self, a: Any) -> Node:
        return self.apply(_SIGMOID, a)

    def tanh(self, a: Any) -> Node:
        return self.apply(_TANH, a)

    def greater(self, a: Any, b: Any) -> Node:
        """The mask [a > b] (gradient 0)."""
        return self.apply(_GREATER, a, b)

    def equal(self, a: Any, b: Any) -> Node:
        """The mask [a == b] (gradient 0)."""
        return self.apply(_EQUAL, a, b)

    def sign(self, a: Any) -> Node:
        return self.apply(_SIGN, a)

    def size(self, a: Any) -> Node:
        """The number of elements of `a`, known at run time (gradient 0)."""
        return self.apply(_SIZE, a)

    def zeros_like(self, a: Any) -> Node:
        return self.apply(_ZEROS, a)


def grad(output: Node, wrt: Node | str | Sequence[Node | str], seed: Any = None) -> Node | list[Node]:
    """Add to `output`'s graph the nodes computing d output / d wrt, and return them.

    One node for one `wrt`, a list for a sequence. `output` must be a scalar at run time
    unless `seed` (a node, or an array, of output's shape) gives the upstream gradient, as
    in `run.backward`. A `wrt` the output does not depend on gets zeros of its shape.
    The nodes are computed by ``graph.forward(feeds, outputs=[...])`` like any other.
    """
    if not isinstance(output, Node):
        raise GraphError(
            f"gf.grad needs the output as a node of a graph, not {output!r}; build it with "
            "graph.input/param and gates."
        )
    graph = output.graph
    single = isinstance(wrt, (Node, str))
    targets = [_target(graph, output, w) for w in ([wrt] if single else _sequence(wrt))]
    if isinstance(seed, Node) and seed.graph is not graph:
        raise GraphError(
            f"gf.grad: the seed node {seed.name!r} belongs to another graph than the output "
            f"{output.name!r}; give a node of the output's graph."
        )
    shape = _known_shape(graph, output)
    if seed is None and shape not in (None, ()):
        raise ShapeError(
            f"gf.grad of {output.name!r} needs a scalar output, but {output.name!r} has shape "
            f"{shape}; reduce it (e.g. gf.sum) or pass seed=<a node of shape {shape}>."
        )
    seed_shape = None if seed is None else _known_shape(graph, seed) if isinstance(seed, Node) else np.shape(seed)
    if None not in (shape, seed_shape) and seed_shape != shape:
        raise ShapeError(
            f"gf.grad of {output.name!r}: the seed has shape {seed_shape}, but the output has "
            f"shape {shape}; pass a seed of the output's shape."
        )
    with paused_gc(len(graph)), graph._building(f"grad/{output.name}/_") as before:
        results = _Backward(graph, output, targets, seed, shape == (), before).build()
    return results[0] if single else results


def _sequence(wrt: Any) -> list[Any]:
    try:
        return list(wrt)
    except TypeError:
        raise GraphError(
            f"gf.grad: wrt must be a node (or a node's name) or a sequence of them, not {wrt!r}."
        ) from None


def _target(graph: Graph, output: Node, wrt: Any) -> Node:
    if isinstance(wrt, Node):
        if wrt.graph is not graph:
            raise GraphError(
                f"gf.grad: wrt node {wrt.name!r} belongs to another graph than the output "
                f"{output.name!r}; differentiate with respect to nodes of the output's graph."
            )
        return wrt
    if isinstance(wrt, str):
        return graph[wrt]
    raise GraphError(
        f"gf.grad: wrt must be a node (or a node's name) or a sequence of them; got {wrt!r}."
    )


def _known_shape(graph: Graph, output: Node) -> tuple[int, ...] | None:
    """The output's shape when it is known before any feed, else None."""
    gate = output.gate
    if gate is None:
        return None if output.kind == "input" else np.shape(output.value)
    if isinstance(gate, _SCALAR_GATES) or (
        type(gate) in (G.SumGate, G.MeanGate) and gate.axis is None and not gate.keepdims
    ):
        return ()
    if graph.plan([output]).inputs:
        return None
    try:  # only parameters and constants upstream: one forward tells
        return np.shape(graph.forward(outputs=[output])[output])
    except GateflowError:
        return None


class _Backward:
    """One gf.grad call: the reverse walk, then naming and pruning what it added."""

    def __init__(self, graph: Graph, output: Node, targets: list[Node], seed: Any, scalar: bool, before: int):
        self.graph, self.output, self.targets, self.seed = graph, output, targets, seed
        self.scalar, self.before = scalar, before
        self.ops = Ops(graph)

    def build(self) -> list[Node]:
        graph, plan = self.graph, self.graph.plan([self.output])
        names, steps = plan.names, plan.steps
        depends = [False] * len(names)
        for target in self.targets:
            if target.name in plan.slot:
                depends[plan.slot[target.name]] = True
        for out, _, ins in steps:
            if not depends[out]:
                for i in ins:
                    if depends[i]:
                        depends[out] = True
                        break
        grads: list[Node | None] = [None] * len(names)
        top = plan.slot[self.output.name]
        if depends[top]:
            grads[top] = self._seed()
        handle = graph._handle
        for out, gate, ins in reversed(steps):
            if grads[out] is None:
                continue
            self._name(grads[out], names[out])  # final now: every consumer has added its part
            inputs = [handle(names[i]) for i in ins]
            needed = [depends[i] for i in ins]
            contributions = self._input_grads(gate, grads[out], handle(names[out]), inputs, needed)
            for i, contribution, need in zip(ins, contributions, needed):
                if need and contribution is not None:
                    previous = grads[i]
                    grads[i] = contribution if previous is None else previous + contribution
        results = []
        for target in self.targets:
            slot = plan.slot.get(target.name)
            found = grads[slot] if slot is not None else None
            results.append(self._name(found if found is not None else self.ops.zeros_like(target), target.name))
        self._tidy(results)
        return results

    def _name(self, node: Node, of: str) -> Node:
        """Name a gradient node this call made ``grad/f/<of>`` (once; later names keep the first)."""
        if node.name.startswith(self.graph._auto_prefix) and "grad_of" not in self.graph.nx.nodes[node.name]:
            self.graph._rename(node, self.graph.unique_name(f"grad/{self.output.name}/{of}"))
        return node

    def _seed(self) -> Node:
        if self.seed is None:
            if self.scalar:
                return self.graph.const(1.0)
            return self.graph.add_gate(G.SeedGate(output=self.output.name), (self.output,))
        if isinstance(self.seed, Node):
            return self.seed
        return self.graph.const(self.seed)

    def _input_grads(self, gate: Gate, grad: Node, out: Node, inputs: list[Node], needed: list[bool]) -> tuple:
        """The gate's backward as nodes: its graph backward, or its numpy one wrapped."""
        if not has_graph_backward(gate):
            return tuple(
                self.ops.apply(G.NumpyBackwardGate(wrapped=gate, index=k), grad, out, *inputs) if need else None
                for k, need in enumerate(needed)
            )
        try:
            contributions = gate.backward_graph(self.ops, grad, out, *inputs)
        except NotDifferentiableError as exc:
            raise NotDifferentiableError(
                f"gf.grad of {self.output.name!r} cannot go through node {out.name!r}: {exc}"
            ) from exc
        except GateflowError:
            raise
        except Exception as exc:
            raise GateContractError(
                f"node {out.name!r} (gate {gate.name!r}, {type(gate).__name__}) raised "
                f"{type(exc).__name__} in backward_graph: {exc}"
            ) from exc
        if type(contributions) is not tuple or len(contributions) != len(inputs) or not all(
            c is None or (isinstance(c, Node) and c.graph is self.graph) for c in contributions
        ):
            raise GateContractError(
                f"node {out.name!r} (gate {gate.name!r}, {type(gate).__name__}): backward_graph "
                f"returned {contributions!r}; it must return a tuple of {len(inputs)} node(s) of "
                "the same graph, one per input (None for a zero gradient)."
            )
        return contributions

    def _tidy(self, results: list[Node]) -> None:
        """Drop the added nodes no result needs and mark the others as the backward part."""
        graph = self.graph
        added = set(graph.added_since(self.before))
        kept, stack = set(), [r.name for r in results if r.name in added]
        while stack:
            name = stack.pop()
            if name not in kept:
                kept.add(name)
                stack.extend(n for n in graph.nx.nodes[name].get("inputs", ()) if n in added)
        graph._remove(added - kept)
        for name in kept:
            graph.nx.nodes[name]["grad_of"] = self.output.name
