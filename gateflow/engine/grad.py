"""`gf.grad`: the backward pass written into the graph as ordinary gates.

``gf.grad(f, x)`` walks the nodes `f` depends on in reverse topological order (the order
`run.backward` uses) and asks each gate for its backward *as gates* (`Gate.backward_graph`),
adding the nodes that compute d f / d node to f's own graph. Where a node fans out, its
gradients are summed by add gates. The result is a graph like any other: run it, draw it,
save it, or differentiate it again for higher derivatives.

A gate's `backward_graph` works on `Pending` handles: they record the gates it applies,
and a recorded gate only enters the graph when a gradient that was asked for needs it
(the gradient of a constant factor, say, is never built). Names say what the nodes are:
the gradient of node ``n`` is ``grad/f/n``, the gates in between ``grad/f/_mul_1``, ...;
every node added is marked with the attribute ``grad_of = "f"`` (drawings set them apart
as the backward circuit). A call that fails adds nothing.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from gateflow import gates as G
from gateflow.errors import GateContractError, GateflowError, GraphError, NotDifferentiableError, ShapeError
from gateflow.gates.base import Gate, has_graph_backward
from gateflow.engine.graph import Graph, Node, Operators
from gateflow.engine.scheduler import paused_gc

_SUM_TO, _BROADCAST_TO, _RESHAPE_LIKE = G.SumToGate(), G.BroadcastToGate(), G.ReshapeLikeGate()
_GREATER, _EQUAL, _SIGN, _SIZE, _ZEROS = G.GreaterGate(), G.EqualGate(), G.SignGate(), G.SizeGate(), G.ZerosLikeGate()
_EXP, _LOG, _SIGMOID, _TANH, _MATMUL = G.ExpGate(), G.LogGate(), G.SigmoidGate(), G.TanhGate(), G.MatMulGate()
# Gates whose output is a scalar whatever their inputs (besides full sums and means).
_SCALAR_GATES = (
    G.MSELossGate, G.SoftmaxCrossEntropyGate, G.MulticlassHingeGate, G.BinaryCrossEntropyGate,
    G.L2PenaltyGate, G.SizeGate, G.SeedGate,
)


class Pending(Operators):
    """A node-to-be of the backward circuit: `gate` applied to `operands` (pending nodes,
    or numbers), or an existing `node`. It overloads the operators a `Node` does."""

    __slots__ = ("gate", "operands", "node")

    def __init__(self, gate: Gate | None = None, operands: tuple = (), node: Node | None = None):
        self.gate, self.operands, self.node = gate, operands, node

    def _combine(self, gate: Gate, operands: tuple) -> Pending:
        return Pending(gate, operands)

    def __repr__(self) -> str:
        return f"<Pending {self.node.name!r}>" if self.node else f"<Pending {self.gate.name}(...)>"


class Ops:
    """What a gate's `backward_graph` builds with, besides the operators of its handles.

    Every method applies one gate and returns its (pending) node; arguments are the
    handles `backward_graph` was given, what it built from them, or numbers (constants).
    """

    def apply(self, gate: Gate, *inputs: Any) -> Pending:
        """Any gate applied to `inputs`."""
        return Pending(gate, inputs)

    def sum_to(self, a: Any, like: Any) -> Pending:
        """`a` summed down to like's shape: undoes broadcasting."""
        return self.apply(_SUM_TO, a, like)

    def broadcast_to(self, a: Any, like: Any) -> Pending:
        """`a` broadcast to like's shape."""
        return self.apply(_BROADCAST_TO, a, like)

    def reshape_like(self, a: Any, like: Any) -> Pending:
        return self.apply(_RESHAPE_LIKE, a, like)

    def expand_dims(self, a: Any, axis: Any) -> Pending:
        return self.apply(G.ExpandDimsGate(axis=axis), a)

    def sum(self, a: Any, axis: Any = None, keepdims: bool = False) -> Pending:  # noqa: A003
        return self.apply(G.SumGate(axis=axis, keepdims=keepdims), a)

    def transpose(self, a: Any, axes: Any = None) -> Pending:
        return self.apply(G.TransposeGate(axes=axes), a)

    def matmul(self, a: Any, b: Any) -> Pending:
        return self.apply(_MATMUL, a, b)

    def exp(self, a: Any) -> Pending:
        return self.apply(_EXP, a)

    def log(self, a: Any) -> Pending:
        return self.apply(_LOG, a)

    def sigmoid(self, a: Any) -> Pending:
        return self.apply(_SIGMOID, a)

    def tanh(self, a: Any) -> Pending:
        return self.apply(_TANH, a)

    def greater(self, a: Any, b: Any) -> Pending:
        """The mask [a > b] (gradient 0)."""
        return self.apply(_GREATER, a, b)

    def equal(self, a: Any, b: Any) -> Pending:
        """The mask [a == b] (gradient 0)."""
        return self.apply(_EQUAL, a, b)

    def sign(self, a: Any) -> Pending:
        return self.apply(_SIGN, a)

    def size(self, a: Any) -> Pending:
        """The number of elements of `a`, known at run time (gradient 0)."""
        return self.apply(_SIZE, a)

    def zeros_like(self, a: Any) -> Pending:
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
    """One gf.grad call: the reverse walk over the output's plan, adding what is needed."""

    def __init__(self, graph: Graph, output: Node, targets: list[Node], seed: Any, scalar: bool, before: int):
        self.graph, self.output, self.targets, self.seed = graph, output, targets, seed
        self.scalar, self.before = scalar, before
        self.ops = Ops()

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
        grads: list[Pending | None] = [None] * len(names)
        top = plan.slot[self.output.name]
        if depends[top]:
            grads[top] = self._seed()
        leaf = lambda i: Pending(node=graph._handle(names[i]))  # noqa: E731
        for out, gate, ins in reversed(steps):
            if grads[out] is None:
                continue
            # Final now (every consumer has added its part): into the graph, named.
            self._add(grads[out], names[out])
            needed = [depends[i] for i in ins]
            contributions = self._input_grads(gate, grads[out], leaf(out), [leaf(i) for i in ins], needed)
            for i, contribution, need in zip(ins, contributions, needed):
                if need and contribution is not None:
                    previous = grads[i]
                    grads[i] = contribution if previous is None else previous + contribution
        results = []
        for target in self.targets:
            slot = plan.slot.get(target.name)
            found = grads[slot] if slot is not None else None
            results.append(self._add(found or self.ops.zeros_like(Pending(node=target)), target.name))
        self._tidy(results)
        return results

    def _add(self, pending: Pending, of: str) -> Node:
        """Add a pending gradient and what it needs to the graph (iteratively); a node made
        here for it is named ``grad/f/<of>``. Returns its node."""
        if pending.node is not None:
            return pending.node
        stack = [pending]
        while stack:
            current = stack[-1]
            waiting = [a for a in current.operands if type(a) is Pending and a.node is None]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            if current.node is None:
                operands = tuple([a.node if type(a) is Pending else a for a in current.operands])
                name = self.graph.unique_name(f"grad/{self.output.name}/{of}") if current is pending else None
                current.node = self.graph.add_gate(current.gate, operands, name)
        return pending.node

    def _seed(self) -> Pending:
        if self.seed is None:
            if self.scalar:
                return Pending(node=self.graph.const(1.0, name=self.graph.unique_name(f"grad/{self.output.name}/{self.output.name}")))
            return Pending(G.SeedGate(output=self.output.name), (Pending(node=self.output),))
        if isinstance(self.seed, Node):
            return Pending(node=self.seed)
        return Pending(node=self.graph.const(self.seed, name=self.graph.unique_name(f"grad/{self.output.name}/{self.output.name}")))

    def _input_grads(self, gate: Gate, grad: Pending, out: Pending, inputs: list[Pending], needed: list[bool]) -> tuple:
        """The gate's backward as pending nodes: its graph backward, or its numpy one wrapped."""
        if not has_graph_backward(gate):
            return tuple(
                Pending(G.NumpyBackwardGate(wrapped=gate, index=k), (grad, out, *inputs)) if need else None
                for k, need in enumerate(needed)
            )
        try:
            contributions = gate.backward_graph(self.ops, grad, out, *inputs)
        except NotDifferentiableError as exc:
            raise NotDifferentiableError(
                f"gf.grad of {self.output.name!r} cannot go through node {out.node.name!r}: {exc}"
            ) from exc
        except GateflowError:
            raise
        except Exception as exc:
            raise GateContractError(
                f"node {out.node.name!r} (gate {gate.name!r}, {type(gate).__name__}) raised "
                f"{type(exc).__name__} in backward_graph: {exc}"
            ) from exc
        if type(contributions) is not tuple or len(contributions) != len(inputs) or not all(
            c is None or type(c) is Pending for c in contributions
        ):
            raise GateContractError(
                f"node {out.node.name!r} (gate {gate.name!r}, {type(gate).__name__}): backward_graph "
                f"returned {contributions!r}; it must return a tuple of {len(inputs)} node(s) built "
                "from its arguments, one per input (None for a zero gradient)."
            )
        return contributions

    def _tidy(self, results: list[Node]) -> None:
        """Drop the added nodes no result needs (gradients that only fed zero-gradient gates)
        and mark the others as the backward part."""
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
