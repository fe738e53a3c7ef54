"""Expanding-square search (IAMSAR "SS") from a datum.

Used when the last known position is good: the drone starts over the datum and spirals
outwards in square legs, turning 90° the same way each time, so the most likely area is
seen first. Leg k (counting from 1) is ceil(k/2)·S long: S, S, 2S, 2S, 3S, 3S, ...
The first leg's bearing is chosen by the pilot (typically into the wind).

The pattern stops after a number of legs, when a radius around the datum is covered, or
when a whole area is covered; it can be clipped to an area, in which case the pieces
outside are dropped and the transits between pieces avoid the no-fly zones.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import LineString, Point, box
from shapely.geometry.base import BaseGeometry

from search_patterns.area import Datum, SearchArea
from search_patterns.errors import InputError
from search_patterns.geo import LocalProjection
from search_patterns.lawnmower import DEFAULT_CLEARANCE_M, make_regions
from search_patterns.plan import Plan, Waypoint
from search_patterns.routing import Router
from search_patterns.spacing import SpacingInfo, spacing_info
from search_patterns.stats import DEFAULT_TURN_COST_S, plan_stats
from search_patterns.validate import (
    DEFAULT_LIMITS,
    Limits,
    check_altitude,
    check_area,
    check_datum_in_area,
    check_home,
    check_spacing,
    check_speed,
    check_waypoints,
)


def leg_length(k: int, spacing_m: float) -> float:
    """Length of leg ``k`` (1-based) of an expanding square: ceil(k/2)·S.

    >>> [leg_length(k, 100) for k in range(1, 7)]
    [100, 100, 200, 200, 300, 300]
    """
    return math.ceil(k / 2) * spacing_m


def square_vertices(spacing_m: float, first_bearing_deg: float, *, legs: int | None = None,
                    covers: BaseGeometry | None = None, radius_m: float | None = None, turn: str = "right",
                    max_legs: int = 20000) -> np.ndarray:
    """Vertices (local metres, datum at the origin) of an expanding square.

    Stops after ``legs`` legs, or once the square swept (path ± S/2) holds the disc of
    ``radius_m`` or the geometry ``covers``.
    """
    sign = 1.0 if turn == "right" else -1.0
    if radius_m is not None:
        disc = Point(0, 0).buffer(radius_m, quad_segs=32)
        covers = disc if covers is None else covers.union(disc)
    pts = [(0.0, 0.0)]
    x = y = 0.0
    k = 0
    while True:
        k += 1
        b = math.radians(first_bearing_deg + sign * 90.0 * (k - 1))
        n = leg_length(k, spacing_m)
        x, y = x + n * math.sin(b), y + n * math.cos(b)
        pts.append((x, y))
        if legs is not None:
            if k >= legs:
                break
            continue
        if k % 2 == 0 or k >= max_legs:
            arr = np.asarray(pts)
            done = k >= max_legs
            if covers is not None:
                swept = LineString(arr).buffer(spacing_m / 2.0, cap_style="square", join_style="mitre")
                done = done or swept.buffer(1e-3).covers(covers)
            if done:
                break
    return np.asarray(pts)


def clip_path(xy: np.ndarray, region: BaseGeometry, router: Router) -> list[tuple[float, float]]:
    """Keep the parts of a polyline inside ``region``, in flying order, joined by flyable transits."""
    line = LineString(xy)
    pieces = []
    for part in shapely.get_parts(shapely.intersection(line, region)):
        c = shapely.get_coordinates(part)
        if len(c) == 0:
            continue
        s0, s1 = line.project(Point(c[0])), line.project(Point(c[-1]))
        if s1 < s0:
            c, s0 = c[::-1], s1
        pieces.append((s0, c))
    pieces.sort(key=lambda p: p[0])
    out: list[tuple[float, float]] = []
    for _, c in pieces:
        first = (float(c[0][0]), float(c[0][1]))
        if out:
            out.extend(router.path(out[-1], first)[1:])
        else:
            out.append(first)
        out.extend((float(p[0]), float(p[1])) for p in c[1:])
    dedup: list[tuple[float, float]] = []
    for p in out:
        if not dedup or math.dist(dedup[-1], p) > 1e-6:
            dedup.append(p)
    return dedup


def plan_expanding_square(datum: Datum, *, spacing_m: float, alt_m: float, first_bearing_deg: float = 0.0,
                          legs: int | None = None, radius_m: float | None = None,
                          area: SearchArea | None = None, turn: str = "right",
                          home: tuple[float, float] | None = None, speed_m_s: float = 10.0,
                          turn_cost_s: float = DEFAULT_TURN_COST_S, sweep_width_m: float | None = None,
                          spacing: SpacingInfo | None = None, endurance_min: float | None = None,
                          clearance_m: float = DEFAULT_CLEARANCE_M, limits: Limits = DEFAULT_LIMITS,
                          name: str | None = None) -> Plan:
    """Plan an expanding square from ``datum``.

    Give ``legs``, or ``radius_m`` (stop when that disc is swept), or an ``area`` (stop
    when it is swept; the path is clipped to it and routed around its no-fly zones).
    With both an area and legs/radius, the pattern stops by legs/radius and is clipped.
    """
    check_spacing(spacing_m)
    check_altitude(alt_m, limits)
    check_speed(speed_m_s)
    check_home(home)
    if turn not in ("right", "left"):
        raise InputError(f"turn must be 'right' or 'left', got {turn!r}", where="expanding square")
    if legs is None and radius_m is None and area is None:
        raise InputError("give a number of legs, a radius or an area to stop at", where="expanding square")
    if legs is not None and legs < 1:
        raise InputError(f"number of legs must be at least 1, got {legs}", where="expanding square")
    if radius_m is not None and not radius_m > 0:
        raise InputError(f"radius must be > 0 m, got {radius_m}", where="expanding square")
    info = spacing or spacing_info(spacing_m, sweep_width_m)
    if area is not None:
        check_area(area, limits)
        check_datum_in_area(datum, area)
        proj = area.projection()
    else:
        proj = LocalProjection(datum.lat, datum.lon)
    ox, oy = proj.to_local(datum.lat, datum.lon)
    regions = None
    covers = None
    if area is not None:
        regions = make_regions(area, proj, margin_m=0.0, clearance_m=clearance_m, avoid_holes=False)
        covers = shapely.affinity.translate(regions.search, -ox, -oy)
    max_legs = limits.max_waypoints + 1
    verts = square_vertices(spacing_m, first_bearing_deg, legs=legs, radius_m=radius_m,
                            covers=covers if legs is None and radius_m is None else None,
                            turn=turn, max_legs=max_legs)
    check_waypoints(len(verts), limits)
    xy = verts + np.array([ox, oy])
    if regions is not None:
        router = Router(regions.flyable,
                        describe=lambda x, y: "{:.6f},{:.6f}".format(*proj.to_latlon(x, y)))
        path = clip_path(xy, regions.legs, router)
        if not path:
            raise InputError("the pattern does not reach into the area", where=datum.name)
        xy = np.asarray(path)
        region = regions.search
    elif radius_m is not None:
        region = Point(ox, oy).buffer(radius_m, quad_segs=32)
    else:
        # the square swept: the pattern's bounding box in its own frame, grown by S/2
        b = first_bearing_deg
        rot = shapely.affinity.rotate(LineString(verts), b, origin=(0, 0))
        square = box(*rot.bounds).buffer(spacing_m / 2.0, join_style="mitre")
        region = shapely.affinity.translate(shapely.affinity.rotate(square, -b, origin=(0, 0)), ox, oy)
    check_waypoints(len(xy), limits)
    lats, lons = proj.many_to_latlon(xy[:, 0], xy[:, 1])
    wps = tuple(Waypoint(float(a), float(b), float(alt_m)) for a, b in zip(lats, lons, strict=True))
    n_legs = len(verts) - 1
    stats = plan_stats(xy, region, info, speed_m_s=speed_m_s, turn_cost_s=turn_cost_s, endurance_min=endurance_min,
                       extra={"legs": n_legs, "first_bearing_deg": first_bearing_deg})
    params = {"datum": [datum.lat, datum.lon], "spacing_m": spacing_m, "alt_m": alt_m,
              "first_bearing_deg": first_bearing_deg, "legs": n_legs, "radius_m": radius_m, "turn": turn,
              "speed_m_s": speed_m_s, "area": area.name if area else None}
    return Plan(waypoints=wps, pattern="expanding-square", params=params, stats=stats,
                home=home if home is not None else (datum.lat, datum.lon), takeoff_alt=alt_m,
                speed_m_s=speed_m_s, name=name or f"expanding square from {datum.name}")
