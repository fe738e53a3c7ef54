"""The vehicle a test flies against: the built-in simulator always, ArduPilot SITL when installed.

``vehicle`` is parametrized over both kinds, so a conformance test written once runs on
each. Tests talk MAVLink to ``vehicle.connection`` (SERIAL0) and ``vehicle.second_connection``
(SERIAL1) and nothing else; nothing here lets a test peek inside the simulator.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sitl.ardupilot import SitlLauncher, find_binary
from sitl.sim_vehicle import SimConfig, SimVehicle

TEST_SPEEDUP = float(os.environ.get("SARGC_TEST_SPEEDUP", "20"))
SITL_SKIP_REASON = "ArduPilot SITL not installed: set ARDUPILOT_SITL=/path/to/arducopter"


@dataclass(frozen=True)
class VehicleUnderTest:
    """Where to reach a running vehicle, and how fast its clock runs."""

    kind: str                   # "sim" or "sitl"
    connection: str             # SERIAL0, "tcp:127.0.0.1:PORT"
    second_connection: str      # SERIAL1
    speedup: float


def _free_sitl_instance() -> int:
    """An instance number whose SITL ports (5760+10N … 5763+10N) are all free right now."""
    for n in range(1, 60):
        ports = [5760 + 10 * n + k for k in range(4)]
        ok = True
        for port in ports:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return n
    pytest.skip("no free SITL instance ports")


def sitl_available() -> bool:
    path = find_binary()
    return path is not None and path.is_file()


@pytest.fixture
def sim_vehicle() -> Iterator[SimVehicle]:
    """A started built-in simulated vehicle on ephemeral ports, fast readiness, test speed-up."""
    sim = SimVehicle(SimConfig(speedup=TEST_SPEEDUP, tcp_port=0, serial1_port=0, readiness="fast")).start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture(params=["sim", pytest.param("sitl", marks=pytest.mark.sitl)])
def vehicle(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VehicleUnderTest]:
    """A fresh vehicle of each kind (SITL skipped with a clear reason when not installed)."""
    if request.param == "sim":
        sim = SimVehicle(SimConfig(speedup=TEST_SPEEDUP, tcp_port=0, serial1_port=0, readiness="fast")).start()
        try:
            yield VehicleUnderTest("sim", sim.connection_string, sim.second_connection_string, TEST_SPEEDUP)
        finally:
            sim.stop()
        return
    if not sitl_available():
        pytest.skip(SITL_SKIP_REASON)
    launcher = SitlLauncher(speedup=TEST_SPEEDUP, instance=_free_sitl_instance(),
                            workdir=tmp_path_factory.mktemp("sitl"))
    launcher.start()
    try:
        yield VehicleUnderTest("sitl", launcher.connection_string, launcher.second_connection_string, TEST_SPEEDUP)
    finally:
        launcher.stop()
