"""Re-plan what is left: a lawnmower over just the gaps (or the cells under a target POD).

Why not simply run the area planner on each gap: gaps come in many small, oddly shaped
pieces (the strip a skipped leg left, a corner cut short by the wind), and planning each
on its own gives a tangle of short legs at different angles. Here every piece is swept in
*one* direction, each sweep line covers the band of gap ``spacing_m`` wide around it (so a
gap narrower than the spacing gets exactly one leg down its middle, over its full length),
collinear legs a short hop apart are joined into one, and the legs are ordered (greedy
from the start point, then 2-opt) so the transit between them is short. Connections are
routed around exclusion zones with the planner's router.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon, box
from shapely.geometry.base import BaseGeometry

from search_patterns.area import SearchArea
from search_patterns.errors import InputError, PlanningError
from search_patterns.lawnmower import make_regions
from search_patterns.plan import Plan, Waypoint
from search_patterns.pod import Grid
from search_patterns.routing import Router
from search_patterns.spacing import spacing_info
from search_patterns.stats import plan_stats
from search_patterns.validate import check_altitude, check_spacing, check_speed


@dataclass(frozen=True)
class Leg:
    """One straight leg in local metres (start → end)."""

    start: tuple[float, float]
    end: tuple[float, float]

    @property
    def length(self) -> float:
        return math.dist(self.start, self.end)

    def reversed(self) -> Leg:
        return Leg(self.end, self.start)


def principal_bearing(dx: np.ndarray, dy: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Compass bearing (0–180°) most of the segments (dx east, dy north) run along.

    The peak of a length-weighted 1° histogram picks the direction (so the short, crooked
    ends of legs or gaps do not pull it), then a doubled-angle mean of the segments within
    5° of the peak makes it precise. ``None`` when there is no length at all.

    >>> round(principal_bearing(np.array([1.0, 0.0]), np.array([0.0, 0.2])), 3)
    90.0
    """
    dx, dy = np.asarray(dx, float), np.asarray(dy, float)
    length = np.hypot(dx, dy)
    w = length if weights is None else np.asarray(weights, float)
    if w.sum() <= 0:
        return None
    ang = np.degrees(np.arctan2(dx, dy)) % 180.0
    hist = np.zeros(180)
    np.add.at(hist, np.minimum(ang.astype(int), 179), w)
    smooth = hist + np.roll(hist, 1) + np.roll(hist, -1)
    peak = float(np.argmax(smooth)) + 0.5
    near = np.abs((ang - peak + 90.0) % 180.0 - 90.0) <= 5.0
    d2 = np.radians(2 * ang[near])
    mean = math.degrees(math.atan2(float((w[near] * np.sin(d2)).sum()), float((w[near] * np.cos(d2)).sum()))) / 2
    return mean % 180.0


def dominant_direction_deg(polys: Sequence[BaseGeometry]) -> float:
    """Compass bearing (0–180°) along which the pieces' outlines mostly run.

    For a strip left by a skipped leg, that is the leg direction, to within the wobble of
    its long edges.

    >>> round(dominant_direction_deg([box(0, 0, 400, 40)]))
    90
    """
    dxs, dys = [], []
    for p in polys:
        for part in shapely.get_parts(p):
            if part.is_empty or part.geom_type != "Polygon":
                continue
            c = np.asarray(part.exterior.coords)
            d = np.diff(c, axis=0)
            dxs.append(d[:, 0])
            dys.append(d[:, 1])
    if not dxs:
        return 0.0
    b = principal_bearing(np.concatenate(dxs), np.concatenate(dys))
    return 0.0 if b is None else b


def _to_frame(geom: BaseGeometry, bearing_deg: float) -> BaseGeometry:
    """Rotate so legs along ``bearing_deg`` run along +x."""
    return affinity.rotate(geom, bearing_deg - 90.0, origin=(0, 0))


def _from_frame(x: float, y: float, bearing_deg: float) -> tuple[float, float]:
    a = math.radians(90.0 - bearing_deg)
    c, s = math.cos(a), math.sin(a)
    return (x * c - y * s, x * s + y * c)


