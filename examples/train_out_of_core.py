"""Logistic regression on a data set larger than the process may hold, on a dask cluster.

The data are synthetic and lazy: X (rows × features, standard normal) and the labels
y = [X @ w + noise > 0] are generated block by block by dask, on the workers, whenever a
batch needs them; no process ever holds the whole data set. The default, 8,000,000 × 64
float64, is 4.1 GB, while this process limits itself to 2 GiB of address space
(`--client-memory`) and each worker to 2 GiB (`--worker-memory`, enforced by dask).

gf.fit trains one dense layer (ŷ = σ(X @ W + b)) with the binary cross-entropy and Adam:
each step takes `--batch-rows` rows, whole blocks of `--chunk-rows`, whose losses and
gradients the workers compute in parallel and dask sums; the parameters, 65 numbers, stay
on this process. It prints the loss and accuracy of each
epoch, the accuracy on a held-out set, rows per second and the peak memory of this process
and of each worker.

    python examples/train_out_of_core.py [--rows 8000000] [--features 64] [--epochs 3]
    python examples/train_out_of_core.py --rows 200000          # a quick run
    python examples/train_out_of_core.py --scheduler tcp://host:8786   # an existing cluster
"""

from __future__ import annotations

import argparse
import resource
from contextlib import contextmanager

import dask.array as da
import numpy as np
from dask.utils import format_bytes, parse_bytes
from distributed import Client, LocalCluster

import gateflow as gf


def synthetic(rows: int, w: np.ndarray, chunk_rows: int, seed: int) -> tuple[da.Array, da.Array]:
    """Lazy X and 0/1 labels y (one column): y = [X @ w + 0.5·noise > 0]."""
    features = len(w)
    rng = da.random.default_rng(seed)
    X = rng.standard_normal((rows, features), chunks=(chunk_rows, features))
    noise = rng.standard_normal((rows,), chunks=(chunk_rows,))
    y = ((X @ w + 0.5 * noise) > 0).astype(np.float64)[:, None]
    return X, y


def peak_rss() -> int:
    """This process's peak resident memory, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def worker_peaks(client: Client) -> list[int]:
    """Each worker process's peak resident memory, in bytes."""
    usage = client.run(resource.getrusage, resource.RUSAGE_SELF)
    return [u.ru_maxrss * 1024 for u in usage.values()]


@contextmanager
def memory_limit(limit: int):
    """Refuse this process more than `limit` bytes of address space (0: no limit) inside."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def train(args: argparse.Namespace, client: Client) -> dict:
    w = np.random.default_rng(args.seed).standard_normal(args.features) / np.sqrt(args.features)
    X, y = synthetic(args.rows, w, args.chunk_rows, seed=args.seed + 1)
    X_test, y_test = synthetic(max(args.rows // 10, 1), w, args.chunk_rows, seed=args.seed + 2)
    print(
        f"data: {args.rows:,} rows x {args.features} features, {format_bytes(X.nbytes)} as float64, "
        f"in {X.numblocks[0]} blocks of {format_bytes(X.blocks[0].nbytes)}; "
        f"{len(client.scheduler_info()['workers'])} workers"
    )
    g = gf.Graph()
    x, t = g.input("x"), g.input("y")
    layer = gf.dense(x, args.features, 1, name="logistic")
    loss = gf.binary_cross_entropy(layer.output, t, name="bce")
    history = gf.fit(
        loss, {x: X, t: y}, optimizer=gf.Adam(g, lr=args.lr), epochs=args.epochs,
        batch_size=args.batch_rows, accuracy=(layer.output, t), seed=args.seed,
    )
    for epoch, (value, accuracy) in enumerate(zip(history["loss"], history["accuracy"]), 1):
        print(f"epoch {epoch}: loss {value:.4f}, accuracy {accuracy:.2%}")
    test = gf.evaluate(loss, {x: X_test, t: y_test}, accuracy=(layer.output, t))
    rows_per_second = args.rows * history.epochs / history.seconds
    result = {
        "loss": history["loss"], "accuracy": history["accuracy"], "test": test,
        "rows_per_second": rows_per_second, "client_peak": peak_rss(), "worker_peaks": worker_peaks(client),
        "data_bytes": X.nbytes,
    }
    print(f"held-out accuracy {test['accuracy']:.2%} (loss {test['loss']:.4f})")
    print(f"{rows_per_second:,.0f} rows/s ({history.seconds:.1f} s for {history.epochs} epoch(s))")
    print(
        f"peak memory: this process {format_bytes(result['client_peak'])}, workers "
        + ", ".join(format_bytes(m) for m in result["worker_peaks"])
        + f"; data set {format_bytes(X.nbytes)}"
    )
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=8_000_000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--chunk-rows", type=int, default=125_000, help="rows per block (64 MB at 64 features)")
    parser.add_argument("--batch-rows", type=int, default=500_000, help="rows per step: whole blocks, computed in parallel")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--worker-memory", default="2GiB", help="each local worker's memory limit")
    parser.add_argument("--client-memory", default="2GiB", help="this process's address-space limit (0: none)")
    parser.add_argument("--scheduler", help="address of a running dask scheduler, instead of a local cluster")
    args = parser.parse_args(argv)

    if args.scheduler:
        cluster = None
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, memory_limit=args.worker_memory, dashboard_address=":0"
        )
        client = Client(cluster)
    limit = parse_bytes(args.client_memory)
    if limit:
        print(f"this process may hold at most {format_bytes(limit)} (address space)")
    try:
        with memory_limit(limit):  # the workers have started: their limits are their own
            return train(args, client)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
