"""Loss gates: mean squared error, softmax cross-entropy, multiclass hinge, binary
cross-entropy, and the L2 penalty that regularizes weights.

Data losses average over samples (N = the number of labels or elements), so a loss's
scale does not depend on the batch size. Class labels arrive as float arrays (every
gateflow value does) and must hold whole numbers 0..C-1; their gradient is 0, since the
loss is piecewise constant in them. Labels pick their class through a one-hot mask, so the
gates run unchanged on any array library (dask: lazily, block by block).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np

from gateflow import checks
from gateflow.errors import DataError
from gateflow.gates.base import Gate
from gateflow.gates.masks import ZeroGradientGate
from gateflow.gates.tensor import SoftmaxGate
from gateflow.gates.elementwise import stable_sigmoid


def _checked_labels(gate: str, scores, labels):
    """`labels`, checked to be class indices into the last axis of `scores`.

    numpy labels are checked at once; lazy ones (arrays with ``map_blocks``: dask) block by
    block when they are computed, so checking never forces a computation.
    """
    if getattr(scores, "ndim", 0) == 0:
        raise ValueError("the scores must have a class axis (the last one), not be a scalar")
    if not hasattr(labels, "dtype"):
        labels = np.asarray(labels, dtype=np.float64)
    if labels.shape != scores.shape[:-1]:
        raise ValueError(
            f"labels of shape {labels.shape} do not match scores of shape {scores.shape}: "
            f"give one class index per row, shape {scores.shape[:-1]}"
        )
    classes = scores.shape[-1]
    map_blocks = getattr(labels, "map_blocks", None)
    if map_blocks is not None:
        return map_blocks(_check_labels, gate, classes, dtype=labels.dtype)
    return _check_labels(labels, gate, classes)


def _check_labels(labels, gate: str, classes: int, block_info=None):
    """`labels` if they are whole numbers 0..classes-1 (NaN is not), else a DataError."""
    valid = (labels >= 0) & (labels <= classes - 1) & (labels == np.floor(labels))
    if np.all(valid):
        return labels
    where = tuple(int(i) for i in np.argwhere(~valid)[0])
    found = float(labels[where])
    if block_info:  # a position within one block of a lazy array: make it global
        where = tuple(i + start for i, (start, _) in zip(where, block_info[0]["array-location"]))
    raise DataError(
        f"gate {gate!r}: labels must be whole numbers 0..{classes - 1} (one per class of "
        f"the {classes} scores); found {found:g} at position {where}. "
        "Fix the labels, or give the model as many outputs as there are classes."
    )


def _one_hot(labels, classes: int):
    """True at each row's label: labels[..., None] == [0, 1, ..., C-1] (lazy for dask)."""
    return labels[..., np.newaxis] == np.arange(classes)


