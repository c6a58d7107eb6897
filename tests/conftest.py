import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "gateflow",
    max_examples=int(os.environ.get("GATEFLOW_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("gateflow")
