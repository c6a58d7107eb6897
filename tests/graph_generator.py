"""Random gateflow graphs for differential testing (gf.grad against run.backward, a compiled
step against the interpreter, ...).

`random_graph(seed)` builds a graph of inputs and parameters whose shapes broadcast
against each other ((), (3,), (1, 3), (2, 1), (2, 3)), then applies randomly chosen gates
to randomly chosen earlier nodes, so that values fan out and are reused, arrays broadcast,
and reductions, reshapes and matrix products mix with elementwise math. Every operand is
kept in the domain of its gate (log of a positive number, ...), so values stay finite.
The output is a scalar mixing several nodes, so more than one path reaches it.

`smooth=True` leaves out the gates with kinks (ReLU, abs, max, min), for checks by
central differences of derivatives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import gateflow as gf

SHAPES = [(), (3,), (1, 3), (2, 1), (2, 3)]


@dataclass
class RandomGraph:
    graph: gf.Graph
    output: gf.Node
    wrt: list[gf.Node]
    feeds: dict[str, np.ndarray]
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    ops: list[str] = field(default_factory=list)


def _unary(build: Callable[[gf.Node], gf.Node]) -> Callable:
    return lambda a, b, sa, sb, rng: (build(a), sa)


def _binary(build: Callable[[gf.Node, gf.Node], gf.Node]) -> Callable:
    """Elementwise with broadcasting; an operand of a clashing shape is summed to a scalar first."""

    def make(a, b, sa, sb, rng):
        try:
            shape = np.broadcast_shapes(sa, sb)
        except ValueError:
            b, shape = gf.sum(b), sa
        return build(a, b), shape

    return make


def _reduce(a, b, sa, sb, rng):
    gate = gf.sum if rng.random() < 0.5 else gf.mean
    if not sa or rng.random() < 0.3:
        return gate(a), ()
    axis = int(rng.integers(len(sa)))
    keepdims = bool(rng.random() < 0.5)
    shape = tuple(1 if i == axis else n for i, n in enumerate(sa)) if keepdims else sa[:axis] + sa[axis + 1:]
    return gate(a, axis=axis, keepdims=keepdims), shape


def _matmul(a, b, sa, sb, rng):
    """a @ b where the shapes allow it, else a @ (a reshaped as a matching column)."""
    if len(sa) >= 1 and len(sb) >= 1 and sa[-1] == (sb[0] if len(sb) == 1 else sb[-2]):
        out = sa[:-1] + sb[1:] if len(sb) <= 2 else None
        if out is not None and len(sa) <= 2:
            return a @ b, out
    if len(sa) == 2 and len(sb) == 2 and sa[-1] == sb[-1]:
        return a @ gf.transpose(b), (sa[0], sb[0])
    return gf.sum(a * a) * b, sb


def _reshape(a, b, sa, sb, rng):
    if len(sa) == 2:
        return gf.transpose(a), sa[::-1]
    size = int(np.prod(sa)) if sa else 1
    return gf.reshape(a, (size, 1)), (size, 1)


OPS: dict[str, tuple[Callable, bool]] = {  # name -> (builder, smooth)
    "add": (_binary(lambda a, b: a + b), True),
    "sub": (_binary(lambda a, b: a - b), True),
    "mul": (_binary(lambda a, b: a * b), True),
    "div": (_binary(lambda a, b: a / (b * b + 1.0)), True),
    "neg": (_unary(lambda a: -a), True),
    "reciprocal": (_unary(lambda a: 1 / (a * a + 1.0)), True),
    "square": (_unary(lambda a: a**2), True),
    "cube": (_unary(lambda a: a**3 * 0.1), True),
    "sqrt": (_unary(lambda a: (a * a + 0.5) ** 0.5), True),
    "pow": (_binary(lambda a, b: (a * a + 0.5) ** gf.tanh(b)), True),
    "exp": (_unary(lambda a: gf.exp(gf.tanh(a))), True),
    "log": (_unary(lambda a: gf.log(a * a + 0.5)), True),
    "tanh": (_unary(gf.tanh), True),
    "sigmoid": (_unary(gf.sigmoid), True),
    "softmax": (lambda a, b, sa, sb, rng: (gf.softmax(a) if sa else gf.sigmoid(a), sa), True),
    "relu": (_unary(gf.relu), False),
    "abs": (_unary(gf.abs), False),
    "max": (_binary(gf.maximum), False),
    "min": (_binary(gf.minimum), False),
    "reduce": (_reduce, True),
    "matmul": (_matmul, True),
    "reshape": (_reshape, True),
}


def random_graph(seed: int, size: int = 12, smooth: bool = False) -> RandomGraph:
    """A random graph of about `size` gates (see the module docstring), fully determined by `seed`."""
    rng = np.random.default_rng(seed)
    g = gf.Graph()
    nodes: list[gf.Node] = []
    shapes: dict[str, tuple[int, ...]] = {}
    feeds: dict[str, np.ndarray] = {}
    for i in range(int(rng.integers(2, 5))):
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        value = rng.uniform(-1.5, 1.5, size=shape)
        if rng.random() < 0.5:
            node = g.input(f"x{i}")
            feeds[node.name] = value
        else:
            node = g.param(f"w{i}", value)
        nodes.append(node)
        shapes[node.name] = shape
    leaves = list(nodes)
    names = [n for n, (_, ok) in OPS.items() if ok or not smooth]
    used = []
    for _ in range(size):
        op = names[int(rng.integers(len(names)))]
        # Prefer recent nodes (deep chains) but reuse older ones too (fan-out).
        pick = lambda: nodes[len(nodes) - 1 - min(int(rng.geometric(0.35)) - 1, len(nodes) - 1)]
        a, b = pick(), pick()
        node, shape = OPS[op][0](a, b, shapes[a.name], shapes[b.name], rng)
        nodes.append(node)
        shapes[node.name] = tuple(shape)
        used.append(op)
    # A scalar output that several nodes reach by different paths.
    tail = nodes[-1]
    others = [nodes[int(rng.integers(len(leaves), len(nodes)))] for _ in range(2)]
    output = gf.sum(tail * tail) + gf.mean(others[0]) * gf.sum(others[1])
    return RandomGraph(g, output, leaves, feeds, shapes, used)
