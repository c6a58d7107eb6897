"""Linear regression with a dense layer and gf.fit: recover known coefficients.

The data are noiseless, y = X @ [2, -3.5, 0.5] + 4 for 200 random rows X; the model is one
dense layer without activation (ŷ = X @ W + b) and the loss the mean squared error.
Mini-batch SGD (learning rate 0.1, batches of 20, 60 epochs) recovers the coefficients.

Expected output: W = [2, -3.5, 0.5] and b = 4 to within 1e-6, the final training loss
below 1e-12, and out/linear_regression_history.png with the loss curve.

    python examples/train_linear_regression.py [--out out]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import gateflow as gf

TRUE_W, TRUE_B = np.array([2.0, -3.5, 0.5]), 4.0


def main(argv: list[str] | None = None) -> gf.History:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out", help="folder for the plot (default ./out)")
    parser.add_argument("--epochs", type=int, default=60)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    Y = (X @ TRUE_W + TRUE_B).reshape(-1, 1)

    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    layer = gf.dense(x, 3, 1, name="linear")
    loss = gf.mse(layer.output, y, name="mse")
    history = gf.fit(loss, {x: X, y: Y}, optimizer=gf.SGD(g, lr=0.1), epochs=args.epochs, batch_size=20)

    print(f"true W = {TRUE_W}, b = {TRUE_B}")
    print(f"fit  W = {layer.W.value.ravel()}, b = {layer.b.value}")
    print(f"largest error {np.max(np.abs(layer.W.value.ravel() - TRUE_W)):.1e}; final loss {history['loss'][-1]:.2e}")
    path = history.plot(Path(args.out) / "linear_regression_history.png", title="linear regression")
    print(f"loss curve: {path}")
    return history


if __name__ == "__main__":
    main()
