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
            launcher = SitlLauncher(**_sitl_kwargs(SitlLauncher, binary=binary, home=home, speedup=speedup,
                                                   instance=index, workdir=run_dir))
            launcher.start()
            ep.stoppers.append(launcher)
            ep.connection = launcher.connection_string
        if with_proxy:
            from sitl.faulty_link import FaultyProxy

            proxy = FaultyProxy(**_proxy_kwargs(FaultyProxy, ep.connection, scenario.seed + index))
            proxy.start()
            ep.stoppers.append(proxy)
            ep.proxy = proxy
            ep.connection = proxy.connection_string
    except BaseException:
        ep.stop()
        raise
    return ep


def _params(cls: Any) -> set[str]:
    import inspect

    try:
        return set(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return set()


def _sitl_kwargs(cls: Any, *, binary: str, home: Home, speedup: float, instance: int, workdir: Path) -> dict[str, Any]:
    names = _params(cls)
    cand = {"binary": binary, "home": (home.lat, home.lon, home.alt_amsl_m, home.heading_deg),
            "speedup": speedup, "instance": instance, "workdir": workdir, "work_dir": workdir}
    return {k: v for k, v in cand.items() if k in names}


def _proxy_kwargs(cls: Any, upstream: str, seed: int) -> dict[str, Any]:
    names = _params(cls)
    cand = {"upstream": upstream, "target": upstream, "seed": seed}
    return {k: v for k, v in cand.items() if k in names}
