"""The command line: every built-in command, --help, and clean errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gateflow.cli import main
from example_scripts import WORKED_EXAMPLES

SVG_TEXT = "{http://www.w3.org/2000/svg}text"
CIRCUIT = """
    import gateflow as gf

    def build():
        g = gf.Graph()
        x, y, z = g.input("x"), g.input("y"), g.input("z")
        q = g.gate("add", x, y, name="q")
        f = g.gate("mul", q, z, name="f")
        return g, {"x": -2.0, "y": 5.0, "z": -4.0}, f
"""
BROKEN = """
    import gateflow as gf

    class BadSquare(gf.Gate):
        name, arity = "badsquare", 1

        def forward(self, x):
            return x * x

        def backward(self, grad, out, x):
            return (grad * x,)  # should be 2x

    def build():
        g = gf.Graph()
        x = g.input("x")
        return g, {"x": 3.0}, g.gate(BadSquare(), x, name="s")
"""


def script(tmp_path: Path, source: str, name: str = "circuit.py") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return str(path)


def svg_texts(path: Path) -> list[str]:
    return [t.text for t in ET.parse(path).getroot().iter(SVG_TEXT)]


@pytest.mark.parametrize("command", ["", "demo", "render", "check", "explain", "gates", "plugins"])
def test_help_on_everything(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"] if command else ["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: gateflow")
    if command in ("render", "check", "explain"):
        flat = " ".join(out.split())
        assert "build()" in flat and "(graph, feeds, output)" in flat


def test_no_command_prints_help(capsys):
    assert main([]) == 0
    assert "COMMAND" in capsys.readouterr().out


def test_demo_prints_the_table_and_writes_the_svg(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "0.7310585786" in out and "-0.5898357997" in out
    svg = tmp_path / "neuron.svg"
    assert f"to {svg.resolve()}" in out
    labels = svg_texts(svg)
    assert {"0.73", "-0.20", "0.39", "-0.39", "-0.59", "0.20"} <= set(labels)


def test_demo_output_option(tmp_path, capsys):
    assert main(["demo", "-o", str(tmp_path / "n.png"), "--digits", "3"]) == 0
    assert "0.731" in capsys.readouterr().out
    assert (tmp_path / "n.png").read_bytes()[:4] == b"\x89PNG"


def test_render_a_script_to_svg_and_dot(tmp_path, capsys):
    source = script(tmp_path, CIRCUIT)
    assert main(["render", source, "-o", str(tmp_path / "c.svg")]) == 0
    labels = svg_texts(tmp_path / "c.svg")
    assert {"-12.00", "3.00", "-4.00", "1.00"} <= set(labels) and {"q", "f", "+", "*"} <= set(labels)
    assert main(["render", source, "-o", str(tmp_path / "c.dot"), "--digits", "3"]) == 0
    assert "-12.000" in (tmp_path / "c.dot").read_text()
    assert capsys.readouterr().out.count("Wrote") == 2


def test_render_backward_draws_the_backward_circuit_of_the_output(tmp_path, capsys):
    out = tmp_path / "c.svg"
    assert main(["render", script(tmp_path, CIRCUIT), "--backward", "-o", str(out)]) == 0
    labels = svg_texts(out)
    assert "backward circuit of f" in labels
    assert {"∂f/∂x", "∂f/∂y", "∂f/∂z"} <= set(labels)
    assert {"-4.00", "3.00"} <= set(labels)  # d f/d x = d f/d y = -4, d f/d z = 3, as values


def test_render_a_graph_file_with_and_without_feeds(tmp_path, capsys):
    graph = tmp_path / "c.json"
    assert main(["render", script(tmp_path, CIRCUIT), "-o", str(graph)]) == 0
    assert main(["render", str(graph), "-o", str(tmp_path / "bare.dot")]) == 0
    assert "drawing the structure only" in capsys.readouterr().out
    assert "font color" not in (tmp_path / "bare.dot").read_text()
    feeds = ["--feed", "x=-2", "--feed", "y=5", "--feed", "z=-4"]
    assert main(["render", str(graph), "-o", str(tmp_path / "full.svg"), *feeds]) == 0
    assert "-12.00" in svg_texts(tmp_path / "full.svg")
    assert main(["render", str(graph), "-o", str(tmp_path / "q.dot"), "--node", "q", *feeds]) == 0
    assert "-12.00" not in (tmp_path / "q.dot").read_text()  # only q was run


def test_check_passes_and_fails_with_the_exit_code(tmp_path, capsys):
    assert main(["check", script(tmp_path, CIRCUIT)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "x" in out
    assert main(["check", script(tmp_path, BROKEN, "broken.py")]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "FAILED" in out


def test_check_a_graph_file_needs_its_feeds(tmp_path, capsys):
    graph = tmp_path / "c.json"
    main(["render", script(tmp_path, CIRCUIT), "-o", str(graph)])
    capsys.readouterr()
    assert main(["check", str(graph)]) == 1
    assert "--feed x=VALUE" in capsys.readouterr().err
    assert main(["check", str(graph), "--feed", "x=1", "--feed", "y=2", "--feed", "z=3"]) == 0


def test_gates_lists_arity_and_plugin(capsys):
    assert main(["gates"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:]}
    assert rows["mul"][1] == "2" and rows["mul"][-1] == "gateflow.gates"
    assert rows["sigmoid"][1] == "1" and rows["sigmoid"][2] == "σ"


def test_plugins_lists_plugins_packages_and_hooks(capsys):
    assert main(["plugins"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert "gateflow 0.1.0" in rows["graphviz"] and "register_exporters" in rows["graphviz"]
    assert "configure" in rows["anomaly"] and "built in" in rows["gateflow.gates"]


def test_explain_writes_the_chain_rule(tmp_path, capsys):
    assert main(["explain", script(tmp_path, CIRCUIT)]) == 0
    out = capsys.readouterr().out
    assert "∂f/∂x = ∂f/∂q × ∂q/∂x = -4 × 1 = -4" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["explain", "missing.py"], "no such script"),
        (["check", "missing.json"], "No such file"),
        (["render", "notes.txt", "-o", "x.svg"], "a graph file (.json"),
        (["explain", "{circuit}", "--feed", "x"], "is not NAME=VALUE"),
        (["explain", "{circuit}", "--node", "nowhere"], "no node 'nowhere'"),
        (["explain", "{nobuild}"], "defines no build() function"),
        (["check", "{twosinks}"], "several outputs"),
    ],
)
def test_errors_exit_1_with_a_message(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    files = {
        "{circuit}": script(tmp_path, CIRCUIT),
        "{nobuild}": script(tmp_path, "x = 1\n", "nobuild.py"),
        "{twosinks}": script(tmp_path, """
            import gateflow as gf

            def build():
                g = gf.Graph()
                x = g.input("x")
                gf.exp(x), gf.log(x)
                return g, {"x": 1.0}, None
        """, "two.py"),
    }
    assert main([files.get(a, a) for a in argv]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"gateflow {argv[0]}: error:") and message in err


def test_the_installed_console_script_runs():
    gateflow = shutil.which("gateflow", path=str(Path(sys.executable).parent))
    assert gateflow, "the gateflow console script is installed next to python"
    done = subprocess.run([gateflow, "gates"], capture_output=True, text=True, check=True)
    assert "mul" in done.stdout and "gateflow.gates" in done.stdout


EXAMPLES = WORKED_EXAMPLES


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_worked_example_renders_checks_and_explains(example, tmp_path, capsys):
    svg = tmp_path / f"{example.stem}.svg"
    assert main(["render", str(example), "-o", str(svg)]) == 0
    assert len(svg_texts(svg)) > 5
    assert main(["check", str(example)]) == 0
    assert main(["explain", str(example)]) == 0
    out = capsys.readouterr().out
    assert "OK: every gradient agrees" in out and "Backward pass of" in out


def test_a_closed_pipe_ends_the_command_quietly():
    import subprocess
    import sys as _sys

    # far more than a pipe buffer holds, so a write fails once the reader has gone
    script = "from gateflow.cli import main\nfor _ in range(200): main(['gates'])"
    reader = subprocess.Popen([_sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.readline()
    reader.stdout.close()  # like `| head -1`
    assert "Broken pipe" not in reader.stderr.read().decode()
    reader.wait(timeout=60)
