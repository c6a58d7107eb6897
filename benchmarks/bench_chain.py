"""Benchmark (b): a chain v = sigmoid(v·0.5 + 0.1) of 1,000,000 gates, build + forward +
backward, in seconds and peak memory. No recursion-limit change is made or needed.

Run: .venv/bin/python benchmarks/bench_chain.py [--gates N]
"""

import argparse
import resource
import sys
import time

import gateflow as gf


def chain(gates: int) -> dict:
    links = gates // 3  # each link is a multiply, an add and a sigmoid gate
    start = time.perf_counter()
    g = gf.Graph()
    x = v = g.input("x")
    for _ in range(links):
        v = gf.sigmoid(v * 0.5 + 0.1)
    built = time.perf_counter()
    run = g.forward({"x": 0.3}, outputs=[v])
    forwarded = time.perf_counter()
    grads = run.backward(v, wrt=[x])
    done = time.perf_counter()
    assert 0 <= grads[x] < 1 and sys.getrecursionlimit() <= 10_000
    return {
        "gates": 3 * links,
        "nodes": len(g),
        "build_s": built - start,
        "forward_s": forwarded - built,
        "backward_s": done - forwarded,
        "total_s": done - start,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "value": float(run[v]),
        "dv_dx": float(grads[x]),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gates", type=int, default=1_000_000)
    result = chain(parser.parse_args(argv).gates)
    print(
        f"chain of {result['gates']:,} gates ({result['nodes']:,} nodes): build {result['build_s']:.1f} s, "
        f"forward {result['forward_s']:.1f} s, backward {result['backward_s']:.1f} s, "
        f"total {result['total_s']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB"
    )
    return result


if __name__ == "__main__":
    main()
