"""Fusing softmax cross-entropy: what a careful numpy author writes instead of the chain.

Two rewrites. `fuse_losses` works on the private copy of the graph, before `gf.grad`: the
loss users write from elementary gates,

    mean(log(sum(exp(z), axis)) - sum(z * Y, axis))        (Y: targets of z's shape)

becomes one `SoftTargetCrossEntropyGate`, computed from the row maximum down (logits of
±1000 are fine) and with the gradient (softmax(z) - Y) / rows. `pair_losses` works on
the program: a softmax cross-entropy and the softmax(z) - targets of its gradient are
computed by one helper, which takes the log-softmax once for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gateflow import gates as G
from gateflow.gates.base import Gate
from gateflow.engine.compile.rewrites import Program, prune
from gateflow.engine.graph import Graph


@dataclass(frozen=True, eq=False)
class SoftTargetCrossEntropyGate(Gate):
    """f(z, Y) = mean over rows of [log Σⱼ exp zⱼ - Σⱼ zⱼ·Yⱼ], the sums along `axis`.
    Backward: dz = (softmax(z) - Y)·g / rows, dY = -z·g / rows."""

    axis: int = -1
    name, arity, symbol = "soft_target_cross_entropy", 2, "softmax CE"

    def _rows(self, z):
        return np.size(z) // np.shape(z)[self.axis]

    def forward(self, z, targets):
        top = np.max(z, axis=self.axis, keepdims=True)
        lse = top + np.log(np.sum(np.exp(z - top), axis=self.axis, keepdims=True))
        return np.mean(lse - np.sum(z * targets, axis=self.axis, keepdims=True))

    def backward(self, grad, out, z, targets):
        scale = grad / self._rows(z)
        return (G.SoftmaxGate(axis=self.axis).forward(z) - targets) * scale, -z * scale

    def backward_graph(self, ops, grad, out, z, targets):
        rows = ops.size(ops.sum(z, axis=self.axis))
        scale = grad / rows
        return (ops.apply(G.SoftmaxGate(axis=self.axis), z) - targets) * scale, -z * scale


def _only_consumer(graph: Graph, name: str, keep: set[str]) -> str | None:
    """The one gate that reads `name` (in one slot), unless `name` must stay visible."""
    succ = graph.nx.succ[name]
    if name in keep or len(succ) != 1:
        return None
    (target, edge), = succ.items()
    return target if len(edge["slots"]) == 1 else None


def _gate(graph: Graph, name: str, kind: type) -> tuple[Gate, tuple[str, ...]] | None:
    attrs = graph.nx.nodes[name]
    gate = attrs.get("gate")
    return (gate, attrs["inputs"]) if type(gate) is kind else None


def _row_sum_axis(gate: Gate, ndim: int) -> int | None:
    axis = gate.axis
    axis = axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis
    return axis % ndim if isinstance(axis, int) and -ndim <= axis < ndim else None


def find_losses(graph: Graph, run: Any, keep: tuple[str, ...]) -> tuple[tuple[str, str, str, int], ...]:
    """Each exact elementary softmax cross-entropy chain: (mean node, z, Y, axis).

    `run` gives the shapes (a forward of the nodes concerned); a chain whose intermediate
    nodes anything else reads, or that were asked for (`keep`), is left as it is."""
    found = []
    for mean_name in graph.nx:
        mean = _gate(graph, mean_name, G.MeanGate)
        if mean is None or mean[0].axis is not None or mean[0].keepdims or mean_name not in run:
            continue
        match = _match(graph, mean[1][0], set(keep), run)
        if match is not None:
            found.append((mean_name, *match))
    return tuple(found)


def fuse_losses(graph: Graph, chains: tuple[tuple[str, str, str, int], ...]) -> None:
    """Make the mean node of each chain (see `find_losses`) a `SoftTargetCrossEntropyGate`."""
    for mean_name, z, targets, axis in chains:
        graph.nx.remove_edge(graph.nx.nodes[mean_name]["inputs"][0], mean_name)
        graph.nx.add_edge(z, mean_name, slots=(0,))
        graph.nx.add_edge(targets, mean_name, slots=(1,))
        graph.nx.nodes[mean_name].update(gate=SoftTargetCrossEntropyGate(axis=axis), inputs=(z, targets))
        graph._changed()


def _match(graph: Graph, diff: str, keep: set[str], run: Any) -> tuple[str, str, int] | None:
    """(z, Y, axis) when `diff` is log(sum(exp(z), axis)) - sum(z * Y, axis), each step read once."""
    sub = _gate(graph, diff, G.SubtractGate)
    if sub is None or _only_consumer(graph, diff, keep) is None:
        return None
    log_name, picked = sub[1]
    log = _gate(graph, log_name, G.LogGate)
    total = _gate(graph, picked, G.SumGate)
    if log is None or total is None:
        return None
    norm = _gate(graph, log[1][0], G.SumGate)
    if norm is None or norm[0].keepdims != total[0].keepdims:
        return None
    exp = _gate(graph, norm[1][0], G.ExpGate)
    product = _gate(graph, total[1][0], G.MultiplyGate)
    if exp is None or product is None:
        return None
    z = exp[1][0]
    if z not in product[1] or product[1][0] == product[1][1]:
        return None
    targets = product[1][1] if product[1][0] == z else product[1][0]
    ndim = np.ndim(run[z])
    axis = _row_sum_axis(norm[0], ndim)
    if axis is None or axis != _row_sum_axis(total[0], ndim) or np.shape(run[targets]) != np.shape(run[z]):
        return None
    chain = (log_name, picked, log[1][0], norm[1][0], total[1][0])
    if any(_only_consumer(graph, name, keep) is None for name in chain):
        return None
    return z, targets, axis


# -- one helper for a loss and its softmax - targets ------------------------------------


_SOFTMAX_CE, _SOFTMAX, _ONE_HOT = G.SoftmaxCrossEntropyGate(), G.SoftmaxGate(), G.OneHotGate()


def softmax_cross_entropy_and_softmax_minus_onehot(scores, labels):
    """SoftmaxCrossEntropyGate's value and softmax(scores) - onehot(labels), sharing one
    log-softmax. Labels that are not whole numbers 0..C-1 (or empty) go to the gates
    themselves, which raise their own errors."""
    classes = scores.shape[-1]
    index = labels.astype(np.intp)
    if labels.shape != scores.shape[:-1] or not labels.size or not (
        (index == labels).all() and index.min() >= 0 and index.max() < classes
    ):
        return _SOFTMAX_CE.forward(scores, labels), _SOFTMAX.forward(scores) - _ONE_HOT.forward(labels, scores)
    shifted = scores - scores.max(axis=-1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    probs = np.exp(logp)
    if scores.ndim > 2:  # rows of classes
        logp, rows, index = logp.reshape(-1, classes), probs.reshape(-1, classes), index.reshape(-1)
    else:
        rows = probs
    at = (np.arange(len(index)), index)
    rows[at] -= 1.0
    return -logp[at].mean(), probs


def soft_target_cross_entropy_and_softmax_minus_targets(z, targets, axis):
    """SoftTargetCrossEntropyGate's value, and softmax(z) - targets, sharing exp(z - max)."""
    top = np.max(z, axis=axis, keepdims=True)
    shifted = z - top
    log_norm = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    loss = np.mean(top + log_norm - np.sum(z * targets, axis=axis, keepdims=True))
    return loss, np.exp(shifted - log_norm) - targets


