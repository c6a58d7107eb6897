"""The training loop: `fit` a graph's loss over mini-batches, `evaluate` and `predict`.

Data are dicts mapping input nodes (or their names) to arrays with one sample per row.
Each epoch visits every training row once, in an order shuffled by `seed`; each batch is
one forward pass, one backward pass limited to the trained parameters, and one optimizer
step. A `History` records the metrics of every epoch.

Data larger than memory come as dask arrays, and the same loop runs them out of core:
a batch is a lazy slice of whole row blocks (chunks); its forward and backward build dask
graphs through the very same gates, and one ``dask.compute`` per step evaluates the loss
and the parameters' gradients block by block, in parallel on the workers, combining the
blocks' sums (the losses are means over the batch, so each block counts by its rows).
Only the loss and the gradients, small numpy arrays, come back to the client, where the
optimizer updates the parameters: they stay numpy arrays on the client and reach the
workers inside each step's task graph. The active ``dask.distributed.Client`` is used if there is one, else dask's local scheduler.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from gateflow.checks import positive_int, positive_number
from gateflow.errors import ConfigError, DataError, GateflowError, TrainingError
from gateflow.engine.graph import Graph, Node
from gateflow.engine.lazy import compute, is_lazy
from gateflow.engine.values import UnknownShapeError, foreign_value, is_foreign_array
from gateflow.training.optimizers import Adam, Optimizer

Data = Mapping[Any, Any]


@dataclass
class History:
    """The metrics of each epoch (``history["loss"]``, ``history["val_accuracy"]``, ...).

    `best_epoch` is the (1-based) epoch whose parameters early stopping kept, and
    `stopped_early` says whether it ended training before the last epoch.
    """

    metrics: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int | None = None
    stopped_early: bool = False
    seconds: float = 0.0

    def __getitem__(self, key: str) -> list[float]:
        return self.metrics[key]

    def __contains__(self, key: str) -> bool:
        return key in self.metrics

    @property
    def epochs(self) -> int:
        return len(self.metrics.get("loss", ()))

    def record(self, values: Mapping[str, float]) -> None:
        for key, value in values.items():
            self.metrics.setdefault(key, []).append(float(value))

    def to_dict(self) -> dict[str, Any]:
        """The history as JSON data."""
        return {
            "metrics": self.metrics, "best_epoch": self.best_epoch,
            "stopped_early": self.stopped_early, "seconds": self.seconds,
        }

    def plot(self, path: str | Path, title: str | None = None) -> Path:
        """Save the loss (and accuracy) curves, train vs validation, as an image (PNG)."""
        from gateflow.training.plots import plot_history

        return plot_history(self, path, title=title)


def _arrays(graph: Graph, data: Data, what: str) -> dict[str, Any]:
    """The data as float arrays keyed by input name, checked to have equal row counts.

    numpy arrays keep a float dtype (others become float64); dask arrays stay lazy, with
    their feature axes joined into one chunk so that each block holds whole rows.
    """
    if not isinstance(data, Mapping) or not data:
        raise DataError(f"the {what} must be a dict mapping input nodes to arrays, not {data!r}.")
    arrays = {}
    for key, value in data.items():
        name = graph[key].name
        if graph[name].kind != "input":
            raise DataError(f"the {what} feed {name!r}, a {graph[name].kind}; only inputs take data.")
        try:
            array = _float_array(value)
        except UnknownShapeError as exc:
            raise DataError(f"the {what} for {name!r} cannot be used: {exc}.") from None
        except (TypeError, ValueError) as exc:
            raise DataError(f"the {what} for {name!r} are not numbers: {exc}.") from None
        if array.ndim == 0 or len(array) == 0:
            raise DataError(f"the {what} for {name!r} must hold at least one row (sample).")
        arrays[name] = array
    rows = {name: len(a) for name, a in arrays.items()}
    if len(set(rows.values())) != 1:
        raise DataError(
            f"the {what} must have one row per sample in every array; row counts differ: "
            + ", ".join(f"{name!r} {count}" for name, count in rows.items()) + "."
        )
    return arrays


def _float_array(value: Any) -> Any:
    if is_foreign_array(value):
        array = foreign_value(value)
        if is_lazy(array) and array.ndim > 1:
            array = array.rechunk({axis: -1 for axis in range(1, array.ndim)})
        return array
    array = np.asarray(value)
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def _correct(scores: Any, labels: Any) -> Any:
    """How many rows' predicted class equals the label (a single score column: score > 0);
    lazy (a dask scalar) for dask arrays."""
    if scores.ndim == 1 or scores.shape[-1] == 1:
        predicted = np.reshape(scores, labels.shape) > 0
    else:
        predicted = np.argmax(scores, axis=-1)
    return np.count_nonzero(predicted == labels)


def _row_spans(arrays: dict[str, Any], batch_size: int) -> list[tuple[int, int]] | None:
    """For dask data, the batches as row ranges: consecutive whole row blocks (chunks) of the
    largest array, the fewest that hold at least `batch_size` rows. None for numpy data."""
    lazy = [a for a in arrays.values() if is_lazy(a)]
    if not lazy:
        return None
    spans, start, stop = [], 0, 0
    for rows in max(lazy, key=lambda a: a.size).chunks[0]:
        stop += rows
        if stop - start >= batch_size:
            spans.append((start, stop))
            start = stop
    if stop > start:
        spans.append((start, stop))
    return spans


def _compute(values: list[Any], rows: str) -> tuple[Any, ...]:
    """`compute` for the training loop: a failure on the cluster becomes a TrainingError."""
    try:
        return compute(*values)
    except GateflowError:
        raise
    except Exception as exc:
        raise TrainingError(
            f"computing the batch of rows {rows} failed: {type(exc).__name__}: {exc}. If a "
            "dask worker died (KilledWorker), give the workers more memory or make the "
            "row blocks smaller (X.rechunk({0: rows})); the workers' logs tell more."
        ) from exc


def predict(output: Node, data: Data) -> Any:
    """The value of `output` for the whole `data` (one forward pass); for dask data a lazy
    dask array (compute it, or store it block by block, e.g. with ``to_zarr``)."""
    arrays = _arrays(output.graph, data, "data")
    return output.graph.forward(arrays, outputs=[output])[output]


def evaluate(loss: Node, data: Data, accuracy: tuple[Any, Any] | None = None) -> dict[str, float]:
    """The loss (and, given ``accuracy=(scores, labels)``, the accuracy) over all of `data`
    (dask data: computed in one pass over the blocks)."""
    graph = loss.graph
    arrays = _arrays(graph, data, "data")
    outputs = [loss] if accuracy is None else [loss, accuracy[0]]
    run = graph.forward(arrays, outputs=outputs)
    wanted = [run[loss]]
    if accuracy is not None:
        labels = arrays[graph[accuracy[1]].name]
        wanted.append(_correct(run[accuracy[0]], labels))
    values = _compute(wanted, f"0:{len(next(iter(arrays.values())))}")
    metrics = {"loss": float(values[0])}
    if accuracy is not None:
        metrics["accuracy"] = int(values[1]) / len(labels)
    return metrics


def _show_progress(progress: bool | None) -> bool:
    """A bar when asked, or by default when the bar's stream (stderr) is a terminal."""
    if progress is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return bool(progress)


