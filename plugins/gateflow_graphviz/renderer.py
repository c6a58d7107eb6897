"""Finding a Graphviz renderer and running it: ``$GATEFLOW_DOT``, then a system ``dot``,
then the self-contained ``graphviz-pure`` that installs with gateflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from gateflow.errors import RenderError

BUNDLED = "graphviz-pure"


def find_renderer() -> str:
    """The path of the renderer to use, or a `RenderError` saying how to get one."""
    setting = os.environ.get("GATEFLOW_DOT")
    if setting:
        found = shutil.which(setting)
        if found is None:
            raise RenderError(
                f"GATEFLOW_DOT is set to {setting!r}, which is not an executable. Point it at "
                "a Graphviz `dot` (or `graphviz-pure`) binary, or unset it."
            )
        return found
    beside_python = str(Path(sys.executable).parent)
    found = (
        shutil.which("dot")
        or shutil.which(BUNDLED, path=beside_python)
        or shutil.which(BUNDLED)
    )
    if found is None:
        raise RenderError(
            "no Graphviz renderer found: gateflow looks for $GATEFLOW_DOT, then `dot` on PATH, "
            f"then `{BUNDLED}` next to Python ({beside_python}) or on PATH. Get one with "
            f"`{sys.executable} -m pip install {BUNDLED}` (self-contained; it normally installs "
            "with gateflow), or install Graphviz (`apt install graphviz`, `brew install "
            "graphviz`), or set GATEFLOW_DOT=/path/to/dot. DOT text needs no renderer: write "
            "to a .dot file instead."
        )
    return found


def pipe(source: str, fmt: str) -> bytes:
    """Lay out DOT `source` and return it in format `fmt` ("svg" or "png")."""
    renderer = find_renderer()
    try:
        done = subprocess.run(
            [renderer, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, check=False
        )
    except OSError as exc:
        raise RenderError(f"could not run the Graphviz renderer {renderer}: {exc}") from exc
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(
            f"the Graphviz renderer {renderer} failed (exit code {done.returncode}): {message}"
        )
    return done.stdout
