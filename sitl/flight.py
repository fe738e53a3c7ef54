"""A point-mass multicopter with ArduCopter-like position and altitude control.

This is not an aerodynamic model: it reproduces what a ground station sees on the wire
(speeds, acceleration and turn behaviour, climb and descent rates, tilt from acceleration
and wind, yaw towards the direction of travel). Positions are metres north/east of the
simulation origin (the configured home) and metres above the ground there; the ground is
flat at the home altitude.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from search_patterns.geo import EARTH_RADIUS_M, offset_latlon

G = 9.80665
MAX_TILT_DEG = 30.0           # ANGLE_MAX 3000 cdeg
YAW_RATE_DEG_S = 60.0         # ArduCopter's default yaw slew
DRAG_PER_M_S = 0.26           # m/s^2 of drag per m/s airspeed (≈15° tilt at 10 m/s)
VERT_ACCEL = 2.5              # m/s^2, vertical acceleration limit


@dataclass
class Target:
    """What the horizontal controller is flying to."""

    north: float
    east: float
    speed: float               # cruise speed, m/s
    end_speed: float = 0.0     # speed allowed when arriving (corner speed; 0 = stop)


class FlightModel:
    """Kinematic state plus the controllers that move it.

    Each ``step`` applies one horizontal and one vertical command chosen by the flight
    mode. The controllers are ArduPilot-shaped: a square-root stopping profile with an
    acceleration limit (WPNAV_ACCEL), so the copter slows into a waypoint, cuts corners
    a little, and stops in a few seconds from cruise.
    """

    def __init__(self, lat0: float, lon0: float, alt0_amsl: float, heading_deg: float,
                 wind_m_s: float = 0.0, wind_dir_deg: float = 0.0, gust_m_s: float = 0.0,
                 seed: int = 0) -> None:
        self.lat0, self.lon0, self.alt0_amsl = lat0, lon0, alt0_amsl
        self.north = self.east = self.alt = 0.0
        self.vn = self.ve = self.vz = 0.0           # vz positive up
        self.an = self.ae = 0.0                     # last horizontal acceleration
        self.yaw = heading_deg % 360.0
        self.roll = self.pitch = 0.0
        self.wind_speed = wind_m_s
        self.wind_from_deg = wind_dir_deg
        self.gust_m_s = gust_m_s
        self._gust_n = self._gust_e = 0.0
        self._rng = random.Random(seed)
        self.on_ground = True
        self.yaw_target: float | None = None

    # ---------------------------------------------------------------- positions
    def latlon(self) -> tuple[float, float]:
        return offset_latlon(self.lat0, self.lon0, self.north, self.east)

    def to_local(self, lat: float, lon: float) -> tuple[float, float]:
        """Latitude/longitude → (north, east) metres, the inverse of :meth:`latlon`."""
        north = math.radians(lat - self.lat0) * EARTH_RADIUS_M
        east = math.radians(lon - self.lon0) * EARTH_RADIUS_M * math.cos(math.radians(self.lat0))
        return north, east

    def distance_to(self, north: float, east: float) -> float:
        return math.hypot(north - self.north, east - self.east)

    @property
    def airborne(self) -> bool:
        return not self.on_ground

    def fall(self, dt: float) -> None:
        """Motors stopped in the air: free fall (no acceleration limit)."""
        self.vz -= G * dt

    @property
    def groundspeed(self) -> float:
        return math.hypot(self.vn, self.ve)

    @property
    def course_deg(self) -> float:
        return math.degrees(math.atan2(self.ve, self.vn)) % 360.0

    def wind_vector(self) -> tuple[float, float]:
        """Wind velocity (towards), north/east m/s, including the current gust."""
        to = math.radians(self.wind_from_deg + 180.0)
        return (self.wind_speed * math.cos(to) + self._gust_n, self.wind_speed * math.sin(to) + self._gust_e)

    # ---------------------------------------------------------------- horizontal commands
    def horizontal_to(self, target: Target, accel: float, dt: float) -> None:
        """Fly towards a point: cruise, then slow on a sqrt profile to ``end_speed`` at the point."""
        dn, de = target.north - self.north, target.east - self.east
        dist = math.hypot(dn, de)
        if dist < 1e-6:
            want_n = want_e = 0.0
        else:
            # Speed from which we can still slow to end_speed over the remaining distance
            # (plus a little proportional gain very close in, so the hover settles on the point).
            v = min(target.speed, math.sqrt(target.end_speed ** 2 + 2.0 * accel * 0.8 * dist))
            if target.end_speed == 0.0:
                v = min(v, 1.5 * dist)
            want_n, want_e = dn / dist * v, de / dist * v
        self._accelerate_to(want_n, want_e, accel, dt)

    def along_leg(self, origin: tuple[float, float], target: Target, accel: float, dt: float) -> None:
        """Fly the straight line from ``origin`` to the target (ArduPilot's waypoint navigation): the
        along-track speed follows the stopping profile, the cross-track error is pulled back to the line."""
        on, oe = origin
        ln, le = target.north - on, target.east - oe
        length = math.hypot(ln, le)
        if length < 1.0:
            self.horizontal_to(target, accel, dt)
            return
        un, ue = ln / length, le / length
        rn, re = target.north - self.north, target.east - self.east
        along = rn * un + re * ue                     # distance still to go along the leg
        cross = -rn * ue + re * un                    # signed distance off the line
        if along <= 0.0:
            self.horizontal_to(target, accel, dt)
            return
        v = min(target.speed, math.sqrt(target.end_speed ** 2 + 2.0 * accel * 0.8 * along))
        if target.end_speed == 0.0:
            v = min(v, 1.5 * along)
        vc = max(-target.speed, min(target.speed, 0.8 * cross))
        want_n, want_e = un * v - ue * vc, ue * v + un * vc    # (-ue, un) points from us to the line
        mag = math.hypot(want_n, want_e)
        if mag > target.speed:
            want_n, want_e = want_n / mag * target.speed, want_e / mag * target.speed
        self._accelerate_to(want_n, want_e, accel, dt)

    def brake(self, accel: float, dt: float) -> None:
        """Decelerate to a stop as fast as ``accel`` allows."""
        self._accelerate_to(0.0, 0.0, accel, dt)

    def drift(self, dt: float) -> None:
        """No horizontal control: the copter coasts and drag slowly stops it."""
        self._accelerate_to(self.vn * 0.9, self.ve * 0.9, 1.0, dt)

    def _accelerate_to(self, want_n: float, want_e: float, accel: float, dt: float) -> None:
        dvn, dve = want_n - self.vn, want_e - self.ve
        dv = math.hypot(dvn, dve)
        max_dv = accel * dt
        if dv > max_dv:
            dvn, dve = dvn / dv * max_dv, dve / dv * max_dv
        self.an, self.ae = dvn / dt if dt else 0.0, dve / dt if dt else 0.0
        self.vn += dvn
        self.ve += dve

    # ---------------------------------------------------------------- vertical commands
    def vertical_to(self, alt: float, up: float, down: float, dt: float) -> None:
        """Climb or descend to ``alt`` at up to ``up``/``down`` m/s, easing off near it."""
        err = alt - self.alt
        v = math.copysign(min(math.sqrt(2.0 * VERT_ACCEL * 0.5 * abs(err)), 1.2 * abs(err)), err)
        self.vertical_rate(max(-down, min(up, v)), dt)

    def vertical_rate(self, rate: float, dt: float) -> None:
        """Hold a climb rate (m/s, positive up), with the vertical acceleration limit."""
        dv = max(-VERT_ACCEL * dt, min(VERT_ACCEL * dt, rate - self.vz))
        self.vz += dv

    # ---------------------------------------------------------------- integration
    def integrate(self, dt: float) -> float | None:
        """Move by the current velocity (plus gust disturbance). Returns the touchdown
        speed (m/s) if the copter hit the ground during this step, else None."""
        self._update_gust(dt)
        if self.on_ground and self.vz <= 0.0:
            self.vn = self.ve = self.vz = 0.0
            self.an = self.ae = 0.0
            self._update_attitude(dt)
            return None
        # Gusts push the copter off its path a little; the position controller pulls it back.
        self.north += (self.vn + 0.15 * self._gust_n) * dt
        self.east += (self.ve + 0.15 * self._gust_e) * dt
        self.alt += self.vz * dt
        self.on_ground = False
        touchdown = None
        if self.alt <= 0.0:
            touchdown = abs(self.vz)
            self.alt = 0.0
            self.vn = self.ve = self.vz = 0.0
            self.on_ground = True
        self._update_attitude(dt)
        return touchdown

    def _update_gust(self, dt: float) -> None:
        if self.gust_m_s <= 0.0:
            return
        tau = 3.0  # seconds: gusts change over a few seconds (first-order Gauss-Markov)
        k = math.exp(-dt / tau)
        sigma = self.gust_m_s * math.sqrt(1.0 - k * k)
        self._gust_n = k * self._gust_n + self._rng.gauss(0.0, sigma)
        self._gust_e = k * self._gust_e + self._rng.gauss(0.0, sigma)

    def _update_attitude(self, dt: float) -> None:
        # Yaw: towards the target if one is set, else along the track when moving.
        want = self.yaw_target
        if want is None and self.groundspeed > 1.0:
            want = self.course_deg
        if want is not None:
            diff = (want - self.yaw + 540.0) % 360.0 - 180.0
            step = YAW_RATE_DEG_S * dt
            self.yaw = (self.yaw + max(-step, min(step, diff))) % 360.0
        if self.on_ground:
            self.roll = self.pitch = 0.0
            return
        # Tilt: the thrust vector must supply the acceleration and cancel the drag of the airspeed.
        wn, we = self.wind_vector()
        fn = self.an + DRAG_PER_M_S * (self.vn - wn)
        fe = self.ae + DRAG_PER_M_S * (self.ve - we)
        yaw = math.radians(self.yaw)
        fwd = fn * math.cos(yaw) + fe * math.sin(yaw)
        right = -fn * math.sin(yaw) + fe * math.cos(yaw)
        lim = MAX_TILT_DEG
        self.pitch = max(-lim, min(lim, -math.degrees(math.atan2(fwd, G))))
        self.roll = max(-lim, min(lim, math.degrees(math.atan2(right, G))))
