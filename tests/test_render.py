"""Drawing graphs as lecture circuits: the SVG's structure and labels, DOT text, PNG,
huge graphs, Jupyter display, and finding (or not finding) a renderer."""

from __future__ import annotations

import re
import shutil
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import graphviz
import numpy as np
import pytest

import gateflow as gf
from gateflow.learn.demo import run_demo
from gateflow.errors import PluginError, RenderError
from gateflow.learn.table import format_short as short
from gateflow_graphviz.circuit import GRADIENT_COLOR, VALUE_COLOR

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == cls]


def texts(element: ET.Element, fill: str | None = None) -> list[str]:
    return [t.text for t in element.iter(f"{SVG}text") if fill is None or t.get("fill") == fill]


@pytest.fixture
def neuron_svg(tmp_path):
    run, grads = run_demo()
    return parse_svg(gf.render(run.graph, tmp_path / "neuron.svg", run=run, grads=grads))


def test_the_neuron_svg_shows_the_published_values_and_gradients(neuron_svg):
    values, gradients = texts(neuron_svg, VALUE_COLOR), texts(neuron_svg, GRADIENT_COLOR)
    assert "0.73" in values
    assert {"-0.20", "0.39", "-0.39", "-0.59", "0.20"} <= set(gradients)
    # one value and one gradient on each of the 10 wires (9 between nodes, 1 out of f)
    edges = groups(neuron_svg, "edge")
    assert len(edges) == 10
    for edge in edges:
        assert len(texts(edge, VALUE_COLOR)) == 1 and len(texts(edge, GRADIENT_COLOR)) == 1


def test_the_neuron_svg_draws_inputs_plainly_and_gates_as_symbols(neuron_svg):
    nodes = {texts(g)[0]: g for g in groups(neuron_svg, "node")}
    for name in ("w0", "x0", "w1", "x1", "w2"):
        assert nodes[name].find(f".//{SVG}ellipse") is None  # plain text, no shape
    gate_symbols = [t for t, g in nodes.items() if g.find(f".//{SVG}ellipse") is not None]
    assert sorted(gate_symbols) == ["*", "+", "σ"]  # dict keys: one per symbol
    all_texts = texts(neuron_svg)
    assert all_texts.count("*") == 2 and all_texts.count("+") == 2
    assert {"w0x0", "w1x1", "dot", "z", "f"} <= set(all_texts)  # user-given names
    # the wire out of the sigmoid carries f = 0.73 and the seed gradient 1.00
    out_edge = next(e for e in groups(neuron_svg, "edge") if "0.73" in texts(e))
    assert texts(out_edge, GRADIENT_COLOR) == ["1.00"]


def test_to_dot_is_a_deterministic_graphviz_digraph():
    run, grads = run_demo()
    first = gf.to_dot(run.graph, run, grads)
    second = gf.to_dot(run_demo()[0].graph, *run_demo())
    assert isinstance(first, graphviz.Digraph)
    assert first.source == second.source
    assert 'label=σ' in first.source or 'label="σ"' in first.source
    assert first.source.count(f'<font color="{GRADIENT_COLOR}">') == 10


def test_gradients_come_from_grads_alone_and_structure_needs_neither():
    run, grads = run_demo()
    assert gf.to_dot(run.graph, grads=grads).source == gf.to_dot(run.graph, run, grads).source
    bare = gf.to_dot(run.graph).source
    assert "font color" not in bare and bare.count("->") == 10
    values_only = gf.to_dot(run.graph, run).source
    assert VALUE_COLOR in values_only and GRADIENT_COLOR not in values_only


def test_fan_out_wires_carry_their_own_share_of_the_gradient():
    g = gf.Graph()
    x = g.input("x")
    f = g.gate("add", g.gate("mul", x, 3.0, name="a"), g.gate("mul", x, x, name="b"), name="f")
    run = g.forward({"x": 2.0})
    source = gf.to_dot(g, run, run.backward(f)).source
    grads_on_wires = source.count(f'<font color="{GRADIENT_COLOR}">')
    assert grads_on_wires == 7  # x->a, 3->a, x->b twice, a->f, b->f, f->out
    assert f'<font color="{GRADIENT_COLOR}">3.00</font>' in source  # x into a
    # x into b, twice (d(x·x)/dx = x + x, one x per wire), and the constant 3 into a (= x)
    assert source.count(f'<font color="{GRADIENT_COLOR}">2.00</font>') == 3


