"""GPX 1.1 plans (via gpxpy) for handheld GPS units and mapping apps.

A plan is written as a route (``rte``) whose points are the waypoints, in order, plus a
``home`` waypoint. GPX elevation is meant to be above sea level; ours is the plan's
altitude above home, and the route's description says so. Reading takes the first route,
else the first track, else the waypoints (without ``home``).
"""

from __future__ import annotations

import gpxpy
import gpxpy.gpx

from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError
from search_patterns.formats.common import PathLike, read_text
from search_patterns.plan import Plan, Waypoint


def plan_gpx(plan: Plan) -> str:
    g = gpxpy.gpx.GPX()
    g.creator = "SAR Ground Control"
    rte = gpxpy.gpx.GPXRoute(name=plan.name,
                             description=f"{plan.pattern}; elevations are metres above the launch point")
    for i, w in enumerate(plan.waypoints, start=1):
        rte.points.append(gpxpy.gpx.GPXRoutePoint(w.lat, w.lon, elevation=w.alt, name=f"WP {i}"))
    g.routes.append(rte)
    if plan.home:
        g.waypoints.append(gpxpy.gpx.GPXWaypoint(plan.home[0], plan.home[1], name="home"))
    return g.to_xml(version="1.1")


def write_plan_gpx(plan: Plan, path: PathLike, area: SearchArea | None = None) -> None:
    write_atomic(path, plan_gpx(plan))


def read_plan_gpx(path: PathLike) -> Plan:
    try:
        g = gpxpy.parse(read_text(path))
    except (gpxpy.gpx.GPXException, ValueError) as exc:  # gpxpy lets XML parser errors through as ValueError
        raise InputError(f"not a valid GPX file: {exc}", where=str(path)) from exc
    home = None
    others = []
    for w in g.waypoints:
        if (w.name or "").lower() == "home":
            home = (w.latitude, w.longitude)
        else:
            others.append(w)
    if g.routes and g.routes[0].points:
        pts, name = g.routes[0].points, g.routes[0].name
    elif g.tracks and g.tracks[0].segments and g.tracks[0].segments[0].points:
        pts, name = [p for s in g.tracks[0].segments for p in s.points], g.tracks[0].name
    elif others:
        pts, name = others, g.name
    else:
        raise InputError("no route, track or waypoints found", where=str(path))
    wps = tuple(Waypoint(p.latitude, p.longitude, p.elevation if p.elevation is not None else 0.0) for p in pts)
    return Plan(waypoints=wps, home=home, name=name or "plan")