def _log_softmax(scores):
    """log softmax over the last axis via log-sum-exp: the row maximum is subtracted first."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


_SOFTMAX = SoftmaxGate()


class MSELossGate(Gate):
    """f(p, t) = (1/n) Σ (p - t)² over all n elements. Backward: df/dp = 2(p - t)/n = -df/dt."""

    name, arity, symbol = "mse", 2, "MSE"

    def forward(self, pred, target):
        return np.mean((pred - target) ** 2)

    def backward(self, grad, out, pred, target):
        diff = pred - target
        gp = grad * (2.0 / max(diff.size, 1)) * diff
        return gp, -gp

    def backward_graph(self, ops, grad, out, pred, target):
        diff = pred - target
        gp = grad * (2.0 / ops.size(diff)) * diff
        return ops.sum_to(gp, pred), ops.sum_to(-gp, target)


class SoftmaxCrossEntropyGate(Gate):
    """f(z, y) = (1/N) Σᵢ [log Σⱼ exp zᵢⱼ - zᵢ,yᵢ]: the mean of -log softmax(zᵢ)[yᵢ].

    Scores z of shape (..., C), labels y of shape (...). Computed through log-sum-exp (the
    row maximum is subtracted first), so logits of ±1000 neither overflow nor lose the
    answer. Backward: df/dzᵢⱼ = (softmax(zᵢ)ⱼ - [j = yᵢ]) / N; df/dy = 0.
    """

    name, arity, symbol = "softmax_cross_entropy", 2, "softmax CE"

    def forward(self, scores, labels):
        labels = _checked_labels(self.name, scores, labels)
        picked = np.sum(np.where(_one_hot(labels, scores.shape[-1]), _log_softmax(scores), 0.0), axis=-1)
        return -np.mean(picked)

    def backward(self, grad, out, scores, labels):  # forward checked these very labels
        probs = np.exp(_log_softmax(scores)) - _one_hot(labels, scores.shape[-1])
        return probs * (grad / max(labels.size, 1)), np.zeros_like(labels)

    def backward_graph(self, ops, grad, out, scores, labels):
        probs = ops.apply(_SOFTMAX, scores) - ops.apply(OneHotGate(), labels, scores)
        return probs * (grad / ops.size(labels)), None


class OneHotGate(ZeroGradientGate):
    """f(y, s) = the one-hot rows of labels y over the classes of scores s (shape of s). Gradient 0."""

    name, arity, symbol = "one_hot", 2, "one-hot"
    shape_inputs = (1,)

    def forward(self, labels, scores):
        labels = _checked_labels(self.name, scores, labels)
        return _one_hot(labels, scores.shape[-1]).astype(scores.dtype)


@dataclass(frozen=True, eq=False)
class MulticlassHingeGate(Gate):
    """The multiclass SVM loss f(s, y) = (1/N) Σᵢ Σ_{j≠yᵢ} max(0, sᵢⱼ - sᵢ,yᵢ + Δ), Δ = `margin`.

    Backward: each violated margin (sᵢⱼ - sᵢ,yᵢ + Δ > 0, j ≠ yᵢ) adds 1/N to dsᵢⱼ and -1/N to
    dsᵢ,yᵢ; a margin exactly at 0 counts as not violated (the ReLU rule). df/dy = 0.
    """

    margin: float = 1.0
    name, arity, symbol = "multiclass_hinge", 2, "hinge"

    def __post_init__(self):
        self._check("margin", partial(checks.positive_number, allow_zero=True))

    def _violations(self, scores, labels):
        """The margins sᵢⱼ - sᵢ,yᵢ + Δ, 0 at j = yᵢ (the label's own margin does not count),
        and the one-hot mask of the labels."""
        hot = _one_hot(labels, scores.shape[-1])
        label_scores = np.sum(np.where(hot, scores, 0.0), axis=-1, keepdims=True)
        return np.where(hot, 0.0, scores - label_scores + self.margin), hot

    def forward(self, scores, labels):
        labels = _checked_labels(self.name, scores, labels)
        margins, _ = self._violations(scores, labels)
        return np.sum(np.maximum(margins, 0.0)) / max(labels.size, 1)

    def backward(self, grad, out, scores, labels):  # forward checked these very labels
        return self.pattern(scores, labels) * (grad / max(labels.size, 1)), np.zeros_like(labels)

    def pattern(self, scores, labels):
        """1 at each violated margin, minus the row's number of violations at its label."""
        margins, hot = self._violations(scores, labels)
        violated = (margins > 0).astype(scores.dtype)
        return np.where(hot, -np.sum(violated, axis=-1, keepdims=True), violated)

    def backward_graph(self, ops, grad, out, scores, labels):
        mask = ops.apply(HingeMaskGate(margin=self.margin), scores, labels)
        return mask * (grad / ops.size(labels)), None


@dataclass(frozen=True, eq=False)
class HingeMaskGate(ZeroGradientGate):
    """The multiclass hinge loss's gradient pattern f(s, y): 1 where a margin (Δ = `margin`)
    is violated, minus the row's count of violations at the label. Gradient 0."""

    margin: float = 1.0
    name, arity, symbol = "hinge_mask", 2, "hinge mask"

    def __post_init__(self):
        self._check("margin", partial(checks.positive_number, allow_zero=True))

    def forward(self, scores, labels):
        labels = _checked_labels(self.name, scores, labels)
        return MulticlassHingeGate(margin=self.margin).pattern(scores, labels)


def _checked_targets(gate: str, targets):
    """`targets`, checked to lie in [0, 1]: at once, or block by block for lazy arrays."""
    map_blocks = getattr(targets, "map_blocks", None)
    if map_blocks is not None:
        return map_blocks(_check_targets, gate, dtype=targets.dtype)
    return _check_targets(targets, gate)


def _check_targets(targets, gate: str):
    """`targets` if they all lie in [0, 1], else a DataError."""
    if np.any((targets < 0) | (targets > 1)):
        raise DataError(
            f"gate {gate!r}: targets must lie in [0, 1] (probabilities or 0/1 labels); "
            f"found values from {float(np.min(targets)):g} to {float(np.max(targets)):g}."
        )
    return targets


def _shape(value) -> tuple[int, ...]:
    """The shape of a value (a Python-float constant has shape ())."""
    return getattr(value, "shape", ())


class BinaryCrossEntropyGate(Gate):
    """f(z, t) = (1/n) Σ [-t log σ(z) - (1 - t) log(1 - σ(z))], from logits z, targets t ∈ [0, 1].

    Computed as max(z, 0) - z·t + log(1 + e^-|z|), which never overflows.
    Backward: df/dz = (σ(z) - t)/n, df/dt = -z/n.
    """

    name, arity, symbol = "binary_cross_entropy", 2, "BCE"

    def forward(self, logits, targets):
        targets = _checked_targets(self.name, targets)
        losses = np.maximum(logits, 0.0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
        return np.mean(losses)

    def backward(self, grad, out, logits, targets):
        diff = stable_sigmoid(logits) - targets  # of the broadcast shape, which both gradients take
        scale = grad / max(math.prod(_shape(diff)), 1)
        return diff * scale, np.zeros_like(diff) - logits * scale

    def backward_graph(self, ops, grad, out, logits, targets):
        diff = ops.sigmoid(logits) - targets
        scale = grad / ops.size(diff)
        return ops.sum_to(diff * scale, logits), ops.sum_to(ops.broadcast_to(-logits * scale, diff), targets)


@dataclass(frozen=True, eq=False)
class L2PenaltyGate(Gate):
    """The L2 (weight decay) penalty f(W) = λ Σ W², λ = `lam`. Backward: df/dW = 2λW."""

    lam: float = 1.0
    name, arity, symbol = "l2", 1, "λΣW²"

    def __post_init__(self):
        self._check("lam", partial(checks.positive_number, allow_zero=True))

    def forward(self, weights):
        return self.lam * np.sum(weights * weights)

    def backward(self, grad, out, weights):
        return (grad * (2.0 * self.lam) * weights,)

    def backward_graph(self, ops, grad, out, weights):
        return (grad * (2.0 * self.lam) * weights,)

    def label(self) -> str:
        return f"{self.lam:g}·ΣW²"
