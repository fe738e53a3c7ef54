"""Return-home reserve: warn, then order RTL, before the battery is too low to get back.

ArduCopter's own battery failsafe is off by default (``BATT_FS_LOW_ACT=0``), and a search
pattern leads the aircraft away from home, so the station keeps watch. The battery
needed to get home is estimated from the distance to home, the return speed, the descent,
and the consumption actually measured in this flight (% per second over the last minute);
until enough has been measured it assumes the configured full-battery endurance.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

from groundcontrol.snapshot import VehicleSnapshot
from search_patterns.geo import haversine_m


@dataclass(frozen=True)
class ReservePolicy:
    floor_pct: float = 15.0  # still left on landing
    warn_margin_pct: float = 10.0  # warn this much before ordering RTL
    return_speed_m_s: float = 10.0  # ArduCopter WPNAV_SPEED default
    full_battery_s: float = 20 * 60.0
    safety_factor: float = 1.3
    window_s: float = 60.0


@dataclass(frozen=True)
class ReserveState:
    level: str  # "ok", "warn", "rtl" or "unknown"
    remaining_pct: float | None
    needed_pct: float | None
    message: str


class ReturnReserve:
    """Feed it snapshots (any rate); it says whether to warn or to return home now."""

    def __init__(self, policy: ReservePolicy = ReservePolicy()) -> None:
        self.policy = policy
        self._history: collections.deque[tuple[float, float]] = collections.deque()

    def consumption_pct_s(self) -> float:
        """Measured drain, or the configured endurance until a minute-long drop of ≥1 % is seen."""
        default = 100.0 / self.policy.full_battery_s
        if len(self._history) < 2:
            return default
        (t0, p0), (t1, p1) = self._history[0], self._history[-1]
        if t1 - t0 < 10.0 or p0 - p1 < 1.0:
            return default
        return max(default * 0.25, (p0 - p1) / (t1 - t0))

    def needed_pct(self, snap: VehicleSnapshot) -> float | None:
        if not snap.has_position or snap.home is None:
            return None
        dist = haversine_m(snap.lat, snap.lon, snap.home_lat, snap.home_lon)
        alt = max(0.0, snap.alt_rel or 0.0)
        seconds = dist / self.policy.return_speed_m_s + min(alt, 10.0) / 0.5 + max(0.0, alt - 10.0) / 1.5 + 10.0
        return self.policy.floor_pct + seconds * self.consumption_pct_s() * self.policy.safety_factor

    def update(self, snap: VehicleSnapshot) -> ReserveState:
        pct = snap.battery_pct
        if pct is None or not snap.armed:
            self._history.clear()
            return ReserveState("unknown", pct, None, "battery or flight state unknown")
        # The vehicle's own clock: consumption per second must be in the same seconds as the
        # return time computed from its speed (a sped-up simulator runs faster than ours).
        t = snap.vehicle_time if snap.vehicle_time is not None else snap.time
        if self._history and t < self._history[-1][0]:
            self._history.clear()  # the vehicle rebooted
        self._history.append((t, pct))
        while self._history and t - self._history[0][0] > self.policy.window_s:
            self._history.popleft()
        needed = self.needed_pct(snap)
        if needed is None:
            return ReserveState("unknown", pct, None, "no position or home yet")
        if pct <= needed:
            return ReserveState("rtl", pct, needed, f"battery {pct:.0f} % is what it takes to get home "
                                                    f"({needed:.0f} %): returning home")
        if pct <= needed + self.policy.warn_margin_pct:
            return ReserveState("warn", pct, needed, f"battery {pct:.0f} %: return home needs about "
                                                     f"{needed:.0f} %; RTL soon")
        return ReserveState("ok", pct, needed, f"battery {pct:.0f} %, home needs {needed:.0f} %")
