"""Loss gates: mean squared error, softmax cross-entropy, multiclass hinge, binary
cross-entropy, and the L2 penalty that regularizes weights.

Data losses average over samples (N = the number of labels or elements), so a loss's
scale does not depend on the batch size. Class labels arrive as float64 arrays (every
gateflow value does) and must hold whole numbers 0..C-1; their gradient is 0, since the
loss is piecewise constant in them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.special import expit

from gateflow import checks
from gateflow.errors import DataError
from gateflow.gates.base import Gate


def _class_indices(gate: str, scores, labels) -> np.ndarray:
    """`labels` as integer class indices into the last axis of `scores`, checked."""
    if np.ndim(scores) == 0:
        raise ValueError("the scores must have a class axis (the last one), not be a scalar")
    labels = np.asarray(labels)
    if labels.shape != scores.shape[:-1]:
        raise ValueError(
            f"labels of shape {labels.shape} do not match scores of shape {scores.shape}: "
            f"give one class index per row, shape {scores.shape[:-1]}"
        )
    classes = scores.shape[-1]
    # Written so that NaN fails the range test before the cast to integers.
    if labels.size and not (labels.min() >= 0 and labels.max() <= classes - 1):
        _refuse_labels(gate, labels, classes)
    index = labels.astype(np.intp)
    if np.any(index != labels):
        _refuse_labels(gate, labels, classes)
    return index


def _refuse_labels(gate: str, labels: np.ndarray, classes: int) -> None:
    valid = (labels >= 0) & (labels <= classes - 1) & (labels == np.floor(labels))
    where = tuple(int(i) for i in np.argwhere(~valid)[0])
    raise DataError(
        f"gate {gate!r}: labels must be whole numbers 0..{classes - 1} (one per class of "
        f"the {classes} scores); found {float(labels[where]):g} at position {where}. Fix the "
        "labels, or give the model as many outputs as there are classes."
    )


def _rows(array, index):
    """`array` as rows of classes, and the (row, label) positions to pick from it."""
    flat = array.reshape(-1, array.shape[-1])
    return flat, (np.arange(len(flat)), index.reshape(-1))


def _pick(scores, index):
    """Each row's score at its label, with a length-1 class axis: scores[..., index]."""
    flat, at = _rows(scores, index)
    return flat[at].reshape(index.shape + (1,))


def _log_softmax(scores):
    """log softmax over the last axis via log-sum-exp: the row maximum is subtracted first."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


class MSELossGate(Gate):
    """f(p, t) = (1/n) Σ (p - t)² over all n elements. Backward: df/dp = 2(p - t)/n = -df/dt."""

    name, arity, symbol = "mse", 2, "MSE"

    def forward(self, pred, target):
        return np.mean((pred - target) ** 2)

    def backward(self, grad, out, pred, target):
        diff = pred - target
        gp = grad * (2.0 / max(diff.size, 1)) * diff
        return gp, -gp


class SoftmaxCrossEntropyGate(Gate):
    """f(z, y) = (1/N) Σᵢ [log Σⱼ exp zᵢⱼ - zᵢ,yᵢ]: the mean of -log softmax(zᵢ)[yᵢ].

    Scores z of shape (..., C), labels y of shape (...). Computed through log-sum-exp (the
    row maximum is subtracted first), so logits of ±1000 neither overflow nor lose the
    answer. Backward: df/dzᵢⱼ = (softmax(zᵢ)ⱼ - [j = yᵢ]) / N; df/dy = 0.
    """

    name, arity, symbol = "softmax_cross_entropy", 2, "softmax CE"

    def forward(self, scores, labels):
        index = _class_indices(self.name, scores, labels)
        return -np.mean(_pick(_log_softmax(scores), index))

    def backward(self, grad, out, scores, labels):
        index = labels.astype(np.intp)  # forward checked these very labels
        probs = np.exp(_log_softmax(scores))
        flat, at = _rows(probs, index)
        flat[at] -= 1.0  # flat is a view of probs
        return probs * (grad / max(index.size, 1)), np.zeros_like(labels)


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

    def _violations(self, scores, index):
        margins = scores - _pick(scores, index) + self.margin
        flat, at = _rows(margins, index)
        flat[at] = 0.0  # the label's own margin does not count
        return margins

    def forward(self, scores, labels):
        index = _class_indices(self.name, scores, labels)
        return np.sum(np.maximum(self._violations(scores, index), 0.0)) / max(index.size, 1)

    def backward(self, grad, out, scores, labels):
        index = labels.astype(np.intp)  # forward checked these very labels
        violated = (self._violations(scores, index) > 0).astype(np.float64)
        flat, at = _rows(violated, index)
        flat[at] = -flat.sum(axis=-1)
        return violated * (grad / max(index.size, 1)), np.zeros_like(labels)


class BinaryCrossEntropyGate(Gate):
    """f(z, t) = (1/n) Σ [-t log σ(z) - (1 - t) log(1 - σ(z))], from logits z, targets t ∈ [0, 1].

    Computed as max(z, 0) - z·t + log(1 + e^-|z|), which never overflows.
    Backward: df/dz = (σ(z) - t)/n, df/dt = -z/n.
    """

    name, arity, symbol = "binary_cross_entropy", 2, "BCE"

    def forward(self, logits, targets):
        if np.any((targets < 0) | (targets > 1)):
            raise DataError(
                f"gate {self.name!r}: targets must lie in [0, 1] (probabilities or 0/1 labels); "
                f"found values from {float(np.min(targets)):g} to {float(np.max(targets)):g}."
            )
        losses = np.maximum(logits, 0.0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))
        return np.mean(losses)

    def backward(self, grad, out, logits, targets):
        error = expit(logits) - targets  # of the broadcast shape, which both gradients take
        scale = grad / max(error.size, 1)
        return error * scale, np.zeros_like(error) - logits * scale


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

    def label(self) -> str:
        return f"{self.lam:g}·ΣW²"
