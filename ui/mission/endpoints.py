"""The far end of each vehicle's link: the built-in simulator, ArduPilot SITL, or a real drone.

This is the only place in the mission runner that knows a simulator exists, and all it does
with one is start it, hand back a connection string, and stop it. From then on the station
talks MAVLink to whatever answers, the same way for all three.

A scenario that blacks out the link puts the faulty-link proxy between the station and the
vehicle; the station then connects to the proxy and cannot tell the difference either.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search_patterns.errors import SargcError
from sitl.scenario import Home, Scenario, VehicleSpec


@dataclass
class VehicleEndpoint:
    """A running far end: its connection string and what to stop afterwards (last started, first stopped)."""

    name: str
    kind: str
    connection: str
    stoppers: list[Any] = field(default_factory=list)
    proxy: Any = None

    def stop(self) -> None:
        for obj in reversed(self.stoppers):
            try:
                obj.stop()
            except Exception:  # stopping must go on for the others  # noqa: S112
                continue
        self.stoppers.clear()


def sitl_available() -> str | None:
    """Path of the ArduPilot SITL binary, or None: ``ARDUPILOT_SITL`` or ``arducopter`` on PATH."""
    env = os.environ.get("ARDUPILOT_SITL")
    if env and Path(env).exists():
        return env
    return shutil.which("arducopter")


def start_endpoint(scenario: Scenario, index: int, *, speedup: float, readiness: str,
                   workdir: Path, sysid: int | None = None, battery_mah: float | None = None,
                   with_proxy: bool = False) -> VehicleEndpoint:
    """Start (or just name) vehicle ``index`` of ``scenario``. Raises SargcError with the reason."""
    spec: VehicleSpec = scenario.vehicles[index]
    home: Home = scenario.vehicle_home(index)
    ep = VehicleEndpoint(spec.name, spec.kind, spec.connection)
    try:
        if spec.kind == "sim":
            from sitl.sim_vehicle import SimConfig, SimVehicle

            mah = battery_mah or spec.battery_mah
            cfg = SimConfig(home=(home.lat, home.lon, home.alt_amsl_m, home.heading_deg), speedup=speedup,
                            tcp_port=0, serial1_port=0, sysid=sysid or 1, readiness=readiness,
                            wind_m_s=scenario.wind.speed_m_s, wind_dir_deg=scenario.wind.from_deg,
                            gust_m_s=scenario.wind.gust_m_s, seed=scenario.seed + index,
                            **({"battery_mah": float(mah)} if mah else {}))
            sim = SimVehicle(cfg)
            sim.start()
            ep.stoppers.append(sim)
            ep.connection = sim.connection_string
        elif spec.kind == "sitl":
            binary = sitl_available()
            if binary is None:
                raise SargcError("ArduPilot SITL not found: set ARDUPILOT_SITL to the arducopter binary "
                                 "or put arducopter on PATH (or use --vehicle sim)")
            from sitl.ardupilot import SitlLauncher

            run_dir = Path(tempfile.mkdtemp(prefix=f"sitl-{index + 1}-", dir=workdir))
            defaults = _sitl_defaults(run_dir, battery_mah or spec.battery_mah)
            launcher = SitlLauncher(binary=binary, defaults=defaults,
                                    home=(home.lat, home.lon, home.alt_amsl_m, home.heading_deg),
                                    speedup=speedup, instance=index, workdir=run_dir)
            ep.stoppers.append(launcher)
            launcher.start()
            ep.connection = launcher.connection_string
        if with_proxy:
            from sitl.faulty_link import FaultyProxy

            host, port = _tcp_target(ep.connection)
            proxy = FaultyProxy(upstream=(host, port), transport="tcp", seed=scenario.seed + index)
            ep.stoppers.append(proxy)
            proxy.start()
            ep.proxy = proxy
            ep.connection = proxy.connection_string
    except BaseException:
        ep.stop()
        raise
    return ep


def _sitl_defaults(run_dir: Path, battery_mah: float | None) -> str | None:
    """The defaults file for SITL: ``ARDUPILOT_DEFAULTS`` plus the scenario's battery, if it has one.

    SITL simulates a 3.3 Ah pack unless told otherwise; the scenario's capacity is given both to
    the simulated battery (SIM_BATT_CAP_AH) and to the autopilot's monitor (BATT_CAPACITY).
    """
    base = os.environ.get("ARDUPILOT_DEFAULTS") or None
    if not battery_mah:
        return base
    lines = []
    if base:
        try:
            lines.append(Path(base).read_text(encoding="utf-8").rstrip("\n"))
        except OSError as exc:
            raise SargcError(f"ARDUPILOT_DEFAULTS={base}: cannot read it ({exc})") from None
    lines += [f"BATT_CAPACITY {battery_mah:g}", f"SIM_BATT_CAP_AH {battery_mah / 1000.0:g}"]
    path = run_dir / "scenario.parm"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _tcp_target(connection: str) -> tuple[str, int]:
    """(host, port) of a ``tcp:HOST:PORT`` connection string, for the faulty-link proxy."""
    kind, _, rest = connection.partition(":")
    host, _, port = rest.rpartition(":")
    if kind != "tcp" or not port.isdigit():
        raise SargcError(f"a link blackout needs a TCP vehicle link, not {connection}")
    return host, int(port)
