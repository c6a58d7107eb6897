"""``gateflow train``: train the handwritten-digit classifier from the command line."""

from __future__ import annotations

import argparse

from gateflow.hookspecs import hookimpl
from gateflow.training.optimizers import OPTIMIZERS


def _configure(parser: argparse.ArgumentParser) -> None:
    from gateflow.training.digits import DigitsConfig

    d = DigitsConfig()
    parser.add_argument("--epochs", type=int, default=d.epochs, help=f"at most this many epochs (default {d.epochs})")
    parser.add_argument("--lr", type=float, default=d.lr, help=f"learning rate (default {d.lr:g})")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default=d.optimizer, help=f"default {d.optimizer}")
    parser.add_argument(
        "--hidden", type=int, nargs="+", default=list(d.hidden), metavar="SIZE",
        help=f"hidden layer sizes (default {' '.join(map(str, d.hidden))})",
    )
    parser.add_argument("--activation", choices=["relu", "tanh", "sigmoid"], default=d.activation, help=f"default {d.activation}")
    parser.add_argument("--l2", type=float, default=d.lam, help=f"L2 strength λ on the weights (default {d.lam:g})")
    parser.add_argument("--batch-size", type=int, default=d.batch_size, help=f"default {d.batch_size}")
    parser.add_argument(
        "--patience", type=int, default=d.patience,
        help=f"early stopping after this many epochs without a better validation loss; 0 turns it off (default {d.patience})",
    )
    parser.add_argument("--seed", type=int, default=d.seed, help="seed of the split, the initial weights and the shuffling")
    parser.add_argument("-o", "--out", default="out", help="folder for the plot, the model and the metrics (default ./out)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (it shows only in a terminal anyway)")
    parser.add_argument(
        "--no-compile", action="store_true",
        help="run each batch on the interpreter instead of a compiled step (same results, slower)",
    )


def _run(args: argparse.Namespace) -> int:
    from gateflow.training import digits

    config = digits.DigitsConfig(
        hidden=tuple(args.hidden), activation=args.activation, optimizer=args.optimizer,
        lr=args.lr, lam=args.l2, epochs=args.epochs, batch_size=args.batch_size,
        patience=args.patience or None, seed=args.seed,
    )
    result = digits.train(config, progress=False if args.no_progress else None, compile=not args.no_compile)
    files = digits.save(result, args.out)
    history, test = result.history, result.test
    epoch = history.best_epoch or history.epochs
    kept = {key: values[epoch - 1] for key, values in history.metrics.items()}
    print(f"trained {history.epochs} epoch(s) in {history.seconds:.1f} s; the model is that of epoch {epoch}")
    print(
        f"epoch {epoch}: train loss {kept['loss']:.4f}, accuracy {kept['accuracy']:.2%} · "
        f"validation loss {kept['val_loss']:.4f}, accuracy {kept['val_accuracy']:.2%}"
    )
    print(f"test loss {test['loss']:.4f}, test accuracy {test['accuracy']:.2%}\n")
    print(digits.format_confusion(result.confusion), "\n")
    print(f"loss and accuracy curves: {files['plot']}")
    print(f"trained model (graph file): {files['model']}")
    print(f"metrics and history: {files['metrics']}")
    return 0


@hookimpl
def register_commands(register):
    register(
        "train", _configure, _run,
        help="train an MLP on scikit-learn's 8x8 handwritten digits; print test metrics, save plot and model",
    )
