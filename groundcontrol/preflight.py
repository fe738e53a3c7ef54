"""Pre-flight checks run before a mission is uploaded and started.

They catch the mistakes that are easy to make at a trailhead: a plan at 400 m because
feet and metres were mixed, a plan drawn for the other search area, a plan longer than
the battery, no GPS yet. They are advice from the ground station, not a guarantee: they
know only what the plan and the vehicle's telemetry say (no terrain, no obstacles, no
airspace, no wind), and the battery estimate is only as good as the endurance setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from groundcontrol.errors import PreflightError
from groundcontrol.snapshot import VehicleSnapshot
from search_patterns import mission_items as mi
from search_patterns.geo import LocalProjection, haversine_m
from search_patterns.mission_items import MissionItem

ARDUCOPTER_MAX_ITEMS = 650  # including home (ardupilot-facts section 5)


@dataclass(frozen=True)
class Limits:
    """What the team allows. Defaults suit a small multirotor under typical SAR rules."""

    max_alt_m: float = 120.0
    max_distance_m: float = 2000.0
    full_battery_s: float = 20 * 60.0  # hover-and-cruise endurance on a full pack
    reserve_pct: float = 25.0  # land with at least this much
    cruise_m_s: float = 10.0
    climb_m_s: float = 2.5
    max_items: int = ARDUCOPTER_MAX_ITEMS
    area_margin_m: float = 50.0
    min_satellites: int = 6


@dataclass(frozen=True)
class Check:
    """One check's outcome. A failed ``blocking`` check stops the flight."""

    name: str
    ok: bool
    message: str
    blocking: bool = True

    def __str__(self) -> str:
        mark = "ok  " if self.ok else ("FAIL" if self.blocking else "warn")
        return f"[{mark}] {self.name}: {self.message}"


def _nav_points(items: Sequence[MissionItem]) -> list[MissionItem]:
    return [it for it in items[1:] if it.command in (mi.MAV_CMD_NAV_WAYPOINT, mi.MAV_CMD_NAV_LOITER_TIME,
                                                     mi.MAV_CMD_NAV_LAND) and (it.x, it.y) != (0.0, 0.0)]


def _alt_above_home(item: MissionItem, home_alt: float | None) -> float:
    if item.frame == mi.MAV_FRAME_GLOBAL and home_alt is not None:
        return item.z - home_alt
    return item.z


def estimate_duration_s(items: Sequence[MissionItem], start: tuple[float, float] | None,
                        limits: Limits) -> float:
    """Flight time: climb, the path at cruise speed, the way home, and the descent."""
    pts = _nav_points(items)
    if not pts:
        return 0.0
    top = max([it.z for it in items[1:] if it.command == mi.MAV_CMD_NAV_TAKEOFF] + [p.z for p in pts])
    path = 0.0
    prev = start or (pts[0].x, pts[0].y)
    for p in pts:
        path += haversine_m(prev[0], prev[1], p.x, p.y)
        prev = (p.x, p.y)
    if start is not None:
        path += haversine_m(prev[0], prev[1], start[0], start[1])
    descent = min(top, 10.0) / 0.5 + max(0.0, top - 10.0) / 1.5  # ArduCopter LAND speeds
    return top / limits.climb_m_s + path / limits.cruise_m_s + descent


