"""Benchmark (e): gf.grad on a chain v = sigmoid(v·0.5 + 0.1) of 100,000 gates, next to
building that chain, at several sizes to show both grow linearly.

gf.grad writes the backward pass into the graph as gates (two backward nodes per forward
gate here: the sigmoid's g·f·(1 - f), the add's sum_to, the multiply's product and
sum_to), so the reference is the cost of building the forward chain itself, measured in
the same run. Running the gradient nodes (a forward over the whole graph) is reported too,
against run.backward on the same chain. Times are CPU seconds of this process
(`time.process_time`), which other work on a shared machine does not inflate.

Run: .venv/bin/python benchmarks/bench_grad.py [--gates N]
"""

import argparse
import gc
import sys
import time

import gateflow as gf
from bench_chain import sigmoid_chain


def measure(gates: int) -> dict:
    links = gates // 3  # each link is a multiply, an add and a sigmoid gate
    gc.collect()
    start = time.process_time()
    g, x, v = sigmoid_chain(links)
    built = time.process_time()
    forward_nodes = len(g)
    d = gf.grad(v, x)
    differentiated = time.process_time()
    run = g.forward({"x": 0.3}, outputs=[d])
    ran = time.process_time()
    reference = g.forward({"x": 0.3}, outputs=[v]).backward(v, wrt=[x])[x]
    backward_done = time.process_time()
    assert run[d] == reference and sys.getrecursionlimit() <= 10_000
    return {
        "gates": 3 * links,
        "forward_nodes": forward_nodes,
        "backward_nodes": len(g) - forward_nodes,
        "build_s": built - start,
        "grad_s": differentiated - built,
        "run_grad_s": ran - differentiated,
        "run_backward_s": backward_done - ran,
        "value": float(run[d]),
    }


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, default=100_000)
    args = parser.parse_args(argv)
    results = []
    print(f"{'gates':>8} {'backward nodes':>15} {'build s':>8} {'gf.grad s':>10} {'ratio':>6} "
          f"{'run grad s':>11} {'forward+backward s':>19}   (CPU seconds)")
    for gates in (args.gates // 4, args.gates // 2, args.gates):
        r = measure(gates)
        results.append(r)
        print(f"{r['gates']:>8} {r['backward_nodes']:>15} {r['build_s']:>8.2f} {r['grad_s']:>10.2f} "
              f"{r['grad_s'] / r['build_s']:>6.2f} {r['run_grad_s']:>11.2f} {r['run_backward_s']:>19.2f}")
    return results


if __name__ == "__main__":
    main()
