"""The learner's page without a browser: its steps, the self-contained HTML, escaping,
notebooks, the `gateflow explain --html` command and bad input (no partial page)."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

import gateflow as gf
from example_scripts import EXAMPLES, load_example
from gateflow.cli.main import main
from gateflow.learn.steps import numbers, steps


def example_grads(name):
    graph, feeds, output = load_example(name).build()
    return graph.forward(feeds).backward(output)


def page_data(text: str) -> dict:
    found = re.search(r'<script type="application/json" id="gf-data">(.*?)</script>', text, re.S)
    return json.loads(found.group(1))


def drawn_ids(text: str) -> set[str]:
    svg = text[text.index("<svg"):text.index("</svg>")]
    return {html.unescape(i) for i in re.findall(r' id="([^"]*)"', svg)}


def test_equations_use_whole_numbers_only_when_every_number_is_whole():
    assert numbers(-8.0, 1.0, -7.0) == ["-8", "1", "-7"]
    assert numbers(0.19661, -1.0, -0.19661) == ["0.20", "-1.00", "-0.20"]
    assert numbers(np.ones((2, 3)), 2.0) == ["2x3 mean 1.00", "2.00"]
    assert numbers(np.inf, 1.0) == ["inf", "1.00"]


def test_the_neuron_steps_forward_in_order_then_back_from_the_seed():
    story = steps(example_grads("02_sigmoid_neuron"))
    kinds = [s.kind for s in story]
    assert kinds == ["inputs"] + ["forward"] * 8 + ["seed"] + ["backward"] * 8 + ["done"]
    assert story[1].text == "w0x0 = w0 × x0 = 2 × -1 = -2"
    assert story[8].text == "f = reciprocal(plus1) = reciprocal(1.37) = 0.73"
    w0 = next(s for s in story if "∂f/∂w0 = " in s.text and s.kind == "backward")
    assert "∂f/∂w0 = ∂f/∂w0x0 × ∂w0x0/∂w0 = 0.20 × -1.00 = -0.20" in w0.text
    assert w0.nodes == ("w0x0",) and w0.grads == (("w0x0", 0), ("w0x0", 1))
    assert story[-1].text.splitlines()[1:] == [
        "∂f/∂w0 = -0.20", "∂f/∂x0 = 0.39", "∂f/∂w1 = -0.39", "∂f/∂x1 = -0.59", "∂f/∂w2 = 0.20",
    ]


def test_every_wire_label_appears_exactly_once():
    grads = example_grads("03_two_layer_network")
    story = steps(grads)
    values = [w for s in story for w in s.values]
    gradients = [w for s in story for w in s.grads]
    wires = {(t, slot) for t in grads.run if grads.run.graph[t].kind == "gate"
             for slot in range(len(grads.run.graph[t].inputs))} | {("E", None)}
    assert sorted(values, key=str) == sorted(wires, key=str)
    assert len(gradients) == len(set(gradients)) == len(wires)


def test_a_fan_out_adds_up_in_a_step_of_its_own_after_all_its_wires():
    story = steps(example_grads("07_gate_patterns"))
    [fan_out] = [s for s in story if s.kind == "sum"]
    assert fan_out.text == "x feeds 2 wires (into xy, f), so their gradients add up:\n∂f/∂x = -8 + 1 = -7"
    assert fan_out.nodes == ("x",) and set(fan_out.wires) == {("xy", 0), ("f", 1)}
    position = story.index(fan_out)
    assert all(position > story.index(s) for s in story if s.kind == "backward" and "∂f/∂x = " in s.text)
    share = next(s for s in story if s.nodes == ("xy",) and s.kind == "backward")
    assert "(one of the 2 wires out of x: they add up at its own step)" in share.text


def test_a_node_feeding_one_gate_twice_names_the_arguments():
    g = gf.Graph()
    x = g.input("x")
    f = g.gate("mul", x, x, name="f")
    [fan_out] = [s for s in steps(g.forward({"x": 3.0}).backward(f)) if s.kind == "sum"]
    assert "(into f (argument 0), f (argument 1))" in fan_out.text and "= 3 + 3 = 6" in fan_out.text


def test_arrays_step_as_shapes_and_vector_jacobian_products():
    g = gf.Graph()
    w = g.param("w", np.ones((2, 3)))
    loss = gf.sum(w @ g.input("v"), name="L")
    story = steps(g.forward({"v": [1.0, 2.0, 3.0]}).backward(loss))
    assert "matmul_1 = w @ v = 2x3 mean 1.00 @ [1.00, 2.00, 3.00] = [6.00, 6.00]" in [s.text for s in story]
    backward = next(s for s in story if s.nodes == ("matmul_1",) and s.kind == "backward")
    assert "∂L/∂w = ∂L/∂matmul_1 pushed back through matmul (a vector-Jacobian product): [1.00, 1.00] → 2x3 mean 2.00" in backward.text


def test_the_page_is_one_self_contained_file(tmp_path):
    graph, feeds, output = load_example("02_sigmoid_neuron").build()
    page = gf.explain_html(graph, feeds, output, tmp_path / "neuron.html")
    text = (tmp_path / "neuron.html").read_text(encoding="utf-8")
    assert page.path == tmp_path / "neuron.html" and page.html == text
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text and "<?xml" not in text
    assert re.search(r"""(src|href)\s*=\s*(?!["']?data:)""", text) is None  # nothing to fetch
    assert "<link rel=\"icon\" href=\"data:,\">" in text
    data = page_data(text)
    assert page.steps == len(data["steps"]) == 19
    drawn = drawn_ids(text)
    assert {i for s in data["steps"] for i in s["n"] + s["w"] + s["v"] + s["g"]} <= drawn
    assert set(data["wires"]) <= drawn and len(data["wires"]) == 14 + 1  # into the 8 gates, out of f


def test_without_a_path_nothing_is_written_and_a_notebook_shows_an_iframe(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    graph, feeds, output = load_example("01_circuit").build()
    page = gf.explain_html(graph, feeds, output)
    assert page.path is None and list(tmp_path.iterdir()) == []
    frame = page._repr_html_()
    assert frame.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts"' in frame
    srcdoc = frame.split('srcdoc="', 1)[1].split('" sandbox=', 1)[0]
    assert '"' not in srcdoc and "<" not in srcdoc and html.unescape(srcdoc) == page.html


def test_html_in_names_is_escaped_in_the_file(tmp_path):
    g = gf.Graph()
    name = '</script><script>alert("x")</script>'
    f = g.gate("mul", g.input(name), 2.0, name="<b>f</b>")
    text = gf.explain_html(g, {name: 1.0}, f).html
    assert text.count("<script") == 2 and text.count("</script>") == 2  # the page's own two
    assert "<b>f</b>" not in text
    assert page_data(text)["steps"][1]["t"] == f"<b>f</b> = {name} × 2 = 1 × 2 = 2"


def test_big_graphs_collapse_in_the_drawing_but_keep_every_step():
    g = gf.Graph()
    h = g.input("x")
    for _ in range(700):
        h = gf.tanh(h)
    page = gf.explain_html(g, {"x": 0.5}, h, max_nodes=100)
    assert "... 601 more nodes" in page.html and "gf-collapsed" in drawn_ids(page.html)
    assert page.steps == 1 + 700 + 1 + 700 + 1


@pytest.mark.parametrize(
    "output, feeds, error, message",
    [
        ("nowhere", {"x": 1.0, "y": 2.0, "z": 3.0}, gf.UnknownNodeError, "nowhere"),
        ("f", {"x": 1.0}, gf.FeedError, "'y'"),
    ],
)
def test_bad_input_raises_and_leaves_no_page(tmp_path, output, feeds, error, message):
    graph, _, _ = load_example("01_circuit").build()
    target = tmp_path / "page.html"
    with pytest.raises(error, match=message):
        gf.explain_html(graph, feeds, output, target)
    assert list(tmp_path.iterdir()) == []
    target.write_text("an older page")
    with pytest.raises(error):
        gf.explain_html(graph, feeds, output, target)
    assert target.read_text() == "an older page" and list(tmp_path.iterdir()) == [target]


def test_the_command_writes_the_page(tmp_path, capsys):
    target = tmp_path / "neuron.html"
    assert main(["explain", str(EXAMPLES / "02_sigmoid_neuron.py"), "--html", str(target)]) == 0
    assert f"Wrote {target} (19 steps)" in capsys.readouterr().out
    assert "∂f/∂w0 = ∂f/∂w0x0 × ∂w0x0/∂w0 = 0.20 × -1.00 = -0.20" in page_data(target.read_text())["steps"][-2]["t"]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["notes.txt"], "cannot read"),
        (["{nobuild}"], "defines no build() function"),
        (["{circuit}", "--node", "nowhere"], "no node 'nowhere'"),
        (["{circuit}", "--feed", "x=1", "--node", "f"], None),  # overriding a feed is fine
        (["{unfed}"], "input(s) 'y', 'z' need values: pass --feed y=VALUE"),
    ],
)
def test_the_command_reports_bad_input_as_explain_does_and_leaves_no_page(tmp_path, capsys, arguments, message):
    (tmp_path / "notes.txt").write_text("not a graph")
    (tmp_path / "nobuild.py").write_text("x = 1\n")
    (tmp_path / "unfed.py").write_text(
        "import gateflow as gf\n"
        "def build():\n"
        "    g = gf.Graph()\n"
        "    x, y, z = g.input('x'), g.input('y'), g.input('z')\n"
        "    return g, {'x': 1.0}, (x + y) * z\n"
    )
    files = {"nobuild": tmp_path / "nobuild.py", "unfed": tmp_path / "unfed.py",
             "circuit": EXAMPLES / "01_circuit.py"}
    arguments = [a.format(**files) if a.startswith("{") else str(tmp_path / a) if a.endswith(".txt") else a
                 for a in arguments]
    target = tmp_path / "page.html"
    text_code = main(["explain", *arguments])
    text_err = capsys.readouterr().err
    code = main(["explain", *arguments, "--html", str(target)])
    err = capsys.readouterr().err
    if message is None:
        assert code == text_code == 0 and target.exists()
        return
    assert code == text_code == 1 and message in err
    assert err == text_err  # the same named error as the text explanation
    assert not target.exists() and not list(tmp_path.glob(".page.html.*"))
