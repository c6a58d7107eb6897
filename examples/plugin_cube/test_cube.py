"""The plugin's own test, the way a plugin author writes it (run: pytest test_cube.py)."""

from gateflow.testing import check_gate
from gateflow_cube import CubeGate


def test_cube_gate_matches_central_differences():
    report = check_gate(CubeGate, [0.5, -1.5, 2.0])
    assert report.ok
