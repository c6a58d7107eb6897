import os

import pytest
from hypothesis import HealthCheck, settings

from gateflow import registry

settings.register_profile(
    "gateflow",
    max_examples=int(os.environ.get("GATEFLOW_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("gateflow")


@pytest.fixture
def fresh_registry(monkeypatch):
    """Undo the test's environment / sys.path changes, then rebuild the plugin registry."""
    registry.reload()
    yield registry
    monkeypatch.undo()
    registry.reload()