@dataclass
class _EarlyStopping:
    """Watches the validation loss; keeps the parameters of the best epoch."""

    patience: int
    min_delta: float
    best_loss: float = np.inf
    best_epoch: int | None = None
    best_params: dict[str, Any] = field(default_factory=dict)
    waited: int = 0

    def should_stop(self, epoch: int, val_loss: float, graph: Graph, names: tuple[str, ...]) -> bool:
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.waited = val_loss, epoch, 0
            self.best_params = {name: graph.value(name) for name in names}  # immutable values
            return False
        self.waited += 1
        return self.waited >= self.patience


def fit(
    loss: Node,
    data: Data,
    *,
    optimizer: Optimizer | None = None,
    epochs: int = 10,
    batch_size: int = 32,
    validation: Data | None = None,
    accuracy: tuple[Any, Any] | None = None,
    validation_loss: Node | None = None,
    patience: int | None = None,
    min_delta: float = 0.0,
    seed: int = 0,
    shuffle: bool = True,
    progress: bool | None = None,
    compile: bool = True,  # noqa: A002 - the name users know from graph.compile
) -> History:
    """Train the parameters of `loss`'s graph by mini-batch gradient descent.

    `data` maps inputs to arrays with one row per sample; `optimizer` defaults to Adam over
    the graph's trainable parameters. ``accuracy=(scores, labels)`` adds accuracy metrics
    (the argmax of the `scores` node against the `labels` input). With a `validation` set,
    each epoch also records ``val_loss`` (and ``val_accuracy``): the value over the whole
    validation set of `validation_loss` (default `loss`; pass the data loss to leave a
    penalty out). With `patience`, training stops after `patience` epochs without a
    validation loss lower than the best by more than `min_delta`, and the best epoch's
    parameters are restored. The progress bar shows by default only when stderr (where it
    is drawn) is a terminal; ``progress=False`` silences it.

    Each batch's forward and backward run as one compiled step (`graph.compile`), with the
    interpreter's results; ``compile=False`` runs them on the interpreter instead.

    With dask arrays as data, a batch is the fewest consecutive row blocks (chunks) of the
    largest array that hold at least `batch_size` rows, so by default each block is one
    step: choose the batch by the chunking, ``X.rechunk({0: rows})``. Each epoch shuffles
    the order of these batches (``np.random.default_rng(seed).permutation``); rows within
    a batch need no shuffling, its gradient being their sum. Other arrays (y) are sliced to
    the same rows whatever their own chunks, and feature axes are joined into one chunk.
    dask retries the tasks of a worker that dies; to have a cluster left without workers
    fail the step rather than wait for new ones, set dask's
    ``distributed.scheduler.no-workers-timeout`` (e.g. ``"60s"``) before starting it.

    Bad settings or data raise a `GateflowError` (`ConfigError`, `DataError`, `ShapeError`
    ...; a computation that fails on a dask cluster, e.g. workers that keep dying, a
    `TrainingError`), and an error during training restores the parameters and the
    optimizer state that fit started from.
    """
    graph = loss.graph
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    stopper = _early_stopping(patience, min_delta, validation)
    arrays = _arrays(graph, data, "training data")
    val_arrays = None if validation is None else _arrays(graph, validation, "validation data")
    epoch = _Epoch(graph, loss, arrays, batch_size, accuracy, compile)
    val_loss = loss if validation_loss is None else graph[validation_loss]
    optimizer = optimizer if optimizer is not None else Adam(graph)
    if optimizer.graph is not graph:
        raise ConfigError("the optimizer updates the parameters of another graph than the loss's.")

    start_params = {p.name: graph.value(p) for p in graph.parameters()}  # values are immutable
    start_state = optimizer.checkpoint()
    rng = np.random.default_rng(seed)
    history = History()
    began = time.perf_counter()
    with _progress_bar(epochs * epoch.batches, progress) as bar:
        try:
            for number in range(1, epochs + 1):
                bar.set_description(f"epoch {number}/{epochs}")
                metrics = epoch.run(rng if shuffle else None, optimizer, bar)
                if val_arrays is not None:
                    val = evaluate(val_loss, val_arrays, accuracy)
                    metrics.update({f"val_{key}": value for key, value in val.items()})
                history.record(metrics)
                bar.set_postfix({key.replace("accuracy", "acc"): f"{value:.4g}" for key, value in metrics.items()})
                if stopper is not None and stopper.should_stop(number, metrics["val_loss"], graph, optimizer.names):
                    history.stopped_early = number < epochs
                    break
        except GateflowError:
            for name, value in start_params.items():
                graph.set_value(name, value)
            optimizer.rollback(start_state)
            raise
    if stopper is not None:
        history.best_epoch = stopper.best_epoch
        for name, value in stopper.best_params.items():
            graph.set_value(name, value)
    history.seconds = time.perf_counter() - began
    return history