HELPERS = {
    G.SoftmaxCrossEntropyGate: softmax_cross_entropy_and_softmax_minus_onehot,
    SoftTargetCrossEntropyGate: soft_target_cross_entropy_and_softmax_minus_targets,
}


def pair_losses(p: Program) -> Program:
    """Compute a softmax cross-entropy and its gradient's softmax(z) - targets in one helper."""
    losses = {(type(p.gates[i]), p.args[i]): i for i in p.lines if type(p.gates[i]) in HELPERS}
    for i in p.lines:
        if not losses or type(p.gates[i]) is not G.SubtractGate:
            continue
        soft, other = p.args[i]
        softmax = p.gates[soft]
        if type(softmax) is not G.SoftmaxGate:
            continue
        z = p.args[soft][0]
        ndim = np.ndim(p.values[z])
        axis = softmax.axis % ndim if ndim else None
        if type(p.gates[other]) is G.OneHotGate and p.args[other][1] == z and axis == ndim - 1:
            key = (G.SoftmaxCrossEntropyGate, (z, p.args[other][0]))
        else:
            key = (SoftTargetCrossEntropyGate, (z, other))
        loss = losses.get(key)
        if loss is None or (key[0] is SoftTargetCrossEntropyGate and p.gates[loss].axis != axis):
            continue
        del losses[key]
        p.fused[min(loss, i)] = (loss, i)
        p.args[i] = key[1]
    return prune(p)


def fused_call(p: Program, loss: int, operand: Any) -> str:
    """The helper call computing a paired loss and its softmax - targets."""
    gate = p.gates[loss]
    args = [operand(a) for a in p.args[loss]] + ([repr(gate.axis)] if type(gate) is SoftTargetCrossEntropyGate else [])
    return f"{HELPERS[type(gate)].__name__}({', '.join(args)})"
