"""XOR learned by one hidden layer, with its decision boundary drawn as a PNG.

No straight line separates XOR's classes, so a linear model cannot learn it; one hidden
layer of 4 tanh units can (the universal-approximation point: one hidden layer bends the
boundary as needed). The output is one logit, trained with binary cross-entropy by Adam
(learning rate 0.05, the four points as one batch, 300 epochs).

Expected output: probabilities close to 0, 1, 1, 0 for (0,0), (0,1), (1,0), (1,1),
accuracy 4/4, and out/xor_decision_boundary.png: the plane coloured by P(class 1), the
boundary (P = 0.5) curving around the two classes.

    python examples/train_xor.py [--out out]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from scipy.special import expit

import gateflow as gf
from gateflow.training.plots import new_figure, save_figure

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def plot_boundary(net_output: gf.Node, x: gf.Node, path: Path) -> Path:
    grid = np.linspace(-0.5, 1.5, 201)
    gx, gy = np.meshgrid(grid, grid)
    probability = expit(gf.predict(net_output, {x: np.column_stack([gx.ravel(), gy.ravel()])}))
    figure = new_figure(5, 4.5)
    axes = figure.subplots()
    filled = axes.contourf(gx, gy, probability.reshape(gx.shape), levels=20, cmap="RdBu_r", alpha=0.8)
    axes.contour(gx, gy, probability.reshape(gx.shape), levels=[0.5], colors="black")
    figure.colorbar(filled, ax=axes, label="P(class 1)")
    axes.scatter(X[:, 0], X[:, 1], c=Y.ravel(), cmap="RdBu_r", edgecolors="black", s=120)
    axes.set_title("XOR: one hidden layer of 4 tanh units")
    return save_figure(figure, path)


def main(argv: list[str] | None = None) -> np.ndarray:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out", help="folder for the plot (default ./out)")
    args = parser.parse_args(argv)

    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    net = gf.mlp(x, [2, 4, 1], activation="tanh", seed=1)
    loss = gf.binary_cross_entropy(net.output, y)
    history = gf.fit(
        loss, {x: X, y: Y}, optimizer=gf.Adam(g, lr=0.05), epochs=300, batch_size=4,
        accuracy=(net.output, y), progress=False,
    )
    probability = expit(gf.predict(net.output, {x: X})).ravel()
    for point, p in zip(X, probability):
        print(f"XOR{tuple(int(v) for v in point)} -> P(1) = {p:.3f}")
    print(f"accuracy {history['accuracy'][-1]:.0%} after {history.epochs} epochs, loss {history['loss'][-1]:.4f}")
    print(f"decision boundary: {plot_boundary(net.output, x, Path(args.out) / 'xor_decision_boundary.png')}")
    return probability


if __name__ == "__main__":
    main()
