"""Second derivatives from `gf.grad` applied twice: Hessian-vector products as nodes, and
small dense Hessians as numbers.

For a scalar f and nodes x₁..xₙ, the Hessian-vector product is
H·v = ∇ₓ (Σᵢ ⟨∇ₓᵢ f, vᵢ⟩): one gradient of a gradient, never the matrix itself, so it costs
about two backward passes whatever the size of x.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from gateflow.errors import ShapeError
from gateflow.engine.grad import grad
from gateflow.engine.graph import Node
from gateflow.engine.ops import sum as total


def hvp(output: Node, wrt: Node | Sequence[Node], vectors: Node | Sequence[Node]) -> Node | list[Node]:
    """Nodes computing H·v, the Hessian of the scalar `output` with respect to `wrt` times
    `vectors` (one node or array per wrt node, of its shape). Like `gf.grad`: one node for
    one `wrt`, a list for a sequence; the nodes live in output's graph."""
    single = isinstance(wrt, (Node, str))
    wrt_list = [wrt] if single else list(wrt)
    v_list = [vectors] if single else list(vectors)
    if len(v_list) != len(wrt_list):
        raise ShapeError(
            f"gf.hvp of {output.name!r}: {len(wrt_list)} wrt node(s) but {len(v_list)} "
            "vector(s); give one vector per wrt node, of its shape."
        )
    first = grad(output, wrt_list)
    inner = None
    for d, v in zip(first, v_list):
        term = total(d * v)
        inner = term if inner is None else inner + term
    second = grad(inner, wrt_list)
    return second[0] if single else second


def hessian(output: Node, wrt: Node | Sequence[Node], feeds: dict[Any, Any] | None = None) -> np.ndarray:
    """The dense Hessian d²output / d wrt² at `feeds`, as an (n, n) float64 array over the
    n elements of the `wrt` nodes, flattened and concatenated in order.

    Computed with one Hessian-vector product per column (for small n: it runs n forward
    passes). The nodes it needs are removed afterwards: the graph is left as it was.
    """
    graph = output.graph
    wrt_list = [graph[w] for w in ([wrt] if isinstance(wrt, (Node, str)) else wrt)]
    feeds = dict(feeds or {})
    with graph._building(f"hessian/{output.name}/", keep=False):
        shapes = _shapes(graph, feeds, wrt_list)
        directions = [graph.input(graph.unique_name(f"hessian/{output.name}/v/{w.name}")) for w in wrt_list]
        columns = hvp(output, wrt_list, directions)
        sizes = [int(np.prod(s)) for s in shapes]
        n = sum(sizes)
        matrix = np.zeros((n, n))
        basis = np.eye(n)
        for j in range(n):
            pieces = np.split(basis[j], np.cumsum(sizes)[:-1])
            run = graph.forward(
                {**feeds, **{v: p.reshape(s) for v, p, s in zip(directions, pieces, shapes)}},
                outputs=columns,
            )
            matrix[:, j] = np.concatenate([np.broadcast_to(run[c], s).ravel() for c, s in zip(columns, shapes)])
    return matrix


def _shapes(graph, feeds, wrt):
    """The shape each wrt node has at `feeds` (one forward)."""
    run = graph.forward(feeds, outputs=wrt)
    return [np.shape(run[w]) for w in wrt]
