"""Training plots saved as images. matplotlib is imported only when a plot is drawn, and
through its object-oriented API (no pyplot, no global backend change; PNG via Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateflow.training.fit import History


def new_figure(width: float, height: float):
    """A matplotlib Figure that renders off-screen (import deferred until needed)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def save_figure(figure, path: str | Path) -> Path:
    """Write `figure` to `path` (format from the suffix), creating the folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    return path


def plot_history(history: History, path: str | Path, title: str | None = None) -> Path:
    """Loss curves, and accuracy curves when recorded: train vs validation, per epoch."""
    panels = [m for m in ("loss", "accuracy") if m in history]
    figure = new_figure(5.5 * len(panels), 4)
    epochs = range(1, history.epochs + 1)
    for axes, metric in zip(figure.subplots(1, len(panels), squeeze=False)[0], panels):
        axes.plot(epochs, history[metric], label=f"train {metric}")
        if f"val_{metric}" in history:
            axes.plot(epochs, history[f"val_{metric}"], label=f"validation {metric}")
        if history.best_epoch is not None:
            axes.axvline(history.best_epoch, color="gray", linestyle=":", label="best epoch")
        values = [v for key in (metric, f"val_{metric}") if key in history for v in history[key]]
        if metric == "loss" and min(values) > 0 and max(values) > 1e3 * min(values):
            axes.set_yscale("log")
        axes.set_xlabel("epoch")
        axes.set_ylabel(metric)
        axes.grid(alpha=0.3)
        axes.legend()
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)