def _merge_intervals(iv: list[tuple[float, float]], join_m: float) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(iv):
        if out and a - out[-1][1] <= join_m:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def gap_legs(targets_local: Sequence[BaseGeometry], *, spacing_m: float, bearing_deg: float,
             join_m: float | None = None, end_trim_m: float = 0.0) -> list[Leg]:
    """Legs (local metres) along ``bearing_deg`` that sweep every target piece.

    Each piece gets ``ceil(width / spacing)`` sweep lines centred across it; a line's leg
    spans everything of the piece within half a spacing of the line. Legs of different
    pieces on (nearly) the same line less than ``join_m`` apart (default 2 spacings) are
    joined. ``end_trim_m`` shortens each leg at both ends (half the along-track footprint:
    the camera sees that far ahead), never below a single point.

    >>> legs = gap_legs([box(0, 0, 400, 40)], spacing_m=55, bearing_deg=90)
    >>> [(tuple(map(round, l.start)), tuple(map(round, l.end))) for l in legs]
    [((0, 20), (400, 20))]
    >>> gap_legs([], spacing_m=55, bearing_deg=90)
    []
    """
    check_spacing(spacing_m)
    join = 2.0 * spacing_m if join_m is None else join_m
    lines: list[tuple[float, list[tuple[float, float]]]] = []  # (offset, intervals)
    for piece in targets_local:
        if piece.is_empty or piece.area <= 0:
            continue
        rot = _to_frame(piece, bearing_deg)
        minx, miny, maxx, maxy = rot.bounds
        width = maxy - miny
        n = max(1, math.ceil(width / spacing_m - 1e-9))
        first = miny + (width - (n - 1) * spacing_m) / 2.0
        for k in range(n):
            o = first + k * spacing_m
            band = rot.intersection(box(minx - 1, o - spacing_m / 2, maxx + 1, o + spacing_m / 2))
            iv = [(g.bounds[0], g.bounds[2]) for g in shapely.get_parts(band) if not g.is_empty and g.area > 0]
            if iv:
                lines.append((o, iv))
    # Join lines from different pieces that share (almost) the same offset.
    lines.sort(key=lambda t: t[0])
    merged: list[tuple[float, list[tuple[float, float]]]] = []
    for o, iv in lines:
        if merged and abs(o - merged[-1][0]) <= 0.1 * spacing_m:
            po, piv = merged[-1]
            w = len(piv) + len(iv)
            merged[-1] = ((po * len(piv) + o * len(iv)) / w, piv + iv)
        else:
            merged.append((o, list(iv)))
    legs: list[Leg] = []
    for o, iv in merged:
        for a, b in _merge_intervals(iv, join):
            if b - a > 2 * end_trim_m:
                a, b = a + end_trim_m, b - end_trim_m
            else:
                a = b = (a + b) / 2.0
            legs.append(Leg(_from_frame(a, o, bearing_deg), _from_frame(b, o, bearing_deg)))
    return legs


def order_legs(legs: Sequence[Leg], start: tuple[float, float] | None = None) -> list[Leg]:
    """Order and orient legs for short transit: nearest end first from ``start``, then 2-opt.

    2-opt on legs reverses a run of legs (and each leg's direction in it); only the two
    connections at the ends of the run change length, so each move is O(1) to judge.

    >>> ls = [Leg((0, 100), (100, 100)), Leg((0, 0), (100, 0)), Leg((0, 50), (100, 50))]
    >>> [l.start for l in order_legs(ls, (0, -10))]
    [(0, 0), (100, 50), (0, 100)]
    """
    todo = list(legs)
    if not todo:
        return []
    pos = start if start is not None else todo[0].start
    route: list[Leg] = []
    while todo:
        best = min(range(len(todo)), key=lambda i: min(math.dist(pos, todo[i].start), math.dist(pos, todo[i].end)))
        leg = todo.pop(best)
        if math.dist(pos, leg.end) < math.dist(pos, leg.start):
            leg = leg.reversed()
        route.append(leg)
        pos = leg.end
    s0 = start if start is not None else route[0].start

    def link(i: int, j: int) -> float:  # connection from the end of leg i (or start) to start of leg j
        a = s0 if i < 0 else route[i].end
        return math.dist(a, route[j].start)

    improved = True
    rounds = 0
    while improved and rounds < 50:
        improved = False
        rounds += 1
        n = len(route)
        for i in range(n - 1):
            for j in range(i + 1, n):
                before = link(i - 1, i) + (link(j, j + 1) if j + 1 < n else 0.0)
                a = s0 if i == 0 else route[i - 1].end
                after = math.dist(a, route[j].end) + (math.dist(route[i].start, route[j + 1].start)
                                                      if j + 1 < n else 0.0)
                if after < before - 1e-6:
                    route[i:j + 1] = [leg.reversed() for leg in reversed(route[i:j + 1])]
                    improved = True
    return route


