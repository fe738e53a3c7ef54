"""How the copter flies in each kind of mode: hold, brake, sink on a low throttle stick,
return to launch, land. Each behaviour moves the :class:`~sitl.flight.FlightModel` by one
step; the autopilot picks which one runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sitl.flight import FlightModel, Target

if TYPE_CHECKING:  # pragma: no cover
    from sitl.params import ParamStore

BRAKE_ACCEL = 2.0      # BRAKE mode: 9.9 m/s to a stop in about 5 s (measured 5.1 s)
LOITER_ACCEL = 3.3     # LOITER: stopped in about 3 s from cruise
MANUAL_SINK = 6.0      # STABILIZE/ACRO/DRIFT with the throttle at minimum


@dataclass
class HoldPoint:
    north: float
    east: float
    alt: float


def hold(f: FlightModel, p: HoldPoint, dt: float, accel: float = 2.5) -> None:
    """Stay at a point (position and altitude)."""
    f.horizontal_to(Target(p.north, p.east, 5.0), accel, dt)
    f.vertical_to(p.alt, 2.5, 1.5, dt)


def stopping_point(f: FlightModel, accel: float) -> HoldPoint:
    """Where the copter ends up if it brakes now (ArduPilot holds there, not where it was)."""
    v = f.groundspeed
    if v < 0.05:
        return HoldPoint(f.north, f.east, f.alt)
    d = v * v / (2 * accel)
    return HoldPoint(f.north + f.vn / v * d, f.east + f.ve / v * d, f.alt)


def brake_then_hold(f: FlightModel, p: HoldPoint, dt: float, accel: float) -> None:
    """Stop as fast as ``accel`` allows, holding altitude, then hold the stopping point."""
    if f.groundspeed > 0.3:
        f.brake(accel, dt)
        p.north, p.east = stopping_point(f, accel).north, stopping_point(f, accel).east
    else:
        f.horizontal_to(Target(p.north, p.east, 2.0), accel, dt)
    f.vertical_to(p.alt, 2.5, 1.5, dt)


def pilot_sink_rate(params: ParamStore) -> float:
    """Climb rate with SITL's throttle stick at 1000: full descent (PILOT_SPEED_DN, or _UP if 0)."""
    dn = params["PILOT_SPEED_DN"] or params["PILOT_SPEED_UP"]
    return -dn / 100.0


class Land:
    """LAND: hold position, descend at WPNAV_SPEED_DN (or LAND_SPEED_HIGH) above LAND_ALT_LOW, then
    LAND_SPEED. Touchdown and the disarm 2 s later are handled by the autopilot."""

    def __init__(self, f: FlightModel, params: ParamStore) -> None:
        self.point = HoldPoint(f.north, f.east, f.alt)
        self.params = params

    def update(self, f: FlightModel, dt: float) -> None:
        p = self.params
        high = (p["LAND_SPEED_HIGH"] or p["WPNAV_SPEED_DN"]) / 100.0
        rate = high if f.alt > p["LAND_ALT_LOW"] / 100.0 else p["LAND_SPEED"] / 100.0
        f.horizontal_to(Target(self.point.north, self.point.east, 2.0), 2.5, dt)
        f.vertical_rate(-rate, dt)


class ReturnToLaunch:
    """RTL: climb to the return altitude, fly home, loiter RTL_LOIT_TIME, then land (or hover at
    RTL_ALT_FINAL when that is set)."""

    def __init__(self, f: FlightModel, params: ParamStore, home_ne: tuple[float, float], now: float) -> None:
        self.params = params
        self.home_ne = home_ne
        dist = f.distance_to(*home_ne)
        rtl_alt = params["RTL_ALT"] / 100.0
        cone = params["RTL_CONE_SLOPE"]
        target = rtl_alt if cone <= 0 else min(rtl_alt, max(dist * cone, 2.0))
        self.return_alt = max(f.alt + params["RTL_CLIMB_MIN"] / 100.0, target)
        self.stage = "land" if f.on_ground else "climb"
        self.start_point = HoldPoint(f.north, f.east, f.alt)
        self.loiter_until = 0.0
        self.land: Land | None = Land(f, params) if f.on_ground else None

    @property
    def landing(self) -> bool:
        return self.stage == "land"

    def update(self, f: FlightModel, dt: float, now: float) -> None:
        p = self.params
        if self.stage == "climb":
            brake_then_hold(f, self.start_point, dt, BRAKE_ACCEL)
            f.vertical_to(self.return_alt, p["WPNAV_SPEED_UP"] / 100.0, p["WPNAV_SPEED_DN"] / 100.0, dt)
            if f.alt >= self.return_alt - 0.3:
                self.stage = "return"
        elif self.stage == "return":
            speed = (p["RTL_SPEED"] or p["WPNAV_SPEED"]) / 100.0
            f.horizontal_to(Target(*self.home_ne, speed), p["WPNAV_ACCEL"] / 100.0, dt)
            f.vertical_to(self.return_alt, 2.5, 1.5, dt)
            if f.distance_to(*self.home_ne) < 1.0 and f.groundspeed < 1.0:
                self.stage = "loiter"
                self.loiter_until = now + p["RTL_LOIT_TIME"] / 1000.0
        elif self.stage == "loiter":
            hold(f, HoldPoint(*self.home_ne, self.return_alt), dt)
            if now >= self.loiter_until:
                final = p["RTL_ALT_FINAL"] / 100.0
                self.stage = "final" if final > 0 else "land"
                self.land = Land(f, p)
        elif self.stage == "final":
            hold(f, HoldPoint(*self.home_ne, p["RTL_ALT_FINAL"] / 100.0), dt)
        else:
            assert self.land is not None
            self.land.update(f, dt)
