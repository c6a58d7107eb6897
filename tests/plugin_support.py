"""Shared helpers for the plugin tests: plugin distributions made on the fly (a module plus
a real ``*.dist-info`` with entry points)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path




def install_plugin(monkeypatch, root: Path, module: str, source: str, entry: str | None = None,
                   package: str | None = None) -> None:
    """Make `module` importable from `root` with a dist-info declaring it in the gateflow group."""
    entry = entry or module
    package = package or f"gateflow-{entry}"
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{package.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[gateflow]\n{entry} = {module}\n")
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delitem(sys.modules, module, raising=False)


CUBE_SOURCE = (Path(__file__).parents[1] / "examples" / "plugin_cube" / "gateflow_cube.py").read_text()
