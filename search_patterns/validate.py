"""Checks that turn bad input into errors a pilot can fix.

Each check raises :class:`~search_patterns.errors.InputError` or
:class:`~search_patterns.errors.PlanningError` with a message that names the problem and
the place: which vertex of which polygon, which parameter and the limit it broke.
Planners call these before doing any work so nothing half-made is ever returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LinearRing, Point, Polygon
from shapely.validation import explain_validity

from search_patterns.area import Datum, SearchArea
from search_patterns.errors import InputError, PlanningError


@dataclass(frozen=True)
class Limits:
    """Configurable safety and sanity limits for planning.

    ``max_alt_m`` is the legal ceiling above ground (120 m in most of Europe; 400 ft in the US);
    ``max_area_km2`` stops a typo in a spacing or a wrong polygon from planning for minutes;
    ``max_waypoints`` is what the autopilot's mission storage is assumed to hold.
    """

    max_alt_m: float = 120.0
    max_area_km2: float = 100.0
    max_waypoints: int = 2000
    max_legs: int = 20000
    max_vertices: int = 10000


DEFAULT_LIMITS = Limits()
#: Rings up to this many vertices get the exact check that names the crossing edges' vertices.
EXACT_CROSSING_CHECK_MAX = 5_000


def _crossing_edges(coords: np.ndarray) -> tuple[int, int, tuple[float, float]] | None:
    """First pair of non-adjacent edges of a closed ring that cross: (edge i, edge j, point)."""
    n = len(coords) - 1
    p = coords[:-1]
    q = coords[1:]
    for i in range(n):
        a, b = p[i], q[i]
        # vectorised segment test of edge i against edges i+2 .. n-1
        js = np.arange(i + 2, n)
        if i == 0:
            js = js[js != n - 1]
        if len(js) == 0:
            continue
        c, d = p[js], q[js]
        r = b - a
        s = d - c
        denom = r[0] * s[:, 1] - r[1] * s[:, 0]
        ca = c - a
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (ca[:, 0] * s[:, 1] - ca[:, 1] * s[:, 0]) / denom
            u = (ca[:, 0] * r[1] - ca[:, 1] * r[0]) / denom
        hit = (denom != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
        if hit.any():
            k = int(np.nonzero(hit)[0][0])
            x = a + t[k] * r
            return i, int(js[k]), (float(x[0]), float(x[1]))
    return None


def check_polygon(polygon: Polygon, what: str = "search area") -> None:
    """Reject empty, degenerate or self-intersecting polygons, naming the vertex.

    Coordinates are (lon, lat). Vertex numbers count from 1 along the ring as written in the file.
    """
    if polygon is None or polygon.is_empty:
        raise InputError("polygon is empty", where=what)
    polys = list(getattr(polygon, "geoms", [polygon]))
    for poly in polys:
        rings = [("outline", poly.exterior)] + [(f"hole {k + 1}", r) for k, r in enumerate(poly.interiors)]
        for ring_name, ring in rings:
            coords = np.asarray(ring.coords)
            if len(coords) < 4:
                raise InputError(f"{ring_name} has fewer than 3 distinct vertices", where=what)
            if not np.all(np.isfinite(coords)):
                raise InputError(f"{ring_name} has a non-numeric coordinate", where=what)
            if np.any(np.abs(coords[:, 1]) > 90) or np.any(np.abs(coords[:, 0]) > 180):
                bad = int(np.nonzero((np.abs(coords[:, 1]) > 90) | (np.abs(coords[:, 0]) > 180))[0][0])
                raise InputError(f"{ring_name} vertex {bad + 1} ({coords[bad, 1]}, {coords[bad, 0]}) is not a "
                                 "valid latitude/longitude (are lat and lon swapped?)", where=what)
            if len(coords) > EXACT_CROSSING_CHECK_MAX:
                # the vertex-naming check compares every edge with every other: hours for a traced
                # boundary of a million vertices. GEOS finds a crossing in n log n and says where.
                if not LinearRing(coords).is_simple:
                    raise InputError(f"self-intersecting polygon: {ring_name} "
                                     f"({explain_validity(Polygon(coords))})", where=what)
                continue
            hit = _crossing_edges(coords)
            if hit is not None:
                i, j, (x, y) = hit
                raise InputError(
                    f"self-intersecting polygon: {ring_name} edge from vertex {i + 1} to {i + 2} crosses "
                    f"the edge from vertex {j + 1} to {j + 2} near lat {y:.6f}, lon {x:.6f}", where=what)
        if not poly.is_valid:
            raise InputError(f"invalid polygon: {explain_validity(poly)}", where=what)
        if poly.area == 0:
            raise InputError("polygon has zero area", where=what)


def check_area(area: SearchArea, limits: Limits = DEFAULT_LIMITS) -> float:
    """Validate a search area and its exclusions; returns its area in m²."""
    where = area.name or "search area"
    n = sum(len(r.coords) for p in (area.polygon, *area.exclusions) for r in (p.exterior, *p.interiors))
    if n > limits.max_vertices:
        raise PlanningError(
            f"{where}: the outline, holes and no-fly zones have {n:,} vertices, more than the "
            f"{limits.max_vertices:,} the planner works with; simplify the polygon (1 m is plenty) first")
    check_polygon(area.polygon, where)
    for k, ex in enumerate(area.exclusions):
        check_polygon(ex, f"{where} exclusion {k + 1}")
    a = area.area_m2()
    if a > limits.max_area_km2 * 1e6:
        raise PlanningError(
            f"{where}: area is {a / 1e6:.1f} km², larger than the {limits.max_area_km2:g} km² limit "
            "(split it between drones, or raise the limit if this is intended)")
    if area.searchable().is_empty:
        raise InputError("exclusion zones cover the whole area; nothing left to search", where=where)
    return a


def check_spacing(spacing_m: float) -> None:
    if spacing_m is None or not math.isfinite(spacing_m) or spacing_m <= 0:
        raise InputError(f"spacing must be a positive number of metres, got {spacing_m}", where="spacing")


def check_altitude(alt_m: float, limits: Limits = DEFAULT_LIMITS) -> None:
    if alt_m is None or not math.isfinite(alt_m) or alt_m <= 0:
        raise InputError(f"altitude must be above 0 m, got {alt_m}", where="altitude")
    if alt_m > limits.max_alt_m:
        raise InputError(f"{alt_m:g} m is above the {limits.max_alt_m:g} m legal altitude limit "
                         "(raise the limit only where the law allows it)", where="altitude")


def check_speed(speed_m_s: float) -> None:
    if speed_m_s is None or not math.isfinite(speed_m_s) or speed_m_s <= 0:
        raise InputError(f"speed must be above 0 m/s, got {speed_m_s}", where="speed")


def check_waypoints(count: int, limits: Limits = DEFAULT_LIMITS) -> None:
    if count > limits.max_waypoints:
        raise PlanningError(
            f"plan has {count} waypoints, more than the limit of {limits.max_waypoints}: widen the spacing, "
            "split the area between drones or sorties, or raise the limit")


def check_datum_in_area(datum: Datum, area: SearchArea) -> None:
    if not area.polygon.covers(Point(datum.lon, datum.lat)):
        raise InputError(f"datum ({datum.lat:.6f}, {datum.lon:.6f}) is outside the area '{area.name}'",
                         where=datum.name)


def check_home(home: tuple[float, float] | None) -> None:
    if home is None:
        return
    lat, lon = home
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise InputError(f"({lat}, {lon}) is not a valid latitude, longitude", where="home")