def check_plan(items: Sequence[MissionItem], snap: VehicleSnapshot | None, limits: Limits = Limits(), *,
               area: BaseGeometry | None = None, exclusions: Sequence[BaseGeometry] = (),
               mission_limit: int | None = None) -> list[Check]:
    """All checks for ``items`` flown by the vehicle in ``snap``. ``area`` is the search area
    (shapely, lon/lat; holes may be overflown); waypoints must lie within
    ``limits.area_margin_m`` of it. The path between waypoints must not cross ``exclusions``
    (no-fly zones, lon/lat)."""
    checks: list[Check] = []
    pts = _nav_points(items)
    limit = mission_limit or limits.max_items
    checks.append(Check("mission size", len(items) <= limit,
                        f"{len(items)} items (vehicle limit {limit}, including home)"))
    home_alt = snap.home_alt_amsl if snap is not None else None
    alts = [_alt_above_home(it, home_alt) for it in items[1:] if it.is_nav and it.command != mi.MAV_CMD_NAV_RETURN_TO_LAUNCH]
    top = max(alts, default=0.0)
    checks.append(Check("altitude", top <= limits.max_alt_m,
                        f"highest point {top:.0f} m above home (limit {limits.max_alt_m:.0f} m)"))
    if any(a < 0 for a in alts):
        checks.append(Check("altitude", False, "a mission item is below home altitude"))
    if area is not None and pts:
        proj = LocalProjection.around(area)
        outline = Polygon(area.exterior) if isinstance(area, Polygon) else area
        local_area = proj.geometry_to_local(outline).buffer(limits.area_margin_m)
        outside = [i for i, p in enumerate(pts, 1) if not local_area.contains(Point(*proj.to_local(p.x, p.y)))]
        checks.append(Check("search area", not outside,
                            "all waypoints inside the area" if not outside else
                            f"{len(outside)} waypoints more than {limits.area_margin_m:.0f} m outside the "
                            f"search area (first: waypoint {outside[0]})"))
    start = None
    if snap is not None and snap.has_position:
        start = (snap.lat, snap.lon)
    elif snap is not None and snap.home is not None:
        start = (snap.home_lat, snap.home_lon)
    if exclusions and len(pts) >= 1:
        proj = LocalProjection.around(exclusions[0])
        route = ([start] if start else []) + [(p.x, p.y) for p in pts]
        if start and items[-1].command == mi.MAV_CMD_NAV_RETURN_TO_LAUNCH:
            route.append(start)  # the way home counts too
        coords = [proj.to_local(la, lo) for la, lo in route]
        path = LineString(coords) if len(coords) > 1 else Point(coords[0])
        hit = [i for i, zone in enumerate(exclusions, 1) if path.intersects(proj.geometry_to_local(zone))]
        checks.append(Check("no-fly zones", not hit, "the path stays out of every no-fly zone" if not hit else
                            f"the path crosses no-fly zone {hit[0]} (of {len(exclusions)})"))
    if start is not None and pts:
        far = max(haversine_m(start[0], start[1], p.x, p.y) for p in pts)
        checks.append(Check("distance from vehicle", far <= limits.max_distance_m,
                            f"farthest waypoint {far:.0f} m away (limit {limits.max_distance_m:.0f} m)"))
    elif pts:
        checks.append(Check("distance from vehicle", False, "the vehicle has not reported a position yet"))
    duration = estimate_duration_s(items, start, limits)
    pct = snap.battery_pct if snap is not None and snap.battery_pct is not None else None
    if pct is None:
        checks.append(Check("battery endurance", False, "battery level unknown", blocking=False))
    else:
        usable_s = max(0.0, (pct - limits.reserve_pct) / 100.0 * limits.full_battery_s)
        checks.append(Check("battery endurance", duration <= usable_s,
                            f"plan needs about {duration / 60:.1f} min; {pct:.0f} % battery gives "
                            f"{usable_s / 60:.1f} min before the {limits.reserve_pct:.0f} % reserve"))
    if snap is not None:
        sats = snap.gps_satellites or 0
        gps_ok = (snap.gps_fix or 0) >= 3 and sats >= limits.min_satellites
        checks.append(Check("GPS", gps_ok, f"fix type {snap.gps_fix}, {sats} satellites"))
        checks.append(Check("EKF", snap.ekf_ok, "position estimate good" if snap.ekf_ok else
                            f"EKF not ready (flags {snap.ekf_flags})"))
        hb = snap.link.heartbeat_age
        checks.append(Check("link", hb is not None and hb < 3.0 and not snap.link.lost,
                            f"last heartbeat {hb:.1f} s ago, loss {snap.link.loss_pct:.0f} %" if hb is not None
                            else "no heartbeat"))
    return checks


def require(checks: Sequence[Check]) -> None:
    """Raise :class:`PreflightError` naming every failed blocking check."""
    failed = [c for c in checks if not c.ok and c.blocking]
    if failed:
        raise PreflightError("pre-flight check failed: " + "; ".join(f"{c.name}: {c.message}" for c in failed),
                             checks)

