"""Loading the scripts in examples/ as modules, for the tests that check them."""

import importlib.util
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WORKED_EXAMPLES = sorted(EXAMPLES.glob("0*.py"))


def load_example(stem: str):
    """The module examples/<stem>.py, or for a number like "03" the worked example 03_*.py."""
    path = EXAMPLES / f"{stem}.py"
    if not path.exists():
        path = next(EXAMPLES.glob(f"{stem}_*.py"))
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
