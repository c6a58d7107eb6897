"""Benchmark (b): a chain v = sigmoid(v·0.5 + 0.1) of 1,000,000 gates, build + forward +
backward, in seconds and peak memory. No recursion-limit change is made or needed.

Reference, measured in the same run: building the same DAG (same nodes, edges and
attributes) directly in networkx and sorting it topologically, i.e. what storing the graph
in networkx costs before any gate runs. Each side runs in a fresh Python process, so that
neither inherits the other's heap.

Run: .venv/bin/python benchmarks/bench_chain.py [--gates N]
"""

import argparse
import json
import resource
import subprocess
import sys
import time

import networkx as nx

import gateflow as gf


def networkx_floor(links: int) -> float:
    """Seconds to build the chain's DAG in bare networkx and sort it topologically."""
    start = time.perf_counter()
    dag = nx.DiGraph()
    dag.add_node("x", kind="input")
    dag.add_node("c1", kind="const")
    dag.add_node("c2", kind="const")
    previous = "x"
    for i in range(links):
        mul, add, sig = f"mul_{i}", f"add_{i}", f"sigmoid_{i}"
        for node, inputs in ((mul, (previous, "c1")), (add, (mul, "c2")), (sig, (add,))):
            dag.add_node(node, kind="gate", inputs=inputs)
            for slot, source in enumerate(inputs):
                dag.add_edge(source, node, slots=(slot,))
        previous = sig
    list(nx.topological_sort(dag))
    return time.perf_counter() - start


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


def _in_fresh_process(part: str, gates: int) -> dict:
    command = [sys.executable, __file__, "--part", part, "--gates", str(gates)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gates", type=int, default=1_000_000)
    parser.add_argument("--part", choices=("chain", "networkx"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part == "chain":
        print(json.dumps(chain(args.gates)))
        return {}
    if args.part == "networkx":
        print(json.dumps({"networkx_s": networkx_floor(args.gates // 3)}))
        return {}
    result = _in_fresh_process("chain", args.gates) | _in_fresh_process("networkx", args.gates)
    print(
        f"(b) chain of {result['gates']:,} gates ({result['nodes']:,} nodes): build {result['build_s']:.1f} s, "
        f"forward {result['forward_s']:.1f} s, backward {result['backward_s']:.1f} s, "
        f"total {result['total_s']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB\n"
        f"    bare networkx build + topological sort of the same DAG {result['networkx_s']:.1f} s "
        f"(gateflow total / networkx = {result['total_s'] / result['networkx_s']:.2f})"
    )
    return result


if __name__ == "__main__":
    main()
