"""The profiler plugin: per-gate-type call counts and times, as a table."""

from __future__ import annotations

import subprocess
import sys


import gateflow as gf
from gateflow_profiler import profile


def neuron():
    g = gf.Graph()
    w, x = g.input("w"), g.input("x")
    f = gf.sigmoid(g.gate("add", g.gate("mul", w, x), g.gate("mul", w, 2.0)), name="f")
    return g, f


def test_counts_every_gate_call_by_type(fresh_registry):
    g, f = neuron()
    with profile() as profiler:
        for _ in range(3):
            g.forward({"w": 1.0, "x": 2.0}).backward(f)
    stats = profiler.stats
    assert set(stats) == {"mul", "add", "sigmoid"}
    assert (stats["mul"].forward_calls, stats["mul"].backward_calls) == (6, 6)
    assert (stats["add"].forward_calls, stats["sigmoid"].backward_calls) == (3, 3)
    assert all(s.forward_seconds > 0 and s.backward_seconds > 0 for s in stats.values())
    g.forward({"w": 1.0, "x": 2.0})
    assert stats["mul"].forward_calls == 6  # stopped after the block
    assert g.plan().observe_forward is None


def test_the_table_has_a_row_per_gate_and_a_total():
    g, f = neuron()
    with profile() as profiler:
        g.forward({"w": 1.0, "x": 2.0}).backward(f)
    lines = profiler.table().splitlines()
    assert lines[0].split()[:3] == ["gate", "forward", "calls"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert rows["mul"][1:2] == ["2"] and rows["mul"][3:4] == ["2"]
    assert rows["total"][1] == "4" and rows["total"][3] == "4"
    total_ms = float(rows["total"][5])
    assert abs(total_ms - sum(float(rows[g][5]) for g in ("mul", "add", "sigmoid"))) < 0.01


def test_gateflow_profile_prints_the_table_at_exit():
    script = (
        "import gateflow as gf\n"
        "g = gf.Graph(); x = g.input('x'); y = gf.exp(x)\n"
        "g.forward({'x': 1.0}).backward(y)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env={"GATEFLOW_PROFILE": "1", "PATH": ""},
    )
    assert "gateflow profile:" in done.stderr
    exp_row = next(line for line in done.stderr.splitlines() if line.startswith("exp "))
    assert exp_row.split()[1] == "1" and exp_row.split()[3] == "1"
