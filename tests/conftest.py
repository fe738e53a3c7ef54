"""Test-wide settings: Qt runs offscreen, hypothesis profiles, and shared helpers."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from vehicles import sim_vehicle, vehicle  # noqa: E402,F401  (vehicle fixtures: sim always, SITL when installed)
