"""Parallel-track ("lawnmower") search over an area with holes and no-fly zones.

How the plan is made, in local metres:

1. Tracks run along a compass bearing (``angle_deg``: 0 = north–south legs, 90 = east–west).
   Across the tracks the pattern is centred so the outer tracks sit at most half a spacing
   inside the area (IAMSAR: the first track is S/2 from the edge). Along the track, legs
   run to the boundary (``end_inset_m`` pulls them in): a leg that stops S/2 short leaves
   the corners between two turns unseen, about 1 % of a typical area.
2. With ``angle_deg=None`` the bearing that minimises estimated flight time (length at
   cruise speed plus a cost per turn) is chosen among every 5° and the directions of the
   area's hull edges, since on a convex area the best sweep runs parallel to one of them.
3. Legs cut by holes, exclusion zones or bays of a concave outline become several pieces.
   Pieces group into cells flown as simple snakes; the cells are ordered from the entry
   corner nearest the launch point (:mod:`search_patterns.cell_order`), and every connection
   is routed around exclusion zones inside the outline (plus the turnaround margin) by
   :mod:`search_patterns.routing`.

Holes are not searched but may be overflown (``avoid_holes=True`` treats them as no-fly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from search_patterns.area import SearchArea
from search_patterns.cell_order import order_legs
from search_patterns.leftovers import add_spurs
from search_patterns.plan import Plan, Waypoint
from search_patterns.routing import Router
from search_patterns.spacing import SpacingInfo, spacing_info
from search_patterns.stats import DEFAULT_TURN_COST_S, plan_stats
from search_patterns.validate import (
    DEFAULT_LIMITS,
    Limits,
    check_altitude,
    check_area,
    check_home,
    check_spacing,
    check_speed,
    check_waypoints,
)

# Exclusion zones are kept this far (metres) from the path, so that rounding in a file
# format or the autopilot's own position rounding can never put a waypoint on the line.
DEFAULT_CLEARANCE_M = 1.0
# A corner left farther than half a spacing plus this fraction of it gets a spur (search_patterns.leftovers).
SPUR_TOLERANCE = 0.05
# A coarse step for the auto-angle search; edge directions are always tried as well, and preferred
# unless another bearing is faster by more than this fraction.
AUTO_ANGLE_STEP_DEG = 5.0
AUTO_ANGLE_EDGE_BIAS = 0.10


@dataclass(frozen=True)
class Regions:
    """The local-metre geometry one plan is made in."""

    search: BaseGeometry  # to be searched: polygon minus holes minus exclusions
    legs: BaseGeometry  # where legs may lie: search minus exclusion clearance
    flyable: BaseGeometry  # where the path may go: outline + margin minus exclusions (+ clearance)


def _outline(poly: BaseGeometry) -> BaseGeometry:
    if isinstance(poly, MultiPolygon):
        return unary_union([Polygon(p.exterior) for p in poly.geoms])
    return Polygon(poly.exterior)


def make_regions(area: SearchArea, proj, *, margin_m: float, clearance_m: float,
                 avoid_holes: bool) -> Regions:
    """Project the area and build the search, leg and flyable regions (local metres)."""
    poly = proj.geometry_to_local(area.polygon)
    search = poly
    no_fly: list[BaseGeometry] = []
    if area.exclusions:
        excl = unary_union([proj.geometry_to_local(e) for e in area.exclusions])
        search = poly.difference(excl)
        no_fly.append(excl.buffer(clearance_m, join_style="mitre", mitre_limit=2.0) if clearance_m > 0 else excl)
    if avoid_holes:
        holes = _outline(poly).difference(poly)
        if not holes.is_empty:
            no_fly.append(holes)
    outline = _outline(poly)
    flyable = outline.buffer(margin_m, join_style="mitre", mitre_limit=2.0) if margin_m > 0 else outline
    legs = search
    if no_fly:
        blocked = unary_union(no_fly)
        flyable = flyable.difference(blocked)
        legs = search.difference(blocked)
    return Regions(search=search, legs=legs, flyable=flyable)


def _math_angle(bearing_deg: float) -> float:
    """Bearing (clockwise from north) → maths angle of the leg direction (ccw from east)."""
    return 90.0 - bearing_deg


def _track_offsets(lo: float, hi: float, spacing_m: float) -> np.ndarray:
    """Across-track positions: ``spacing_m`` apart, centred, outer ones at most S/2 inside."""
    width = hi - lo
    # 2 % slack: projection noise must not add a whole track hugging the boundary
    n = max(1, math.ceil(width / spacing_m - 0.02))
    first = lo + (width - (n - 1) * spacing_m) / 2.0
    return first + spacing_m * np.arange(n)


def transect_pieces(region: BaseGeometry, spacing_m: float, bearing_deg: float,
                    end_inset_m: float = 0.0) -> list[np.ndarray]:
    """Legs over ``region`` along ``bearing_deg``: a list per track of (k, 2, 2) arrays in local metres.

    Each leg is shortened by ``end_inset_m`` at both ends (a piece shorter than twice that
    becomes a single point at its middle, still visited so its patch is seen). Within a
    track, legs are sorted along the sweep direction and each runs in that direction.
    """
    return _transects(region, spacing_m, bearing_deg, end_inset_m)[0]


def _transects(region: BaseGeometry, spacing_m: float, bearing_deg: float,
               end_inset_m: float = 0.0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """:func:`transect_pieces` plus, per track, the untrimmed (k, 2) along-track intervals."""
    theta = _math_angle(bearing_deg)
    rot = affinity.rotate(region, -theta, origin=(0, 0))
    minx, miny, maxx, maxy = rot.bounds
    ys = _track_offsets(miny, maxy, spacing_m)
    coords = np.empty((len(ys), 2, 2))
    coords[:, 0, 0] = minx - 1.0
    coords[:, 1, 0] = maxx + 1.0
    coords[:, :, 1] = ys[:, None]
    shapely.prepare(rot)
    cut = shapely.intersection(shapely.linestrings(coords), rot)
    c, s = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    tracks: list[np.ndarray] = []
    raws: list[np.ndarray] = []
    inset = max(end_inset_m, 0.0)
    for y, geom in zip(ys, cut, strict=False):
        segs = []
        for part in shapely.get_parts(geom):
            xy = shapely.get_coordinates(part)
            if len(xy) == 0:
                continue
            r0, r1 = float(xy[:, 0].min()), float(xy[:, 0].max())
            if r1 - r0 > 2 * inset:
                x0, x1 = r0 + inset, r1 - inset
            else:
                x0 = x1 = (r0 + r1) / 2.0
            segs.append((x0, x1, r0, r1))
        segs.sort()
        raws.append(np.array([(r0, r1) for _, _, r0, r1 in segs], float).reshape(-1, 2))
        arr = np.array([[[x0, y], [x1, y]] for x0, x1, _, _ in segs], float).reshape(-1, 2, 2)
        # rotate back by +theta
        out = np.empty_like(arr)
        out[..., 0] = arr[..., 0] * c - arr[..., 1] * s
        out[..., 1] = arr[..., 0] * s + arr[..., 1] * c
        tracks.append(out)
    return tracks, raws


def _edges(region: BaseGeometry) -> np.ndarray:
    """All boundary edges of a polygonal region as an (n, 4) array x1, y1, x2, y2."""
    out = []
    for poly in shapely.get_parts(region):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            c = np.asarray(ring.coords)
            out.append(np.hstack([c[:-1], c[1:]]))
    return np.vstack(out) if out else np.zeros((0, 4))


def estimate_time_s(region: BaseGeometry, spacing_m: float, bearing_deg: float, speed_m_s: float,
                    turn_cost_s: float, edges: np.ndarray | None = None) -> float:
    """Quick flight-time estimate for one sweep bearing (no routing), used to pick the auto angle.

    A scan line over the region's edges (numpy, no overlay) gives each track's pieces and
    their length, as clipping would, in a few milliseconds for a thousand tracks.
    """
    e = _edges(region) if edges is None else edges
    if len(e) == 0:
        return math.inf
    t = math.radians(-_math_angle(bearing_deg))
    c, s_ = math.cos(t), math.sin(t)
    x1 = e[:, 0] * c - e[:, 1] * s_
    y1 = e[:, 0] * s_ + e[:, 1] * c
    x2 = e[:, 2] * c - e[:, 3] * s_
    y2 = e[:, 2] * s_ + e[:, 3] * c
    minx, maxx = min(x1.min(), x2.min()), max(x1.max(), x2.max())
    ys = _track_offsets(min(y1.min(), y2.min()), max(y1.max(), y2.max()), spacing_m)[:, None]
    crosses = (y1 <= ys) != (y2 <= ys)  # half-open: a vertex on the line counts once
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = np.where(crosses, x1 + (ys - y1) * (x2 - x1) / (y2 - y1), np.nan)
    xs.sort(axis=1)  # NaN last
    count = crosses.sum(axis=1)
    width = xs.shape[1] - xs.shape[1] % 2
    pairs = np.nan_to_num(xs[:, 1:width:2] - xs[:, 0:width:2])
    legs = float(pairs.sum())
    pieces = count // 2
    n = int(pieces.sum())
    # connections: one spacing per piece, plus re-crossing the width once per extra piece per track
    extra = float(((pieces - 1).clip(0) * (maxx - minx) / 2.0).sum())
    return (legs + n * spacing_m + extra) / speed_m_s + 2 * n * turn_cost_s


def best_angle(region: BaseGeometry, spacing_m: float, speed_m_s: float = 10.0,
               turn_cost_s: float = DEFAULT_TURN_COST_S) -> float:
    """The sweep bearing (degrees, 0–180) with the lowest estimated flight time.

    Bearings along the area's long edges (and its hull's) are preferred unless another
    bearing is clearly faster (by ``AUTO_ANGLE_EDGE_BIAS``): legs parallel to an edge end
    square to nothing, leave no slivers to sweep up, and look like the plan a pilot expects.
    """
    edges = _edges(region)
    along: set[float] = set()
    hull = np.asarray(region.convex_hull.exterior.coords) if not region.is_empty else np.zeros((0, 2))
    pairs = [(h0, h1) for h0, h1 in zip(hull, hull[1:], strict=False) if math.dist(h0, h1) > spacing_m]
    pairs += [((x1, y1), (x2, y2)) for x1, y1, x2, y2 in edges if math.hypot(x2 - x1, y2 - y1) > 3 * spacing_m]
    for (x0, y0), (x1, y1) in pairs:
        along.add(round((math.degrees(math.atan2(x1 - x0, y1 - y0))) % 180.0, 6))
    others = set(np.arange(0.0, 180.0, AUTO_ANGLE_STEP_DEG).round(6)) - along

    def fastest(cands: set[float]) -> tuple[float, float]:
        times = {b: estimate_time_s(region, spacing_m, b, speed_m_s, turn_cost_s, edges) for b in sorted(cands)}
        best = min(times, key=lambda b: (round(times[b], 6), b))
        return times[best], float(best)

    t_other, b_other = fastest(others)
    if not along:
        return b_other
    t_along, b_along = fastest(along)
    return b_other if t_other < t_along * (1.0 - AUTO_ANGLE_EDGE_BIAS) else b_along


def extend_legs(tracks: list[np.ndarray], overshoot_m: float, router: Router) -> list[np.ndarray]:
    """Extend every leg by ``overshoot_m`` past both ends for the turnaround, where that stays flyable."""
    if overshoot_m <= 0:
        return tracks
    out = []
    for t in tracks:
        t = t.copy()
        for seg in t:
            v = seg[1] - seg[0]
            n = float(np.hypot(*v))
            if n < 1e-6:
                continue
            u = v / n * overshoot_m
            for end, sign in ((0, -1.0), (1, 1.0)):
                p = (float(seg[end, 0]), float(seg[end, 1]))
                q = (p[0] + sign * u[0], p[1] + sign * u[1])
                if router.visible(p, q):
                    seg[end] = q
        out.append(t)
    return out


def add_transits(path: list[tuple[float, float]], home: tuple[float, float], area: SearchArea, proj,
                 clearance_m: float) -> list[tuple[float, float]]:
    """Route the climb-out from the launch point and the return to it around no-fly zones.

    The autopilot flies straight from home to the first waypoint and straight back on RTL;
    when a no-fly zone lies across either line we add the corners to go round it (the
    transit may cross open ground outside the area, which is where the launch point is).
    """
    if not area.exclusions:
        return path
    excl = unary_union([proj.geometry_to_local(e) for e in area.exclusions])
    blocked = excl.buffer(clearance_m, join_style="mitre", mitre_limit=2.0)
    hull = unary_union([proj.geometry_to_local(area.polygon), shapely.points(home)]).convex_hull
    region = hull.buffer(max(100.0, 2 * clearance_m) + blocked.length / 4.0, join_style="mitre").difference(blocked)
    router = Router(region)
    if not (router.visible(home, home) and router.visible(path[0], path[0]) and router.visible(path[-1], path[-1])):
        return path  # launch point inside a no-fly zone: nothing sensible to add
    out = path
    if not router.visible(home, path[0]):
        out = router.path(home, path[0])[1:-1] + out
    if not router.visible(path[-1], home):
        out = out + router.path(path[-1], home)[1:-1]
    return out


def plan_lawnmower(area: SearchArea, *, spacing_m: float, alt_m: float, angle_deg: float | None = None,
                   home: tuple[float, float] | None = None, speed_m_s: float = 10.0, overshoot_m: float = 0.0,
                   margin_m: float | None = None, turn_cost_s: float = DEFAULT_TURN_COST_S,
                   sweep_width_m: float | None = None, spacing: SpacingInfo | None = None,
                   avoid_holes: bool = False, end_inset_m: float = 0.0, fill_corners: bool = True,
                   clearance_m: float = DEFAULT_CLEARANCE_M,
                   endurance_min: float | None = None, limits: Limits = DEFAULT_LIMITS,
                   name: str | None = None) -> Plan:
    """Plan a parallel-track search over ``area``.

    ``angle_deg`` is the compass bearing of the legs (``None`` = the fastest); ``home`` is
    the launch point (lat, lon) whose nearest corner is the entry; ``overshoot_m`` extends
    each leg past its end for the turnaround, ``end_inset_m`` stops legs short of the
    boundary, ``fill_corners`` adds short spurs into corners the tracks miss (see
    :mod:`search_patterns.leftovers`), and ``margin_m`` (default: the overshoot)
    is how far outside the outline the path may go. ``spacing`` (from
    :mod:`search_patterns.spacing`) carries camera or search-theory details into the stats;
    without it POD uses ``sweep_width_m`` (default: the spacing).
    """
    check_spacing(spacing_m)
    check_altitude(alt_m, limits)
    check_speed(speed_m_s)
    check_home(home)
    check_area(area, limits)
    info = spacing or spacing_info(spacing_m, sweep_width_m)
    proj = area.projection()
    margin = max(overshoot_m, 0.0) if margin_m is None else max(margin_m, overshoot_m, 0.0)
    regions = make_regions(area, proj, margin_m=margin, clearance_m=clearance_m, avoid_holes=avoid_holes)
    legs_region = regions.legs
    if legs_region.is_empty:
        legs_region = regions.search
    width = max(legs_region.bounds[2] - legs_region.bounds[0], legs_region.bounds[3] - legs_region.bounds[1])
    if width / spacing_m > limits.max_legs:
        check_waypoints(int(2 * width / spacing_m), limits)
    bearing = best_angle(legs_region, spacing_m, speed_m_s, turn_cost_s) if angle_deg is None else angle_deg % 180.0
    tracks, raws = _transects(legs_region, spacing_m, bearing, end_inset_m)
    def where(x: float, y: float) -> str:
        lat, lon = proj.to_latlon(x, y)
        return f"{lat:.6f},{lon:.6f}"

    router = Router(regions.flyable, describe=where)
    start = None if home is None else np.asarray(proj.to_local(*home))
    tracks = extend_legs(tracks, overshoot_m, router)
    path = order_legs(tracks, raws, router, start)
    if fill_corners and end_inset_m <= 0:
        path = add_spurs(path, legs_region, spacing_m / 2.0, router, tolerance_m=SPUR_TOLERANCE * spacing_m)
    if start is not None and path:
        path = add_transits(path, (float(start[0]), float(start[1])), area, proj, clearance_m)
    check_waypoints(len(path), limits)
    xy = np.asarray(path, float).reshape(-1, 2)
    lats, lons = proj.many_to_latlon(xy[:, 0], xy[:, 1])
    wps = tuple(Waypoint(float(la), float(lo), float(alt_m)) for la, lo in zip(lats, lons, strict=False))
    stats = plan_stats(xy, regions.search, info, speed_m_s=speed_m_s, turn_cost_s=turn_cost_s,
                       endurance_min=endurance_min,
                       extra={"angle_deg": bearing, "legs": int(sum(len(t) for t in tracks))})
    params = {"spacing_m": spacing_m, "alt_m": alt_m, "angle_deg": bearing,
              "angle_auto": angle_deg is None, "speed_m_s": speed_m_s, "overshoot_m": overshoot_m,
              "end_inset_m": end_inset_m, "margin_m": margin, "turn_cost_s": turn_cost_s, "area": area.name}
    plan_home = home if home is not None else (wps[0].lat, wps[0].lon) if wps else None
    return Plan(waypoints=wps, pattern="lawnmower", params=params, stats=stats, home=plan_home,
                takeoff_alt=alt_m, speed_m_s=speed_m_s, name=name or area.name)
