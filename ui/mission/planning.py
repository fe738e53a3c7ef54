"""Turning a scenario into one plan per vehicle, and writing the plan files.

With several vehicles the area is split first (``search_patterns.split``) and each vehicle
gets a lawnmower over its own part, entered from the corner nearest its launch point. The
legs run on to the area's edge (``overshoot`` of half a spacing) so that the ends of the
legs, which the turn alone would leave half-seen, are searched too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from search_patterns.area import SearchArea
from search_patterns.plan import Plan
from sitl.scenario import Scenario
from ui.mission.folder import MissionFolder

NO_FLY_CLEARANCE_M = 12.0


def _areas(scenario: Scenario) -> list[SearchArea]:
    n = len(scenario.vehicles)
    if n == 1:
        return [scenario.area]
    from search_patterns.split import split_area

    parts = list(split_area(scenario.area, n))
    if len(parts) != n:
        raise ValueError(f"split_area gave {len(parts)} parts for {n} vehicles")
    return parts


def plan_for_vehicles(scenario: Scenario) -> list[Plan]:
    """One lawnmower plan per vehicle (deterministic: the same scenario always gives the same plans)."""
    from search_patterns.lawnmower import plan_lawnmower
    from search_patterns.pod import SweepWidthTable

    p = scenario.pattern
    # the same effective sweep width the coverage report scores the flight with, so that
    # planned and achieved POD are comparable
    sweep = SweepWidthTable().width_m(p.alt_m, "open")
    # A copter in wind rounds its turns and drifts a few metres off its line: keep the path
    # well clear of no-fly zones (the camera still sees up to their edge).
    clearance = NO_FLY_CLEARANCE_M
    plans = []
    for i, area in enumerate(_areas(scenario)):
        home = scenario.vehicle_home(i)
        name = scenario.vehicles[i].name
        plan = plan_lawnmower(area, spacing_m=p.spacing_m, alt_m=p.alt_m, angle_deg=p.angle_deg,
                              home=(home.lat, home.lon), speed_m_s=p.speed_m_s,
                              overshoot_m=p.spacing_m / 2.0, sweep_width_m=sweep, clearance_m=clearance, name=f"{area.name} – {name}")
        plans.append(route_home_legs(plan, scenario.area, (home.lat, home.lon)))
    return plans


def write_plans(plans: Sequence[Plan], folder: MissionFolder, *, sortie: int = 1,
                indices: Sequence[int] | None = None, n_vehicles: int | None = None,
                area: SearchArea | None = None) -> list[Path]:
    """QGC ``.plan`` files into the mission folder: ``plan.plan`` or ``plan-N.plan`` per vehicle."""
    try:
        from search_patterns.formats import write_plan
    except ImportError:  # the planner's file formats are not installed: the plan still flies
        return []
    indices = list(indices) if indices is not None else list(range(len(plans)))
    n = n_vehicles if n_vehicles is not None else len(plans)
    out = []
    for i, plan in zip(indices, plans, strict=False):
        path = folder.plan_file(i, n, sortie)
        write_plan(plan, path, area)
        out.append(path)
    return out


def route_home_legs(plan: Plan, area: SearchArea, home: tuple[float, float], *,
                    clearance_m: float = NO_FLY_CLEARANCE_M) -> Plan:
    """Add waypoints so the flights from home to the first waypoint and from the last one
    back home go around no-fly zones (ArduCopter's RTL flies a straight line home).

    Waypoints already inside the plan are kept; only corners of the shortest way around the
    zones (``search_patterns.routing.Router``) are added, at the plan's altitude.
    """
    if not area.exclusions or not plan.waypoints:
        return plan
    import shapely
    from shapely.geometry import Point
    from shapely.ops import unary_union

    from search_patterns.plan import Waypoint
    from search_patterns.routing import Router

    proj = area.projection()
    home_xy = proj.to_local(*home)
    outline = proj.geometry_to_local(area.polygon)
    region = shapely.convex_hull(unary_union([outline, Point(home_xy)])).buffer(2 * clearance_m)
    no_fly = unary_union([proj.geometry_to_local(e).buffer(clearance_m, join_style="mitre") for e in area.exclusions])
    region = region.difference(no_fly)
    router = Router(region)
    alt = plan.waypoints[0].alt
    first = proj.to_local(plan.waypoints[0].lat, plan.waypoints[0].lon)
    last = proj.to_local(plan.waypoints[-1].lat, plan.waypoints[-1].lon)

    def corners(a: tuple[float, float], b: tuple[float, float]) -> list[Waypoint]:
        try:
            path = router.path(a, b)
        except Exception:  # no way round inside the region: leave the plan as it is
            return []
        return [Waypoint(*proj.to_latlon(x, y), alt) for x, y in path[1:-1]]

    out = corners(home_xy, first) + list(plan.waypoints) + corners(last, home_xy)
    if len(out) == len(plan.waypoints):
        return plan
    from dataclasses import replace

    return replace(plan, waypoints=tuple(out))
