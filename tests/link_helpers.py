"""Helpers shared by the link tests: the vehicle fixture (from tests/vehicles.py when it is
there, else the built-in simulator directly) and small plans near the vehicle's home."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from search_patterns.geo import offset_latlon
from search_patterns.plan import Plan, Waypoint

HOME = (-35.363261, 149.165230, 584.0, 353.0)

try:  # the project-wide fixture: parametrised over the built-in vehicle and real SITL
    from vehicles import vehicle  # noqa: F401
except ImportError:  # pragma: no cover - only until tests/vehicles.py lands
    @dataclass
    class _SimHandle:
        sim: object
        connection: str
        second_connection: str
        speedup: float

    @pytest.fixture
    def vehicle():
        from sitl.sim_vehicle import SimConfig, SimVehicle

        sim = SimVehicle(SimConfig(home=HOME, speedup=10, tcp_port=0, readiness="fast")).start()
        try:
            yield _SimHandle(sim, sim.connection_string, sim.second_connection_string, sim.speedup)
        finally:
            sim.stop()


def small_plan(home=HOME, legs=((40, 0), (40, 30), (0, 30)), alt=15.0, speed=None) -> Plan:
    """A few waypoints metres north/east of home, flown at ``alt`` above home."""
    lat, lon = home[0], home[1]
    wps = tuple(Waypoint(*offset_latlon(lat, lon, n, e), alt) for n, e in legs)
    return Plan(wps, pattern="lawnmower", takeoff_alt=alt, speed_m_s=speed, home=(lat, lon))


def lawnmower(home=HOME, rows=4, length=60.0, spacing=20.0, alt=20.0) -> Plan:
    legs = []
    for r in range(rows):
        e = r * spacing
        ends = [(20.0, e), (20.0 + length, e)]
        legs.extend(ends if r % 2 == 0 else ends[::-1])
    return small_plan(home, tuple(legs), alt)


def eventually(cond, timeout: float, step: float = 0.05):
    """Wait until ``cond()`` is truthy; returns its value, or fails the test with a timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)
