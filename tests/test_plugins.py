"""Plugins: discovery through real entry points, the gate contract, duplicate names,
GATEFLOW_LOAD_PLUGINS, observation hooks, check_gate, and a plugin installed for real."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pluggy
import pytest
from plugin_support import CUBE_SOURCE, install_plugin

import gateflow as gf
from gateflow import cli, hookspecs
from gateflow.errors import GradientCheckError, PluginError, UnknownGateError
from gateflow.registry import BUILTIN_MODULES, Registry, register_plugin, make_plugin_manager, registry, unregister_plugin
from gateflow.testing import check_gate

ROOT = Path(__file__).parents[1]


def circuit():
    g = gf.Graph()
    x, y, z = g.input("x"), g.input("y"), g.input("z")
    q = g.gate("add", x, y, name="q")
    f = g.gate("mul", q, z, name="f")
    return g, f, {"x": -2.0, "y": 5.0, "z": -4.0}


# -- discovery -------------------------------------------------------------------------------


def test_first_party_plugins_come_from_the_entry_points_of_the_installed_package(fresh_registry):
    manager = registry().manager
    loaded = dict(manager.list_name_plugin())
    assert {"graphviz", "anomaly", "profiler"} <= set(loaded)
    packages = {manager.get_name(p): d.metadata["name"] for p, d in manager.list_plugin_distinfo()}
    assert packages["graphviz"] == packages["anomaly"] == packages["profiler"] == "gateflow"
    assert registry().exporters["graphviz"].plugin == "graphviz"
    assert registry().exporters["json"].plugin == "gateflow.files.graphfile"
    assert registry().gates["mul"].plugin == "gateflow.gates"


def test_a_plugin_distribution_on_the_path_provides_a_gate_by_name(fresh_registry, monkeypatch, tmp_path):
    install_plugin(monkeypatch, tmp_path, "gateflow_cube", CUBE_SOURCE, entry="cube")
    g = gf.Graph()
    x = g.input("x")
    with pytest.raises(UnknownGateError, match="cube"):
        g.gate("cube", x)
    fresh_registry.reload()
    c = g.gate("cube", x, name="c")
    run = g.forward({"x": 2.0})
    assert run[c] == 8.0
    assert run.backward(c)[x] == 12.0
    entry = registry().gates["cube"]
    assert entry.plugin == "cube"
    assert registry().distribution("cube") == "gateflow-cube"


def test_the_example_plugin_installs_into_a_fresh_venv_and_works_by_name(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    # gateflow itself comes from the test environment; only the plugin is installed here
    parent = sysconfig.get_paths()["purelib"]
    Path(purelib, "gateflow_parent.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         str(ROOT / "examples" / "plugin_cube")],
        check=True,
    )
    script = (
        "import gateflow as gf\n"
        "g = gf.Graph(); x = g.input('x'); c = g.gate('cube', x)\n"
        "run = g.forward({'x': 3.0}); print(run[c], run.backward(c)[x])\n"
    )
    out = subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["27.0", "27.0"]
    gates = subprocess.run([str(python), "-m", "gateflow.cli", "gates"], check=True, capture_output=True, text=True)
    cube_row = next(line for line in gates.stdout.splitlines() if line.startswith("cube "))
    assert cube_row.split()[1] == "1" and cube_row.split()[-1] == "cube"


def test_a_plugin_that_fails_to_import_gives_a_plugin_error(fresh_registry, monkeypatch, tmp_path):
    install_plugin(monkeypatch, tmp_path, "gateflow_broken", "import does_not_exist_anywhere\n", entry="broken")
    with pytest.raises(PluginError, match="does_not_exist_anywhere"):
        fresh_registry.reload()


def test_a_plugin_can_add_a_cli_command(fresh_registry, monkeypatch, tmp_path, capsys):
    source = """
        import gateflow as gf

        def configure(parser):
            parser.add_argument("--who", default="world")

        def run(args):
            print(f"hello {args.who}")
            return 3

        @gf.hookimpl
        def register_commands(register):
            register("hello", configure, run, help="say hello")
    """
    install_plugin(monkeypatch, tmp_path, "gateflow_hello", source, entry="hello")
    fresh_registry.reload()
    assert cli.main(["hello", "--who", "gates"]) == 3
    assert capsys.readouterr().out == "hello gates\n"


# -- GATEFLOW_LOAD_PLUGINS -------------------------------------------------------------------


def test_load_plugins_empty_loads_only_the_builtins(fresh_registry, monkeypatch):
    monkeypatch.setenv("GATEFLOW_LOAD_PLUGINS", "")
    fresh_registry.reload()
    names = {name for name, _ in registry().manager.list_name_plugin()}
    assert names == set(BUILTIN_MODULES)
    assert {"gateflow.gates", "gateflow.files.graphfile", "gateflow.cli.commands"} <= names
    assert "mul" in registry().gates and "json" in registry().exporters
    g, f, _ = circuit()
    with pytest.raises(PluginError, match="GATEFLOW_LOAD_PLUGINS"):
        gf.to_dot(g)


def test_load_plugins_list_limits_the_entry_points(fresh_registry, monkeypatch, tmp_path):
    install_plugin(monkeypatch, tmp_path, "gateflow_cube", CUBE_SOURCE, entry="cube")
    monkeypatch.setenv("GATEFLOW_LOAD_PLUGINS", "graphviz, cube")
    fresh_registry.reload()
    names = {name for name, _ in registry().manager.list_name_plugin()}
    assert {"graphviz", "cube"} <= names
    assert not {"anomaly", "profiler"} & names
    monkeypatch.setenv("GATEFLOW_LOAD_PLUGINS", "graphviz")
    fresh_registry.reload()
    assert "cube" not in registry().gates


# -- the gate contract and duplicate names ----------------------------------------------------


class _Plugin:
    """A plugin object registering the given gate classes."""

    def __init__(self, *classes):
        self.classes = classes

    @hookspecs.hookimpl
    def register_gates(self, register):
        for cls in self.classes:
            register(cls)


def _registry_with(*classes, name="myplugin"):
    manager = make_plugin_manager()
    manager.register(_Plugin(*classes), name=name)
    return Registry(manager)


class Good(gf.Gate):
    name, arity = "good", 1

    def forward(self, x):
        return x

    def backward(self, grad, out, x):
        return (grad,)


class NotAGate:
    name, arity = "nope", 1


class NoName(Good):
    name = ""


class ZeroArity(Good):
    name, arity = "zero", 0


class ForwardMismatch(Good):
    name, arity = "fwd", 2


class BackwardMismatch(Good):
    name = "bwd"

    def backward(self, grad, x):
        return (grad,)


class NoBackward(gf.Gate):
    name, arity = "nobackward", 1

    def forward(self, x):
        return x


@pytest.mark.parametrize(
    "cls, message",
    [
        (NotAGate, "not a subclass of gateflow.Gate"),
        (NoName, "needs a `name`"),
        (ZeroArity, "arity 0"),
        (ForwardMismatch, r"forward\(\) takes 1 arguments but arity 2 needs 2"),
        (BackwardMismatch, r"backward\(\) takes 2 arguments but arity 1 needs 3"),
        (NoBackward, r"does not implement backward\(\)"),
    ],
)
def test_contract_violations_name_the_plugin_and_the_gate(cls, message):
    with pytest.raises(PluginError, match=message) as info:
        _registry_with(cls)
    assert "'myplugin'" in str(info.value)
    assert cls.__name__ in str(info.value)


def test_a_good_gate_registers_and_keeps_its_plugin():
    reg = _registry_with(Good)
    assert reg.gates["good"].gate_class is Good and reg.gates["good"].plugin == "myplugin"


def test_duplicate_gate_names_are_refused_naming_both_plugins():
    class Mul(Good):
        name = "mul"

    with pytest.raises(PluginError) as info:
        _registry_with(Mul, name="copycat")
    text = str(info.value)
    assert "'copycat'" in text and "'mul'" in text and "'gateflow.gates'" in text


def test_duplicate_exporter_suffixes_are_refused():
    class Exporters:
        @hookspecs.hookimpl
        def register_exporters(self, register):
            register("svg2", lambda graph, path, **kw: None, suffixes=(".svg",))

    manager = make_plugin_manager()
    manager.register(Exporters(), name="svgplugin")
    with pytest.raises(PluginError, match="'.svg'.*'graphviz'"):
        Registry(manager)


# -- observation hooks ------------------------------------------------------------------------


class Spy:
    """Records every observation hook call."""

    def __init__(self):
        self.calls = []

    @hookspecs.hookimpl
    def gate_forward_start(self, node, input_names):
        self.calls.append(("forward_start", node, input_names))

    @hookspecs.hookimpl
    def gate_forward(self, node, gate, inputs, output):
        self.calls.append(("forward", node, gate.name, [float(v) for v in inputs], float(output)))

    @hookspecs.hookimpl
    def gate_backward_start(self, node, grad):
        self.calls.append(("backward_start", node, float(grad)))

    @hookspecs.hookimpl
    def gate_backward(self, node, input_names, input_grads):
        self.calls.append(("backward", node, input_names, [float(g) for g in input_grads]))


def test_without_observers_plans_compile_the_plain_loops(fresh_registry):
    g, f, feeds = circuit()
    plan = g.plan()
    assert plan.observe_forward is None and plan.observe_backward is None
    assert g.forward(feeds).backward(f)["x"] == -4.0


def test_observers_see_every_gate_call_in_order_and_stop_when_removed(fresh_registry):
    g, f, feeds = circuit()
    g.forward(feeds)  # compiled without observers first
    spy = Spy()
    register_plugin(spy, "spy")
    try:
        g.forward(feeds).backward(f)
        assert g.plan().observe_forward is not None
    finally:
        unregister_plugin("spy")
    assert spy.calls == [
        ("forward_start", "q", ("x", "y")),
        ("forward", "q", "add", [-2.0, 5.0], 3.0),
        ("forward_start", "f", ("q", "z")),
        ("forward", "f", "mul", [3.0, -4.0], -12.0),
        ("backward_start", "f", 1.0),
        ("backward", "f", ("q", "z"), [-4.0, 3.0]),
        ("backward_start", "q", -4.0),
        ("backward", "q", ("x", "y"), [-4.0, -4.0]),
    ]
    count = len(spy.calls)
    g.forward(feeds).backward(f)
    assert len(spy.calls) == count
    assert g.plan().observe_forward is None and g.plan().observe_backward is None


def test_an_entry_point_plugin_observing_only_forward_leaves_backward_plain(fresh_registry, monkeypatch, tmp_path):
    source = """
        import gateflow as gf
        SEEN = []

        @gf.hookimpl
        def gate_forward(node, output):
            SEEN.append((node, float(output)))
    """
    install_plugin(monkeypatch, tmp_path, "gateflow_watch", source, entry="watch")
    fresh_registry.reload()
    g, f, feeds = circuit()
    g.forward(feeds).backward(f)
    assert sys.modules["gateflow_watch"].SEEN == [("q", 3.0), ("f", -12.0)]
    start, end = g.plan().observe_forward
    assert start is None and end is not None
    assert g.plan().observe_backward is None


def test_an_observer_error_stops_the_run_unchanged(fresh_registry):
    class Stop:
        @hookspecs.hookimpl
        def gate_forward(self, node):
            if node == "f":
                raise gf.GateflowError("stopped at f")

    register_plugin(Stop(), "stop")
    g, _, feeds = circuit()
    with pytest.raises(gf.GateflowError, match="^stopped at f$"):
        g.forward(feeds)
    with pytest.raises(PluginError, match="already registered"):
        register_plugin(Stop(), "stop")


# -- check_gate ------------------------------------------------------------------------------


def _cube_class():
    namespace = {}
    exec(compile(CUBE_SOURCE, "gateflow_cube.py", "exec"), namespace)
    return namespace["CubeGate"]


def test_check_gate_passes_a_correct_gate_and_returns_the_report():
    report = check_gate(_cube_class(), [0.5, -1.5, 2.0])
    assert report.ok and [c.node for c in report.checks] == ["x0"]
    report = check_gate(gf.SumGate, np.arange(6.0).reshape(2, 3), axis=1)
    assert report.ok and report.checks[0].size == 6


def test_check_gate_catches_a_wrong_local_gradient():
    class WrongCube(_cube_class()):
        def backward(self, grad, out, x):
            return (grad * 2 * x**2,)

    with pytest.raises(GradientCheckError) as info:
        check_gate(WrongCube, [0.5, -1.5])
    assert info.value.report.checks[0].failures == 2


class GraphCube(gf.Gate):
    """f(x) = x³ with both backwards."""

    name, arity = "graph_cube", 1

    def forward(self, x):
        return x**3

    def backward(self, grad, out, x):
        return (grad * 3 * x**2,)

    def backward_graph(self, ops, grad, out, x):
        return (grad * 3 * x**2,)


def test_check_gate_checks_a_graph_backward_against_the_numpy_one():
    assert check_gate(GraphCube, np.array([[0.5, -1.5, 2.0]])).ok

    class WrongGraphCube(GraphCube):
        def backward_graph(self, ops, grad, out, x):
            return (grad * 2 * x**2,)

    with pytest.raises(GradientCheckError, match=r"graph_cube.*backward_graph.*numpy backward"):
        check_gate(WrongGraphCube, [0.5, -1.5])


def test_check_gate_checks_the_second_derivatives_of_a_graph_backward():
    class NotDifferentiableAgain(GraphCube):
        """Its graph backward uses a gate whose own numpy backward is wrong."""

        def backward_graph(self, ops, grad, out, x):
            return (grad * ops.apply(WrongSquareTimesThree(), x),)

    class WrongSquareTimesThree(gf.Gate):
        name, arity = "wrong_square3", 1

        def forward(self, x):
            return 3 * x**2

        def backward(self, grad, out, x):
            return (grad * 3 * x,)  # should be 6x

    with pytest.raises(GradientCheckError):
        check_gate(NotDifferentiableAgain, [0.5, -1.5])


def test_check_gate_checks_the_contract_and_the_sample_count():
    with pytest.raises(PluginError, match="backward"):
        check_gate(BackwardMismatch, [1.0])
    with pytest.raises(gf.ArityError):
        check_gate(gf.MultiplyGate, [1.0])


def test_pluggy_is_the_plugin_manager(fresh_registry):
    assert isinstance(registry().manager, pluggy.PluginManager)
    assert registry().manager.project_name == "gateflow"


def test_plain_runs_never_reach_the_observed_code(fresh_registry, monkeypatch):
    from gateflow.engine.scheduler import Plan

    def forbidden(*args, **kwargs):
        raise AssertionError("observed code ran without observers")

    monkeypatch.setattr(Plan, "_observed_backward", forbidden)
    g, f, feeds = circuit()
    grads = g.forward(feeds).backward(f)
    assert (grads["x"], grads["y"], grads["z"]) == (-4.0, -4.0, 3.0)
    register_plugin(Spy(), "spy")
    with pytest.raises(gf.GateflowError, match="observed code ran"):
        g.forward(feeds).backward(f)
    unregister_plugin("spy")


def test_a_plugin_registered_at_run_time_adds_its_gates_at_once():
    import types

    class Softsign(gf.Gate):
        """f(x) = x / (1 + |x|); local gradient 1 / (1 + |x|)²."""

        name, arity = "softsign_rt", 1

        def forward(self, x):
            return x / (1 + np.abs(x))

        def backward(self, grad, out, x):
            return (grad / (1 + np.abs(x)) ** 2,)

    plugin = types.SimpleNamespace(register_gates=gf.hookimpl(lambda register: register(Softsign)))
    register_plugin(plugin, "softsign-plugin")
    try:
        g = gf.Graph()
        x = g.input("x")
        s = g.gate("softsign_rt", x)
        assert g.forward({"x": 1.0})[s] == 0.5
        gf.gradcheck(g, {"x": [0.3, -2.0]}, s)
    finally:
        unregister_plugin("softsign-plugin")
    with pytest.raises(gf.UnknownGateError):
        gf.Graph().gate("softsign_rt", 1.0)


def test_a_plugin_breaking_the_contract_at_run_time_is_refused_and_not_kept():
    import types

    class NoBackward(gf.Gate):
        name, arity = "no_backward_rt", 1

        def forward(self, x):
            return x

    plugin = types.SimpleNamespace(register_gates=gf.hookimpl(lambda register: register(NoBackward)))
    with pytest.raises(gf.PluginError, match="bad-plugin.*backward"):
        register_plugin(plugin, "bad-plugin")
    assert registry().manager.get_plugin("bad-plugin") is None
    assert "no_backward_rt" not in registry().gates