def test_arrays_are_shown_as_shape_and_summary_and_generated_names_are_hidden():
    g = gf.Graph()
    w = g.param("w", np.arange(6.0).reshape(2, 3))
    b = g.param("b", [1.0, 2.0], trainable=False)
    v = g.input("v")
    s = gf.sum(w @ v + b)
    run = g.forward({"v": [1.0, 0.0, -1.0]})
    source = gf.to_dot(g, run, run.backward(s)).source
    assert "2x3 mean 2.50" in source and "[1.00, 2.00]" in source
    assert "(frozen)" in source
    assert "xlabel" not in source  # generated names (matmul_1, add_1) are not drawn
    assert 'tooltip="matmul_1 = matmul(w, v)"' in source


def test_short_formats_numbers_for_wires():
    assert short(0.7310585786) == "0.73" and short(-0.19661) == "-0.20"
    assert short(3.5e-5) == "3.50e-05" and short(0.0) == "0.00"
    assert short(np.nan) == "nan" and short(np.array([1.0, -2.0])) == "[1.00, -2.00]"
    assert short(np.ones((4, 5))) == "4x5 mean 1.00"


def test_png_and_dot_outputs(tmp_path):
    run, grads = run_demo()
    png = gf.render(run.graph, tmp_path / "n.png", run=run, grads=grads)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dot = gf.render(run.graph, tmp_path / "n.dot", run=run, grads=grads)
    assert dot.read_text(encoding="utf-8") == gf.to_dot(run.graph, run, grads).source


def test_unknown_suffixes_are_refused(tmp_path):
    run, _ = run_demo()
    with pytest.raises(PluginError, match=r"\.svg"):
        gf.render(run.graph, tmp_path / "n.bmp")


def test_thousands_of_nodes_are_collapsed_and_still_render(tmp_path):
    g = gf.Graph()
    h = g.input("x")
    for _ in range(3000):
        h = gf.tanh(h)
    run = g.forward({"x": 0.5})
    start = time.perf_counter()
    path = gf.render(g, tmp_path / "big.svg", run=run, grads=run.backward(h))
    assert time.perf_counter() - start < 30
    root = parse_svg(path)
    assert "... 2501 more nodes" in texts(root)
    assert len(groups(root, "node")) == 500 + 1 + 1  # kept nodes, the collapsed box, the output
    small = gf.to_dot(g, max_nodes=10).source
    assert "... 2991 more nodes" in small


def test_jupyter_display_is_svg():
    run, grads = run_demo()
    bundle = gf.to_dot(run.graph, run, grads)._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "0.73" in svg


# -- finding a renderer ----------------------------------------------------------------------


