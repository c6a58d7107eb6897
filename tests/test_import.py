"""What importing gateflow loads: its required dependencies only. Optional and heavy
packages load where they are used (the import time itself is measured by
benchmarks/bench_import.py, never asserted here)."""

import json
import subprocess
import sys

OPTIONAL = ("scipy", "matplotlib", "graphviz", "tqdm", "sklearn", "dask", "sympy")


def loaded_after(code: str) -> set[str]:
    """The top-level packages among OPTIONAL (plus gateflow's own modules) that a fresh
    interpreter has imported after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    modules = json.loads(out.splitlines()[-1])
    return {m for m in modules if m.split(".")[0] in OPTIONAL or m.startswith("gateflow")}


def optional(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules if m.split(".")[0] in OPTIONAL}


def test_import_gateflow_loads_no_optional_package():
    assert optional(loaded_after("import gateflow")) == set()


def test_loading_the_plugins_imports_no_drawing_code():
    modules = loaded_after("import gateflow.registry as r; r.registry()")
    assert optional(modules) == set()
    assert "gateflow_graphviz" in modules and "gateflow_graphviz.circuit" not in modules


def test_cli_help_loads_no_command_code():
    modules = loaded_after(
        "import contextlib, io\n"
        "from gateflow.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main([])"  # no command: prints the same help as --help, without exiting
    )
    assert optional(modules) == set()
    assert "gateflow.training.digits" not in modules and "gateflow.learn.demo" not in modules


def test_drawing_loads_graphviz_when_it_draws():
    modules = loaded_after("import gateflow as gf\ng = gf.Graph()\ngf.to_dot(g, None)")
    assert "graphviz" in optional(modules)