def clip_legs(legs: Sequence[Leg], flyable: BaseGeometry) -> list[Leg]:
    """Cut legs where they would cross a no-fly zone (or leave the flyable area).

    A gap can wrap around an exclusion zone, and joined pieces can straddle one; the legs
    must stop at its edge (the router then takes the way round).

    >>> zone = box(-100, -100, 100, 100).difference(box(-10, -100, 10, 100))
    >>> [(round(l.start[0]), round(l.end[0])) for l in clip_legs([Leg((-90, 0), (90, 0))], zone)]
    [(-90, -10), (10, 90)]
    """
    out: list[Leg] = []
    shapely.prepare(flyable)
    for leg in legs:
        if leg.length == 0:
            if flyable.covers(shapely.Point(leg.start)):
                out.append(leg)
            continue
        line = LineString([leg.start, leg.end])
        if flyable.covers(line):
            out.append(leg)
            continue
        parts = [p for p in shapely.get_parts(line.intersection(flyable)) if p.geom_type == "LineString"]
        # keep the direction of the original leg
        parts.sort(key=lambda p: line.project(shapely.Point(p.coords[0])))
        for p in parts:
            a, b = p.coords[0], p.coords[-1]
            if line.project(shapely.Point(a)) > line.project(shapely.Point(b)):
                a, b = b, a
            if math.dist(a, b) > 1.0:
                out.append(Leg((a[0], a[1]), (b[0], b[1])))
    return out


def under_target_regions(grid: Grid, pod: np.ndarray, target_pod: float, *, min_size_m: float = 10.0
                         ) -> list[Polygon]:
    """Parts of the area (local metres) whose POD is below ``target_pod``, as polygons.

    Cells are merged, and pieces that cannot hold a ``min_size_m`` square are dropped.
    """
    rows, cols = np.nonzero((pod < target_pod) & (grid.weight > 0))
    if rows.size == 0:
        return []
    merged = shapely.coverage_union_all(grid.cell_boxes(rows, cols))
    r = min_size_m / 2.0
    opened = merged.buffer(-r, join_style="mitre").buffer(r, join_style="mitre").intersection(merged)
    return [p for p in shapely.get_parts(opened) if isinstance(p, Polygon) and p.area > 0]


def plan_gaps(area: SearchArea, targets_lonlat: Sequence[BaseGeometry], *, spacing_m: float, alt_m: float,
              angle_deg: float | None = None, home: tuple[float, float] | None = None,
              speed_m_s: float = 10.0, end_trim_m: float = 0.0, join_m: float | None = None,
              name: str = "gaps") -> Plan:
    """A plan that sweeps only ``targets_lonlat`` (gaps, or regions under a target POD).

    ``angle_deg`` is the leg bearing (default: the long axis of the pieces, weighted by
    area); ``home`` (lat, lon) is where the vehicle starts, which decides the first leg.
    Raises :class:`PlanningError` when there is nothing to re-fly.
    """
    check_spacing(spacing_m)
    check_altitude(alt_m)
    check_speed(speed_m_s)
    if not targets_lonlat:
        raise PlanningError("nothing to re-plan: the coverage has no gaps (or no cells under the target POD)")
    proj = area.projection()
    pieces = [proj.geometry_to_local(g) for g in targets_lonlat]
    if any(not isinstance(g, BaseGeometry) for g in targets_lonlat):
        raise InputError("gap regions must be polygons", where="gaps")
    bearing = dominant_direction_deg(pieces) if angle_deg is None else float(angle_deg) % 180.0
    legs = gap_legs(pieces, spacing_m=spacing_m, bearing_deg=bearing, join_m=join_m, end_trim_m=end_trim_m)
    regions = make_regions(area, proj, margin_m=spacing_m, clearance_m=1.0, avoid_holes=False)
    legs = clip_legs(legs, regions.flyable)
    if not legs:
        raise PlanningError("nothing to re-plan: the gap regions are empty or outside the flyable area")
    start = None if home is None else proj.to_local(*home)
    route = order_legs(legs, start)
    router = Router(regions.flyable)
    path: list[tuple[float, float]] = []
    for leg in route:
        if path:
            hop = router.path(path[-1], leg.start) if not router.visible(path[-1], leg.start) else [leg.start]
            path.extend(p for p in hop if p != path[-1])
        else:
            path.append(leg.start)
        if leg.end != path[-1]:
            path.append(leg.end)
    xy = np.asarray(path, float)
    lats, lons = proj.many_to_latlon(xy[:, 0], xy[:, 1])
    wps = tuple(Waypoint(float(a), float(b), float(alt_m)) for a, b in zip(lats, lons, strict=True))
    target_local = shapely.union_all(pieces)
    stats = plan_stats(xy, target_local, spacing_info(spacing_m), speed_m_s=speed_m_s,
                       extra={"angle_deg": round(bearing, 2), "legs": len(route),
                              "gap_regions": len(pieces), "gap_area_m2": round(float(target_local.area), 1)})
    params = {"spacing_m": spacing_m, "alt_m": alt_m, "angle_deg": bearing, "angle_auto": angle_deg is None,
              "speed_m_s": speed_m_s, "end_trim_m": end_trim_m, "area": area.name}
    return Plan(waypoints=wps, pattern="gaps", params=params, stats=stats,
                home=home if home is not None else (wps[0].lat, wps[0].lon), takeoff_alt=alt_m,
                speed_m_s=speed_m_s, name=name)