@pytest.fixture
def no_renderer(monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("GATEFLOW_DOT", raising=False)
    monkeypatch.setattr(sys, "executable", str(empty / "python"))


def test_without_a_renderer_the_error_says_how_to_get_one_and_dot_still_works(no_renderer, tmp_path):
    run, grads = run_demo()
    with pytest.raises(RenderError) as info:
        gf.render(run.graph, tmp_path / "n.svg", run=run, grads=grads)
    message = str(info.value)
    assert "pip install graphviz-pure" in message and "GATEFLOW_DOT" in message
    assert "apt install graphviz" in message and ".dot" in message
    assert not (tmp_path / "n.svg").exists()
    assert "0.73" in gf.render(run.graph, tmp_path / "n.dot", run=run, grads=grads).read_text(encoding="utf-8")


def test_the_bundled_renderer_is_found_next_to_python(monkeypatch, tmp_path):
    bundled = shutil.which("graphviz-pure", path=str(Path(sys.executable).parent)) or shutil.which("graphviz-pure")
    assert bundled, "graphviz-pure is a dependency of gateflow"
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("GATEFLOW_DOT", raising=False)
    monkeypatch.setattr(sys, "executable", str(Path(bundled).parent / "python"))
    run, grads = run_demo()
    assert "0.73" in texts(parse_svg(gf.render(run.graph, tmp_path / "n.svg", run=run, grads=grads)))


def test_gateflow_dot_is_used_first_and_checked(no_renderer, monkeypatch, tmp_path):
    fake = tmp_path / "fake-dot"
    fake.write_text("#!/bin/sh\necho 'fake renderer broke' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("GATEFLOW_DOT", str(fake))
    run, _ = run_demo()
    with pytest.raises(RenderError, match="exit code 3.*fake renderer broke"):
        gf.render(run.graph, tmp_path / "n.svg", run=run)
    monkeypatch.setenv("GATEFLOW_DOT", str(tmp_path / "missing-dot"))
    with pytest.raises(RenderError, match="GATEFLOW_DOT is set to .*missing-dot"):
        gf.render(run.graph, tmp_path / "n.svg", run=run)


def test_backward_nodes_are_drawn_as_their_own_circuit_with_value_labels():
    g = gf.Graph()
    w = g.input("w")
    J = g.gate("power", w, exponent=2.0, name="J")
    gf.grad(J, w)
    dot = gf.to_dot(g, g.forward({"w": 3.0})).source
    cluster = dot[dot.index("subgraph cluster_backward_0"):]
    cluster = cluster[: cluster.index("}")]
    assert "backward circuit of J" in cluster and GRADIENT_COLOR in cluster
    assert cluster.count("shape=circle") == 3  # the seed 1, then · 2, then · w
    assert ">6.00<" in dot and "∂J/∂w" in dot  # 2·w at w = 3, on the wire out


def test_wires_that_only_lend_a_shape_are_left_out():
    g = gf.Graph()
    x, y = g.input("x"), g.input("y")
    f = g.gate("mul", x, y, name="f")
    gf.grad(f, [x, y])
    lines = gf.to_dot(g).source.splitlines()
    sum_to = [line.split()[0] for line in lines if "= sum_to(" in line]
    wires_in = [line for line in lines if "->" in line and line.split("->")[1].split()[0] in sum_to]
    assert len(sum_to) == 2 and len(wires_in) == 2  # the gradient wire only, not the `like` one


def test_constants_are_drawn_beside_each_gate_they_feed():
    g = gf.Graph()
    v = g.input("x")
    for _ in range(3):
        v = gf.tanh(v * 0.9)  # one shared constant node in the graph
    assert len(g.nodes("const")) == 1
    source = gf.to_dot(g).source
    assert source.count("label=0.90") == 3 and source.count("->") == 3 * 3 + 1


def test_collapsing_keeps_each_gate_s_parameters_beside_it():
    g = gf.Graph()
    v = g.input("x")
    for i in range(100):
        v = gf.tanh(v * g.param(f"w{i}", 0.5))
    source = gf.to_dot(g, max_nodes=30).source
    assert "... 271 more nodes" in source
    # the box feeds only the far end of what is drawn, not one gate per parameter
    assert source.count("style=dashed") <= 2
    used = set(re.findall(r'tooltip="mul_\d+ = mul\(\w+, (w\d+)\)"', source))
    drawn = set(re.findall(r'tooltip="parameter (w\d+)"', source))
    assert len(used) == 10 and drawn <= used and len(used - drawn) <= 1


def test_svg_elements_have_ids_from_the_topological_order(neuron_svg):
    run, _ = run_demo()
    order = run.graph.topological_order()
    nodes = {g.get("id") for g in groups(neuron_svg, "node") if g.get("id").startswith("gf-node-")}
    assert nodes == {f"gf-node-{i}" for i, n in enumerate(order)}
    edges = {g.get("id") for g in groups(neuron_svg, "edge")}
    z = order.index("z")
    assert {f"gf-wire-{z}-0", f"gf-wire-{z}-1", f"gf-out-{order.index('f')}"} <= edges
    assert all(e.startswith(("gf-wire-", "gf-out-")) for e in edges)


def test_a_name_is_not_drawn_twice_beside_its_gate():
    g = gf.Graph()
    x = g.input("x")
    e = gf.exp(x, name="exp")  # the same as its symbol
    f = g.gate("mul", e, x, name="f")  # named again by its output wire
    run = g.forward({"x": 1.0})
    source = gf.to_dot(g, run, run.backward(f)).source
    assert "xlabel" not in source and source.count("label=f ") == 1
