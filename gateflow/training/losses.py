"""Loss functions on graph nodes: each adds one loss gate (see `gateflow.gates.losses`).

    loss = gf.softmax_cross_entropy(logits, y) + gf.l2(*net.weights, lam=1e-4)
"""

from __future__ import annotations

from gateflow import gates as G
from gateflow.checks import positive_number
from gateflow.errors import ConfigError
from gateflow.engine.graph import Node
from gateflow.engine.ops import apply


def mse(pred, target, name: str | None = None) -> Node:
    """The mean squared error (1/n) Σ (pred - target)²."""
    return apply(G.MSELossGate(), pred, target, name=name)


def softmax_cross_entropy(logits, labels, name: str | None = None) -> Node:
    """The mean of -log softmax(logits)[label]: logits (N, C), integer labels (N,) in 0..C-1."""
    return apply(G.SoftmaxCrossEntropyGate(), logits, labels, name=name)


def multiclass_hinge(scores, labels, margin: float = 1.0, name: str | None = None) -> Node:
    """The multiclass SVM loss: the mean over rows of Σ_{j≠y} max(0, s_j - s_y + margin)."""
    return apply(G.MulticlassHingeGate(margin=margin), scores, labels, name=name)


def binary_cross_entropy(logits, targets, name: str | None = None) -> Node:
    """The mean binary cross-entropy of σ(logits) against targets in [0, 1]."""
    return apply(G.BinaryCrossEntropyGate(), logits, targets, name=name)


def l2(*weights: Node, lam: float, name: str | None = None) -> Node:
    """The L2 penalty λ Σ W² summed over every weight node given (one `L2PenaltyGate` each)."""
    if not weights:
        raise ConfigError("l2() needs at least one weight node, e.g. gf.l2(W1, W2, lam=1e-4).")
    gate = G.L2PenaltyGate(lam=positive_number(lam, "the L2 strength lam", allow_zero=True))
    penalty = apply(gate, weights[0], name=name if len(weights) == 1 else None)
    for i, weight in enumerate(weights[1:], 2):
        term = apply(gate, weight)
        penalty = apply(G.AddGate(), penalty, term, name=name if i == len(weights) else None)
    return penalty