def _early_stopping(patience: int | None, min_delta: float, validation: Data | None) -> _EarlyStopping | None:
    """The early-stopping watcher `patience` asks for (None without one), its settings checked."""
    if patience is None:
        return None
    if validation is None:
        raise ConfigError("early stopping (patience) watches the validation loss: pass validation=...")
    return _EarlyStopping(positive_int(patience, "patience"), positive_number(min_delta, "min_delta", allow_zero=True))


def _progress_bar(total: int, progress: bool | None) -> Any:
    """A tqdm bar over `total` batches on stderr if `_show_progress`, else a stand-in
    that does nothing (and costs nothing per batch)."""
    if not _show_progress(progress):
        return _SilentBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="batch", file=sys.stderr)


class _SilentBar:
    """The progress bar's interface, doing nothing."""

    def __enter__(self) -> _SilentBar:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None

    def update(self, n: int = 1) -> None:
        pass

    def set_description(self, description: str) -> None:
        pass

    def set_postfix(self, postfix: Mapping[str, str]) -> None:
        pass


class _Epoch:
    """One pass over the training rows: a forward, a backward limited to the optimizer's
    parameters and a step per batch, summing the loss (and correct predictions). With dask
    data, one ``dask.compute`` per batch evaluates the loss, the gradients and the count."""

    def __init__(self, graph: Graph, loss: Node, arrays: dict[str, Any], batch_size: int,
                 accuracy: tuple[Any, Any] | None, compiled: bool):
        self.graph, self.loss, self.arrays, self.batch_size = graph, loss.name, arrays, batch_size
        self.compiled = compiled
        self.rows = len(next(iter(arrays.values())))
        self.spans = _row_spans(arrays, batch_size)
        self.batches = -(-self.rows // batch_size) if self.spans is None else len(self.spans)
        self.outputs = [loss]
        self.scores = self.labels = None
        if accuracy is not None:
            self.scores, self.labels = graph[accuracy[0]], graph[accuracy[1]].name
            if self.labels not in arrays:
                raise ConfigError(
                    f"accuracy=(scores, labels) needs the labels {self.labels!r} among the data's inputs."
                )
            self.outputs.append(self.scores)

    def run(self, rng: Any, optimizer: Optimizer, bar: Any) -> dict[str, float]:
        """Train on the batches in the order `rng` shuffles (None: in order); the epoch's
        loss (and accuracy)."""
        total_loss, correct, wrt = 0.0, 0, optimizer.names
        step, loss, scores, labels = self._step(wrt), self.loss, self.scores, self.labels
        lazy = self.spans is not None  # numpy data give numpy values: nothing to compute
        for where, rows, feeds in _batches(self.arrays, self.spans, self.batch_size, rng):
            values, grads = step(feeds)
            batch_loss = values[loss]
            hits = 0 if scores is None else _correct(values[scores], feeds[labels])
            if lazy:
                batch_loss, hits, *computed = _compute([batch_loss, hits, *[grads[name] for name in wrt]], where)
                grads = dict(zip(wrt, computed))
            optimizer.step(grads)
            total_loss += float(batch_loss) * rows
            correct += int(hits)
            bar.update(1)
        metrics = {"loss": total_loss / self.rows}
        if self.scores is not None:
            metrics["accuracy"] = correct / self.rows
        return metrics


    def _step(self, wrt: tuple[str, ...]) -> Any:
        """A batch's forward and backward, ``feeds -> (values, grads)``: the compiled step
        (the graph keeps it, so later fits reuse its code), or the interpreter."""
        if self.compiled:
            return self.graph.compile(self.outputs, wrt=wrt)

        def interpreted(feeds: dict[str, Any]) -> tuple[Any, Any]:
            run = self.graph.forward(feeds, outputs=self.outputs)
            return run, run.backward(self.loss, wrt=wrt)

        return interpreted


def _batches(
    arrays: dict[str, Any], spans: list[tuple[int, int]] | None, batch_size: int, rng: Any
) -> Iterator[tuple[str, dict[str, Any]]]:
    """One epoch's batches, as (which rows, how many, feeds), in an order shuffled by `rng`
    (None: in order).

    numpy data: rows shuffled, `batch_size` at a time. dask data: the `spans` of whole row
    blocks, their order shuffled; each batch is a lazy slice, nothing is materialised.
    """
    if spans is None:
        rows = len(next(iter(arrays.values())))
        order = np.arange(rows) if rng is None else rng.permutation(rows)
        items = list(arrays.items())
        for begin in range(0, rows, batch_size):
            index = order[begin:begin + batch_size]
            end = begin + len(index)
            yield f"{begin}:{end} of the shuffled order", end - begin, {name: a[index] for name, a in items}
        return
    for i in range(len(spans)) if rng is None else rng.permutation(len(spans)):
        start, stop = spans[i]
        yield f"{start}:{stop}", stop - start, {name: a[start:stop] for name, a in arrays.items()}
