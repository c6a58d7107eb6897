"""Layers: helpers that add dense layers and multilayer perceptrons to a graph.

Batch layout: one sample per row. A layer maps X of shape (N, in) to
activation(X @ W + b) of shape (N, out), with W of shape (in, out) and b of shape (out,)
broadcast over the rows. A layer is nothing but parameters and gates in the graph
(``{name}.W``, ``{name}.b``, ``{name}.xW``, ``{name}.z`` and the activation), so it renders,
checks and trains like any other part of a graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from gateflow import gates as G
from gateflow.engine import ops
from gateflow.checks import positive_int
from gateflow.errors import ConfigError
from gateflow.engine.graph import Node
from gateflow.training.initializers import Initializer, initializer

Activation = str | Callable[[Node], Node] | None

ACTIVATIONS: dict[str, Callable[..., Node]] = {"relu": ops.relu, "tanh": ops.tanh, "sigmoid": ops.sigmoid}


@dataclass(frozen=True)
class Dense:
    """The nodes of one dense layer: ``output = activation(x @ W + b)``."""

    W: Node
    b: Node | None
    output: Node

    @property
    def parameters(self) -> tuple[Node, ...]:
        return (self.W,) if self.b is None else (self.W, self.b)


@dataclass(frozen=True)
class MLP:
    """A stack of dense layers; `output` is the last layer's output."""

    layers: tuple[Dense, ...]

    @property
    def output(self) -> Node:
        return self.layers[-1].output

    @property
    def weights(self) -> tuple[Node, ...]:
        """The weight matrices (what an L2 penalty usually covers; biases are left out)."""
        return tuple(layer.W for layer in self.layers)

    @property
    def parameters(self) -> tuple[Node, ...]:
        return tuple(p for layer in self.layers for p in layer.parameters)


def _activation(activation: Activation, prefix: str) -> Callable[[Node], Node]:
    """The function applying `activation` to a layer's pre-activation z."""
    if activation is None or activation == "linear":
        return lambda z: z
    if callable(activation):
        return activation
    try:
        function = ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown activation {activation!r} for layer {prefix!r}; use one of "
            f"{sorted(ACTIVATIONS)}, 'linear', None or a function node -> node."
        ) from None
    return lambda z: function(z, name=f"{prefix}.{activation}")


def _free_prefix(graph, stem: str) -> str:
    """The first of stem1, stem2, ... that no layer of `graph` uses yet."""
    k = 1
    while f"{stem}{k}.W" in graph:
        k += 1
    return f"{stem}{k}"


def dense(
    x: Node,
    in_features: int,
    out_features: int,
    activation: Activation = None,
    *,
    init: str | Initializer | None = None,
    seed: int | np.random.Generator = 0,
    bias: bool = True,
    name: str | None = None,
) -> Dense:
    """Add a dense layer ``activation(x @ W + b)`` fed by `x` (rows are samples).

    `activation` is ``"relu"``, ``"tanh"``, ``"sigmoid"``, None (linear) or a function of a
    node. `init` names an initialiser (default: ``"he"`` for ReLU, else ``"xavier"``), drawn
    from `seed` (an int or a numpy Generator); biases start at zero. Parameters are named
    ``{name}.W`` and ``{name}.b`` (default name: dense1, dense2, ...).
    """
    if not isinstance(x, Node):
        raise ConfigError(f"a layer is fed by a graph node (e.g. graph.input('x')), not {type(x).__name__}.")
    fan_in = positive_int(in_features, "in_features")
    fan_out = positive_int(out_features, "out_features")
    graph = x.graph
    prefix = name or _free_prefix(graph, "dense")
    init_fn = initializer(init or ("he" if activation == "relu" else "xavier"))
    activate = _activation(activation, prefix)  # settings are checked before the graph changes
    weights = np.asarray(init_fn(np.random.default_rng(seed), fan_in, fan_out), dtype=np.float64)
    if weights.shape != (fan_in, fan_out):
        raise ConfigError(
            f"the initialiser of layer {prefix!r} returned shape {weights.shape}; it must return "
            f"(fan_in, fan_out) = {(fan_in, fan_out)}."
        )
    W = graph.param(f"{prefix}.W", weights)
    z = graph.gate(G.MatMulGate(), x, W, name=f"{prefix}.xW")
    b = None
    if bias:
        b = graph.param(f"{prefix}.b", np.zeros(fan_out))
        z = graph.gate(G.AddGate(), z, b, name=f"{prefix}.z")
    return Dense(W, b, activate(z))


def mlp(
    x: Node,
    sizes: Sequence[int],
    activation: Activation = "relu",
    output_activation: Activation = None,
    *,
    init: str | Initializer | None = None,
    seed: int | np.random.Generator = 0,
    name: str = "mlp",
) -> MLP:
    """Add a multilayer perceptron with layer widths `sizes` = [inputs, hidden..., outputs].

    Hidden layers use `activation`, the last one `output_activation` (None: raw scores, what
    the losses expect). Layer k's parameters are ``{name}.{k}.W`` and ``{name}.{k}.b``; all
    layers draw their initial weights from one generator seeded by `seed`.
    """
    sizes = [positive_int(s, "every layer size") for s in sizes]
    if len(sizes) < 2:
        raise ConfigError(
            f"an MLP needs at least two sizes (inputs and outputs), got {sizes!r}; "
            "e.g. gf.mlp(x, [64, 128, 10])."
        )
    rng = np.random.default_rng(seed)
    layers, h = [], x
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        last = k == len(sizes) - 1
        layer = dense(
            h, fan_in, fan_out, output_activation if last else activation,
            init=init, seed=rng, name=f"{name}.{k}",
        )
        layers.append(layer)
        h = layer.output
    return MLP(tuple(layers))
