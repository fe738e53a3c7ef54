"""The plan: an ordered path of waypoints, how it was made, and what it achieves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from search_patterns import mission_items as mi


@dataclass(frozen=True)
class Waypoint:
    """A point to fly through. ``alt`` is metres above home (MAVLink relative frame)."""

    lat: float
    lon: float
    alt: float


@dataclass(frozen=True)
class PlanStats:
    """Numbers a pilot and a coordinator judge a plan by."""

    waypoints: int = 0
    length_m: float = 0.0
    duration_s: float = 0.0
    area_m2: float = 0.0
    coverage_fraction: float = 0.0
    spacing_m: float = 0.0
    pod: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Flat dict for ``--json`` output and reports."""
        d = {k: getattr(self, k) for k in ("waypoints", "length_m", "duration_s", "area_m2",
                                             "coverage_fraction", "spacing_m", "pod")}
        d.update(self.extra)
        return d


@dataclass(frozen=True)
class Plan:
    """An ordered search path plus the parameters that made it.

    ``home`` is the planned launch point (lat, lon) when known. ``takeoff_alt`` is the
    altitude the mission climbs to before the first waypoint.
    """

    waypoints: tuple[Waypoint, ...]
    pattern: str = "custom"
    params: dict[str, Any] = field(default_factory=dict)
    stats: PlanStats = field(default_factory=PlanStats)
    home: tuple[float, float] | None = None
    takeoff_alt: float | None = None
    speed_m_s: float | None = None
    name: str = "plan"

    @property
    def first_waypoint_seq(self) -> int:
        """Mission seq of the first waypoint in :meth:`mission_items`: after home (0), the takeoff
        and, if the plan sets one, the speed change."""
        return 3 if self.speed_m_s else 2

    def mission_items(self, *, rtl: bool = True) -> list[mi.MissionItem]:
        """MAVLink mission items: home placeholder (seq 0), takeoff, optional speed, waypoints, RTL.

        Seq 0 is what ArduPilot replaces by home; we send the planned home (or the first
        waypoint) there so that other autopilots and files still get a sensible value.
        """
        if not self.waypoints:
            return []
        first = self.waypoints[0]
        hlat, hlon = self.home if self.home else (first.lat, first.lon)
        items = [mi.MissionItem(mi.MAV_CMD_NAV_WAYPOINT, mi.MAV_FRAME_GLOBAL, x=hlat, y=hlon, z=0.0)]
        takeoff = self.takeoff_alt if self.takeoff_alt is not None else first.alt
        items.append(mi.MissionItem(mi.MAV_CMD_NAV_TAKEOFF, x=0.0, y=0.0, z=takeoff))
        if self.speed_m_s:
            items.append(mi.MissionItem(mi.MAV_CMD_DO_CHANGE_SPEED, param1=1, param2=self.speed_m_s,
                                        param3=-1, frame=mi.MAV_FRAME_GLOBAL_RELATIVE_ALT))
        items.extend(mi.MissionItem(mi.MAV_CMD_NAV_WAYPOINT, x=w.lat, y=w.lon, z=w.alt) for w in self.waypoints)
        if rtl:
            items.append(mi.MissionItem(mi.MAV_CMD_NAV_RETURN_TO_LAUNCH))
        return items
