"""Optimizers: SGD, SGD with momentum, and Adam, updating a graph's trainable parameters.

``opt.step(grads)`` replaces each parameter's value by its update from a gradient map
(`Gradients`); frozen parameters are never touched. ``opt.state_dict()`` is plain JSON
data (numbers and nested lists) and ``opt.load_state_dict(state)`` restores it exactly.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

import numpy as np

from gateflow.checks import fraction, positive_number
from gateflow.errors import ConfigError
from gateflow.engine.graph import Graph, Node
from gateflow.engine.run import Gradients


class Optimizer:
    """Base class: holds the parameters, the learning rate, the step count and per-parameter
    state slots (e.g. Adam's moments); subclasses implement `_update`."""

    slots: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Graph | Iterable[Node], lr: float):
        if isinstance(params, Graph):
            self.graph, nodes = params, params.parameters(trainable=True)
        else:
            nodes = list(params)
            graphs = {id(p.graph): p.graph for p in nodes if isinstance(p, Node)}
            if len(graphs) != 1 or any(not isinstance(p, Node) or p.kind != "param" for p in nodes):
                raise ConfigError(
                    "an optimizer takes a Graph or parameter nodes of one graph, e.g. "
                    "gf.SGD(graph, lr=0.1) or gf.SGD(net.parameters, lr=0.1)."
                )
            self.graph = next(iter(graphs.values()))
            nodes = [p for p in nodes if self.graph.is_trainable(p)]
        self.params: tuple[Node, ...] = tuple(nodes)
        self.names = tuple(p.name for p in nodes)
        self.lr = lr
        self.t = 0
        self.state: dict[str, dict[str, np.ndarray]] = {slot: {} for slot in self.slots}

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = positive_number(value, "the learning rate lr")

    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr}

    def step(self, grads: Gradients) -> None:
        """Update every trainable parameter from `grads` (all gradients are read first, so a
        missing one leaves everything unchanged)."""
        names = self.names
        gradients = [grads[name] for name in names]
        self.t += 1
        graph, update = self.graph, self._update
        for name, grad in zip(names, gradients):
            graph.set_value(name, update(name, graph.value(name), grad), copy=False)

    def _update(self, name: str, value: np.ndarray, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _slot(self, slot: str, name: str, like: Any) -> np.ndarray:
        """The state array `slot` of parameter `name` (zeros until first used)."""
        state = self.state[slot]
        if name not in state:
            state[name] = np.zeros_like(like)  # the parameter's dtype: float32 stays float32
        return state[name]

    def checkpoint(self) -> tuple[int, dict[str, dict[str, np.ndarray]]]:
        """An in-memory copy of the state for `rollback` (steps update the state arrays in
        place, so they are copied)."""
        return self.t, _copied(self.state)

    def rollback(self, checkpoint: tuple[int, dict[str, dict[str, np.ndarray]]]) -> None:
        """Return to the state a `checkpoint` recorded (which stays valid for another rollback)."""
        self.t, state = checkpoint
        self.state = _copied(state)

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as JSON data: type, hyperparameters, step count, slots."""
        return {
            "optimizer": type(self).__name__,
            "hyperparameters": self.hyperparameters(),
            "t": self.t,
            "state": {
                slot: {name: np.asarray(a).tolist() for name, a in arrays.items()}
                for slot, arrays in self.state.items()
            },
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict()` of an optimizer of the same type over the same parameters."""
        kind = state.get("optimizer") if isinstance(state, dict) else None
        if kind != type(self).__name__:
            raise ConfigError(
                f"this state belongs to a {kind!r} optimizer, not a {type(self).__name__}; "
                "load it into an optimizer of the same type."
            )
        slots = {}
        for slot in self.slots:
            slots[slot] = {}
            for name, values in state["state"].get(slot, {}).items():
                if name not in self.names:
                    raise ConfigError(
                        f"the saved {slot!r} state is for parameter {name!r}, which this "
                        f"optimizer does not train (it trains {list(self.names)})."
                    )
                array = np.array(values, dtype=np.result_type(self.graph.value(name)))
                if array.shape != np.shape(self.graph.value(name)):
                    raise ConfigError(
                        f"the saved {slot!r} state of {name!r} has shape {array.shape}, the "
                        f"parameter {np.shape(self.graph.value(name))}."
                    )
                slots[slot][name] = array
        hyper = dict(state.get("hyperparameters", {}))
        try:
            checked = type(self)(self.params, **hyper)  # validates every hyperparameter
        except TypeError as exc:
            raise ConfigError(f"the saved hyperparameters {hyper} do not fit {type(self).__name__}: {exc}") from None
        for key in hyper:
            setattr(self, key, getattr(checked, key))
        self.t = int(state.get("t", 0))
        self.state = slots

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (heavy-ball) momentum μ:

    plain:     θ ← θ - lr·g
    momentum:  v ← μ·v - lr·g;  θ ← θ + v   (v starts at 0)
    """

    slots = ("velocity",)

    def __init__(self, params: Graph | Iterable[Node], lr: float = 0.01, momentum: float = 0.0):
        super().__init__(params, lr)
        self.momentum = fraction(momentum, "the momentum")

    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "momentum": self.momentum}

    def _update(self, name, value, grad):
        step = np.multiply(grad, self.lr)  # lr·g, a fresh array
        if not self.momentum:
            return np.subtract(value, step, out=step) if _fits(value, step) else value - step
        velocity = self._slot("velocity", name, value)
        if _fits(velocity, step):  # v ← μ·v - lr·g in place: the state is private
            velocity *= self.momentum
            velocity -= step
        else:
            velocity = self.state["velocity"][name] = self.momentum * velocity - step
        return value + velocity


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), at step t:

    m ← β1·m + (1 - β1)·g;   v ← β2·v + (1 - β2)·g²
    θ ← θ - lr · m̂ / (√v̂ + ε),   m̂ = m / (1 - β1ᵗ),  v̂ = v / (1 - β2ᵗ)
    """

    slots = ("m", "v")

    def __init__(
        self, params: Graph | Iterable[Node], lr: float = 1e-3,
        beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
    ):
        super().__init__(params, lr)
        self.beta1 = fraction(beta1, "beta1")
        self.beta2 = fraction(beta2, "beta2")
        self.eps = positive_number(eps, "eps")

    def hyperparameters(self) -> dict[str, float]:
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def _update(self, name, value, grad):
        b1, b2 = self.beta1, self.beta2
        m, v = self._slot("m", name, value), self._slot("v", name, value)
        g1 = np.multiply(grad, 1.0 - b1)  # (1 - β1)·g
        g2 = np.multiply(grad, 1.0 - b2)
        g2 *= grad  # (1 - β2)·g²
        if not (_fits(m, g1) and _fits(v, g2) and _fits(value, g1)):
            m = self.state["m"][name] = b1 * m + g1
            v = self.state["v"][name] = b2 * v + g2
            return value - self.lr * (m / (1.0 - b1**self.t)) / (np.sqrt(v / (1.0 - b2**self.t)) + self.eps)
        m *= b1  # the moments in place: the state is private
        m += g1
        v *= b2
        v += g2
        step = np.divide(m, 1.0 - b1**self.t, out=g1)  # m̂, then lr·m̂ / (√v̂ + ε)
        step *= self.lr
        root = np.divide(v, 1.0 - b2**self.t, out=g2)
        np.sqrt(root, out=root)
        root += self.eps
        step /= root
        return np.subtract(value, step, out=step)


def _fits(target: Any, operand: Any) -> bool:
    """Whether ``target op operand`` may be written into `target` (``out=``) with the numbers
    and dtype of the plain expression: two arrays of one dtype and shape."""
    return (
        type(target) is np.ndarray and type(operand) is np.ndarray
        and target.dtype == operand.dtype and target.shape == operand.shape
    )


def _copied(state: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    return {slot: {name: np.array(a, copy=True) for name, a in arrays.items()} for slot, arrays in state.items()}


OPTIMIZERS = {
    "sgd": lambda params, lr: SGD(params, lr=lr),
    "momentum": lambda params, lr: SGD(params, lr=lr, momentum=0.9),
    "adam": lambda params, lr: Adam(params, lr=lr),
}


def make_optimizer(name: str, params: Graph | Iterable[Node], lr: float) -> Optimizer:
    """An optimizer by name: ``"sgd"``, ``"momentum"`` (SGD, μ = 0.9) or ``"adam"``."""
    try:
        factory = OPTIMIZERS[name]
    except KeyError:
        raise ConfigError(f"unknown optimizer {name!r}; use one of {sorted(OPTIMIZERS)}.") from None
    return factory(params, lr)
