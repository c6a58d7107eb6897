"""Benchmark (b): a chain v = sigmoid(v·0.5 + 0.1) of 1,000,000 gates: building it,
compiling its plan, forward and backward, in seconds, and the memory each gate costs.
No recursion-limit change is made or needed.

Reference, measured in the same run: the same DAG (the same nodes, edges and attributes,
gate objects and constant values included) built directly in a bare networkx DiGraph and
sorted topologically, i.e. what storing the graph in networkx costs before any gate runs.
The headline ratio is gateflow's build + plan against that build + sort. Each side runs in
a fresh Python process (so neither inherits the other's heap), the sides in turns.
Times are the process's CPU seconds (the work is single-threaded, so on an idle machine
they equal wall-clock seconds, and on a shared one other load does not count). Memory per
gate is the growth of the process's peak resident set over its size before building,
divided by the number of gates.

Run: .venv/bin/python benchmarks/bench_chain.py [--gates N] [--rounds R]
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import networkx as nx
import numpy as np

import gateflow as gf


def sigmoid_chain(links: int):
    """The benchmark's graph: v = sigmoid(v * 0.5 + 0.1), `links` times (3 gates each).
    Returns (graph, input x, output v)."""
    g = gf.Graph()
    x = v = g.input("x")
    for _ in range(links):
        v = gf.sigmoid(v * 0.5 + 0.1)
    return g, x, v


def _rss_bytes() -> int:
    """The resident set size now (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except OSError:
        return _peak_bytes()


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def networkx_reference(links: int) -> dict:
    """Build the chain's DAG in bare networkx and sort it topologically."""
    mul, add, sig = gf.MultiplyGate(), gf.AddGate(), gf.SigmoidGate()
    before = _rss_bytes()
    start = time.process_time()
    dag = nx.DiGraph()
    dag.add_node("x", kind="input")
    dag.add_node("const_1", kind="const", value=np.float64(0.5))
    dag.add_node("const_2", kind="const", value=np.float64(0.1))
    previous = "x"
    for i in range(1, links + 1):
        for gate, node, inputs in (
            (mul, f"mul_{i}", (previous, "const_1")),
            (add, f"add_{i}", (f"mul_{i}", "const_2")),
            (sig, f"sigmoid_{i}", (f"add_{i}",)),
        ):
            dag.add_node(node, kind="gate", gate=gate, inputs=inputs)
            for slot, source in enumerate(inputs):
                dag.add_edge(source, node, slots=(slot,))
        previous = f"sigmoid_{i}"
    built = time.process_time()
    order = list(nx.topological_sort(dag))
    done = time.process_time()
    assert len(order) == len(dag)
    return {
        "nx_build_s": built - start,
        "nx_sort_s": done - built,
        "nx_bytes_per_gate": (_peak_bytes() - before) / (3 * links),
    }


def gateflow_chain(links: int) -> dict:
    """Build the chain with gateflow, compile its plan, run forward and backward."""
    before = _rss_bytes()
    start = time.process_time()
    g, x, v = sigmoid_chain(links)
    built = time.process_time()
    g.plan([v])
    planned = time.process_time()
    graph_peak = _peak_bytes()
    run = g.forward({"x": 0.3}, outputs=[v])
    forwarded = time.process_time()
    grads = run.backward(v, wrt=[x])
    done = time.process_time()
    assert 0 <= grads[x] < 1 and sys.getrecursionlimit() <= 10_000
    return {
        "gates": 3 * links,
        "nodes": len(g),
        "build_s": built - start,
        "plan_s": planned - built,
        "forward_s": forwarded - planned,
        "backward_s": done - forwarded,
        "bytes_per_gate": (graph_peak - before) / (3 * links),
        "run_bytes_per_gate": (_peak_bytes() - before) / (3 * links),
        "value": float(run[v]),
        "dv_dx": float(grads[x]),
    }


def _in_fresh_process(part: str, gates: int) -> dict:
    command = [sys.executable, __file__, "--part", part, "--gates", str(gates)]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gates", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1, help="runs of each side, in turns (medians reported)")
    parser.add_argument("--part", choices=("chain", "networkx"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    links = args.gates // 3  # each link is a multiply, an add and a sigmoid gate
    if args.part is not None:
        part = gateflow_chain if args.part == "chain" else networkx_reference
        print(json.dumps(part(links)))
        return {}
    rounds = [
        _in_fresh_process("networkx", args.gates) | _in_fresh_process("chain", args.gates)
        for _ in range(args.rounds)
    ]
    for r in rounds:
        r["ratio"] = (r["build_s"] + r["plan_s"]) / (r["nx_build_s"] + r["nx_sort_s"])
    result = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    print(
        f"(b) chain of {result['gates']:,.0f} gates ({result['nodes']:,.0f} nodes), medians of {args.rounds} round(s):\n"
        f"    gateflow: build {result['build_s']:.2f} s + plan {result['plan_s']:.2f} s, "
        f"forward {result['forward_s']:.2f} s, backward {result['backward_s']:.2f} s; "
        f"{result['bytes_per_gate']:.0f} bytes/gate built, {result['run_bytes_per_gate']:.0f} after forward + backward\n"
        f"    bare networkx: build {result['nx_build_s']:.2f} s + topological sort {result['nx_sort_s']:.2f} s; "
        f"{result['nx_bytes_per_gate']:.0f} bytes/gate\n"
        f"    gateflow build + plan / networkx build + sort = {result['ratio']:.2f}"
    )
    return result


if __name__ == "__main__":
    main()
