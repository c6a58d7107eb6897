"""Benchmark (e): one training epoch of logistic regression on the synthetic data of
examples/train_out_of_core.py (rows × 64 float64 features), three ways, in one run:

- numpy: the data materialised in this process's memory first, then gf.fit on numpy arrays;
- dask, 1 worker and dask, 2 workers: gf.fit on the lazy dask arrays, on a LocalCluster of
  that many single-threaded worker processes; the workers generate each block when a
  batch needs it, which stands in for reading it from storage.

Every side takes the same batches (whole blocks, in order) from the same initial weights,
so they compute the same steps; their epoch losses are checked to agree to 1e-10. On each
dask side a bare pass over the same blocks (their sum, without gateflow) gives the floor:
what generating the data alone costs on that cluster. Each
side runs in a fresh process (peak resident memory is per process), in turns, `--repeats`
times; the report gives median rows per second as ratios to the numpy side, and the peak
RSS of the client and of each worker.

Run: .venv/bin/python benchmarks/bench_dask.py [--rows 2000000] [--repeats 3]
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import gateflow as gf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from train_out_of_core import peak_rss, synthetic, worker_peaks  # noqa: E402

SIDES = {"numpy": 0, "dask, 1 worker": 1, "dask, 2 workers": 2}
FEATURES, SEED = 64, 0


def data(rows: int, chunk_rows: int):
    w = np.random.default_rng(SEED).standard_normal(FEATURES) / np.sqrt(FEATURES)
    return synthetic(rows, w, chunk_rows, seed=SEED + 1)


def epoch(X, y, batch_rows: int) -> tuple[float, float]:
    """(seconds, loss) of one gf.fit epoch over the batches in order."""
    g = gf.Graph()
    x, t = g.input("x"), g.input("y")
    loss = gf.binary_cross_entropy(gf.dense(x, FEATURES, 1, name="logistic").output, t)
    began = time.perf_counter()
    history = gf.fit(loss, {x: X, t: y}, optimizer=gf.Adam(g, lr=0.2), epochs=1, batch_size=batch_rows,
                     shuffle=False, progress=False)
    return time.perf_counter() - began, history["loss"][0]


def numpy_side(rows: int, chunk_rows: int, batch_rows: int) -> dict:
    import dask

    X, y = data(rows, chunk_rows)
    began = time.perf_counter()
    X, y = dask.compute(X, y, scheduler="threads")
    load = time.perf_counter() - began
    seconds, loss = epoch(X, y, batch_rows)
    return {"rows_per_second": rows / seconds, "loss": loss, "load_seconds": load,
            "client_peak": peak_rss(), "worker_peaks": []}


def dask_side(client, rows: int, chunk_rows: int, batch_rows: int) -> dict:
    """One epoch on the lazy data with `client` active, after a warm-up on one block (the
    workers import gateflow when their first task arrives)."""
    import dask

    X, y = data(rows, chunk_rows)
    epoch(X[:chunk_rows], y[:chunk_rows], batch_rows)
    seconds, loss = epoch(X, y, batch_rows)
    began = time.perf_counter()
    dask.compute(X.sum(), y.sum())  # the floor: one bare pass generating the same blocks
    bare = time.perf_counter() - began
    return {"rows_per_second": rows / seconds, "loss": loss, "bare_rows_per_second": rows / bare,
            "client_peak": peak_rss(), "worker_peaks": worker_peaks(client)}


def run_side(side: str, rows: int, chunk_rows: int, batch_rows: int) -> dict:
    workers = SIDES[side]
    if not workers:
        return numpy_side(rows, chunk_rows, batch_rows)
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster, Client(cluster) as client:
        return dask_side(client, rows, chunk_rows, batch_rows)


def _in_fresh_process(side: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--side", side, "--rows", str(args.rows),
               "--chunk-rows", str(args.chunk_rows), "--batch-rows", str(args.batch_rows)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--chunk-rows", type=int, default=125_000)
    parser.add_argument("--batch-rows", type=int, default=250_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--side", choices=sorted(SIDES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side:
        print(json.dumps(run_side(args.side, args.rows, args.chunk_rows, args.batch_rows)))
        return {}

    runs = {side: [] for side in SIDES}
    for _ in range(args.repeats):  # in turns, so that a change in the machine's load hits every side
        for side in SIDES:
            runs[side].append(_in_fresh_process(side, args))
    losses = [r["loss"] for rs in runs.values() for r in rs]
    assert np.allclose(losses, losses[0], rtol=1e-10), losses
    size = args.rows * FEATURES * 8
    print(f"(e) one epoch of logistic regression on {args.rows:,} x {FEATURES} float64 ({_mb(size)}), "
          f"blocks of {args.chunk_rows:,} rows, batches of {args.batch_rows:,}, median of {args.repeats}:")
    reference = statistics.median(r["rows_per_second"] for r in runs["numpy"])
    result = {}
    for side, rs in runs.items():
        speed = statistics.median(r["rows_per_second"] for r in rs)
        client = statistics.median(r["client_peak"] for r in rs)
        workers = [statistics.median(w) for w in zip(*(r["worker_peaks"] for r in rs))]
        result[side] = {"rows_per_second": speed, "ratio": speed / reference, "client_peak": client,
                        "worker_peaks": workers}
        line = f"    {side:<16} {speed:>10,.0f} rows/s  ratio {speed / reference:5.2f}   peak RSS client {_mb(client)}"
        if workers:
            bare = statistics.median(r["bare_rows_per_second"] for r in rs)
            result[side]["bare_rows_per_second"] = bare
            line += ", workers " + ", ".join(map(_mb, workers))
            line += f"\n{'':21}a bare pass over the same blocks (their sum): {bare:,.0f} rows/s, gateflow at {speed / bare:.2f} of it"
        else:
            line += f" (+{statistics.median(r['load_seconds'] for r in rs):.1f} s to generate the data first)"
        print(line)
    return result


if __name__ == "__main__":
    main()
