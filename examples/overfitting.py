"""Overfitting made visible, and two cures: L2 regularization and early stopping.

A network far too large for its data (64-256-256-10, ReLU, about 85,000 weights) is
trained on only 100 of the 8×8 digits and validated on 360 others, three ways:

- plain: the training loss goes to about 0 while the validation loss, after a minimum
  at epoch 8, climbs back up: the network memorizes its 100 examples;
- with L2 (λ = 0.01·ΣW²): the penalty keeps the weights small; the validation loss gets
  lower and stays lower;
- with early stopping (patience 10): training stops 10 epochs after the validation
  minimum and restores the weights of the best epoch.

The validation loss is the cross-entropy alone (`validation_loss=`), so the L2 run is
compared without its penalty. Adam, learning rate 3e-3, batches of 20, 100 epochs.

Expected output (about 15 s):
    run              epochs  best val loss  final val loss  final val acc
    plain               100         0.5066          0.5851         84.44%
    L2 λ=0.01           100         0.4287          0.4651         87.50%
    early stopping       18         0.5066          0.5066         85.28%
and out/overfitting.png: the three validation-loss curves side by side in one panel,
the training losses in another.

    python examples/overfitting.py [--out out]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import gateflow as gf
from gateflow.training import digits
from gateflow.training.plots import new_figure, save_figure

RUNS = {"plain": {}, "L2 λ=0.01": {"lam": 0.01}, "early stopping": {"patience": 10}}


def train(train_data, validation, lam: float = 0.0, patience: int | None = None, epochs: int = 100) -> gf.History:
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    net = gf.mlp(x, [64, 256, 256, 10], activation="relu", seed=0)
    data_loss = gf.softmax_cross_entropy(net.output, y)
    loss = data_loss + gf.l2(*net.weights, lam=lam) if lam else data_loss
    feeds = {name: {x: features, y: labels} for name, (features, labels) in
             {"train": train_data, "validation": validation}.items()}
    return gf.fit(
        loss, feeds["train"], validation=feeds["validation"], validation_loss=data_loss,
        optimizer=gf.Adam(g, lr=3e-3), epochs=epochs, batch_size=20, patience=patience,
        accuracy=(net.output, y), progress=False,
    )


def plot(histories: dict[str, gf.History], path: Path) -> Path:
    """Validation loss of the three runs together (left), their training loss (right)."""
    figure = new_figure(11, 4.2)
    validation, training = figure.subplots(1, 2)
    for name, history in histories.items():
        epochs = np.arange(1, history.epochs + 1)
        (line,) = validation.plot(epochs, history["val_loss"], label=name)
        training.plot(epochs, history["loss"], label=name, color=line.get_color())
        if history.best_epoch:
            validation.plot(history.best_epoch, history["val_loss"][history.best_epoch - 1], "o",
                            color=line.get_color(), label=f"{name}: restored epoch")
    validation.set_title("validation loss (cross-entropy)")
    training.set_title("training loss (with the L2 penalty where used)")
    training.set_yscale("log")
    for axes in (validation, training):
        axes.set_xlabel("epoch")
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle("a 64-256-256-10 network on 100 training digits")
    return save_figure(figure, path)


def main(argv: list[str] | None = None) -> dict[str, gf.History]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out", help="folder for the plot (default ./out)")
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args(argv)

    data = digits.load(seed=0)
    X, Y = data.splits["train"]
    small = (X[:100], Y[:100])
    histories = {name: train(small, data.splits["test"], epochs=args.epochs, **options) for name, options in RUNS.items()}
    print(f"{'run':<16} {'epochs':>6} {'best val loss':>14} {'final val loss':>15} {'final val acc':>14}")
    for name, h in histories.items():
        final = h.best_epoch or h.epochs  # early stopping restored its best epoch
        print(
            f"{name:<16} {h.epochs:>6} {min(h['val_loss']):>14.4f} "
            f"{h['val_loss'][final - 1]:>15.4f} {h['val_accuracy'][final - 1]:>14.2%}"
        )
    print(f"curves: {plot(histories, Path(args.out) / 'overfitting.png')}")
    return histories


if __name__ == "__main__":
    main()
