"""The handwritten-digit classifier: scikit-learn's bundled 8×8 digits (offline), an MLP,
softmax cross-entropy + L2, early stopping on a validation split, a held-out test split.

Used by ``gateflow train`` and ``examples/train_digits.py``; scikit-learn is an optional
dependency (``pip install gateflow[examples]``), imported only here.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gateflow.errors import ConfigError
from gateflow.engine.graph import Graph, Node
from gateflow.files.graphfile import save as save_graph
from gateflow.training.losses import l2, softmax_cross_entropy
from gateflow.training.layers import mlp
from gateflow.training.optimizers import make_optimizer
from gateflow.training.fit import History, evaluate, fit, predict

CLASSES = 10


@dataclass(frozen=True)
class DigitsConfig:
    """The recipe; the defaults reach about 98% test accuracy in a few seconds."""

    hidden: tuple[int, ...] = (128, 64)
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float = 1e-3
    lam: float = 1e-3
    epochs: int = 100
    batch_size: int = 32
    patience: int | None = 10
    seed: int = 0
    test_size: float = 0.2
    validation_size: float = 0.1


@dataclass
class Digits:
    """Standardized features (one 64-pixel image per row) and labels of the three splits."""

    splits: dict[str, tuple[np.ndarray, np.ndarray]]
    mean: np.ndarray
    scale: np.ndarray


@dataclass
class DigitsResult:
    """What training produced: the graph, its nodes, the history and the test metrics."""

    config: DigitsConfig
    graph: Graph
    nodes: dict[str, Node]
    history: History
    test: dict[str, float]
    confusion: np.ndarray
    files: dict[str, Path] = field(default_factory=dict)


def load(seed: int = 0, test_size: float = 0.2, validation_size: float = 0.1) -> Digits:
    """The 1797 digits split (stratified, seeded) into train / validation / test, with the
    pixels standardized by the training split's statistics: (x - mean) / (std + 1), the +1
    keeping always-blank pixels at 0."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:  # pragma: no cover - depends on the installation
        raise ConfigError(
            "the digits data come with scikit-learn: pip install 'gateflow[examples]'."
        ) from None
    X, y = load_digits(return_X_y=True)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, test_size=validation_size, random_state=seed, stratify=y_rest
    )
    mean, scale = X_train.mean(axis=0), X_train.std(axis=0) + 1.0
    splits = {
        name: ((features - mean) / scale, labels.astype(np.float64))
        for name, (features, labels) in
        {"train": (X_train, y_train), "validation": (X_val, y_val), "test": (X_test, y_test)}.items()
    }
    return Digits(splits, mean, scale)


def build(config: DigitsConfig, features: int = 64) -> dict[str, Node]:
    """The classifier graph: scores = MLP(x), loss = softmax CE(scores, y) + λ Σ W²."""
    g = Graph()
    x, y = g.input("x"), g.input("y")
    net = mlp(x, [features, *config.hidden, CLASSES], activation=config.activation, seed=config.seed)
    data_loss = softmax_cross_entropy(net.output, y, name="cross_entropy")
    loss = data_loss + l2(*net.weights, lam=config.lam) if config.lam else data_loss
    return {"x": x, "y": y, "scores": net.output, "loss": loss}


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = CLASSES) -> np.ndarray:
    """counts[true, predicted]."""
    counts = np.zeros((classes, classes), dtype=int)
    np.add.at(counts, (labels.astype(int), predicted.astype(int)), 1)
    return counts


def format_confusion(counts: np.ndarray) -> str:
    """The confusion matrix as text: rows are true digits, columns predicted ones."""
    width = max(3, len(str(counts.max())) + 1)
    header = "true\\pred" + "".join(f"{c:>{width}}" for c in range(len(counts)))
    rows = [f"{r:>9}" + "".join(f"{v:>{width}}" for v in row) for r, row in enumerate(counts)]
    return "\n".join([header, *rows])


def train(config: DigitsConfig = DigitsConfig(), progress: bool | None = None, compile: bool = True) -> DigitsResult:  # noqa: A002
    """Load the data, build the classifier, fit it (compiled, unless ``compile=False``) and
    measure it on the test split."""
    data = load(config.seed, config.test_size, config.validation_size)
    nodes = build(config, features=data.splits["train"][0].shape[1])
    x, y, scores, loss = nodes["x"], nodes["y"], nodes["scores"], nodes["loss"]
    feeds = {name: {x: features, y: labels} for name, (features, labels) in data.splits.items()}
    history = fit(
        loss, feeds["train"], validation=feeds["validation"],
        optimizer=make_optimizer(config.optimizer, loss.graph, config.lr),
        epochs=config.epochs, batch_size=config.batch_size, patience=config.patience,
        accuracy=(scores, y), seed=config.seed, progress=progress, compile=compile,
    )
    test = evaluate(loss, feeds["test"], accuracy=(scores, y))
    X_test, y_test = data.splits["test"]
    predicted = np.argmax(predict(scores, {x: X_test}), axis=1)
    return DigitsResult(config, loss.graph, nodes, history, test, confusion_matrix(y_test, predicted))


def save(result: DigitsResult, folder: str | Path) -> dict[str, Path]:
    """Write the loss/accuracy plot, the trained model (a graph file) and the metrics."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "plot": result.history.plot(folder / "digits_history.png", title="8×8 digits MLP"),
        "model": save_graph(result.graph, folder / "digits_model.json"),
        "metrics": folder / "digits_metrics.json",
    }
    summary: dict[str, Any] = {
        "config": asdict(result.config), "test": result.test,
        "confusion": result.confusion.tolist(), "history": result.history.to_dict(),
    }
    files["metrics"].write_text(json.dumps(summary, indent=1), encoding="utf-8")
    result.files = files
    return files
