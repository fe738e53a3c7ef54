"""Shortest flyable path between two points, around no-fly zones and outside concave bays.

When a transect is cut by a hole, an exclusion zone or a bay of a concave area, the
drone must get from the end of one piece to the start of the next without crossing a
no-fly zone and without wandering out of the area. A straight line is used when it is
allowed; otherwise the shortest path bends only at reflex corners of the flyable region
(a classic property of shortest paths in polygons), so we search a lazily built
visibility graph over those corners with Dijkstra. Everything is in local metres.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from search_patterns.errors import PlanningError

# A line may stray this far (metres) outside the flyable region and still count as inside:
# floating point noise along boundaries, never enough to matter to a drone.
TOLERANCE_M = 0.01


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    if isinstance(geom, MultiPolygon):
        return [g for g in geom.geoms if not g.is_empty]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]


def reflex_corners(region: BaseGeometry) -> np.ndarray:
    """Corners of ``region`` where a shortest path may bend, as an (n, 2) array.

    Those are the vertices whose interior angle exceeds 180 degrees: concave corners of
    the outline and the convex corners of holes in it.
    """
    pts: list[tuple[float, float]] = []
    for poly in _polygons(shapely.orient_polygons(region)):
        for ring in (poly.exterior, *poly.interiors):
            c = np.asarray(ring.coords)[:-1]
            if len(c) < 3:
                continue
            prev = np.roll(c, 1, axis=0)
            nxt = np.roll(c, -1, axis=0)
            a = c - prev
            b = nxt - c
            cross = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
            # interior is on the left of every ring after orienting: a right turn is reflex
            pts.extend(map(tuple, c[cross < -1e-9]))
    return np.asarray(pts, float).reshape(-1, 2)


class Router:
    """Shortest paths inside a flyable region (local metres).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> u = box(0, 0, 30, 30).difference(box(10, 10, 20, 31))  # a U-shaped area
    >>> r = Router(u)
    >>> [tuple(map(round, p)) for p in r.path((5, 25), (25, 25))]
    [(5, 25), (10, 10), (20, 10), (25, 25)]
    >>> r.path((1, 1), (2, 2))  # straight when allowed
    [(1.0, 1.0), (2.0, 2.0)]
    """

    def __init__(self, region: BaseGeometry, tolerance_m: float = TOLERANCE_M,
                 describe: Callable[[float, float], str] | None = None) -> None:
        self.region = region
        # how to name a point in an error message (lat/lon for a pilot); metres by default
        self._describe = describe or (lambda x, y: f"({x:.0f}, {y:.0f}) m")
        self._check = region.buffer(tolerance_m, join_style="mitre")
        shapely.prepare(self._check)
        self.nodes = reflex_corners(region)
        self._adj: dict[int, list[tuple[int, float]]] = {}

    def visible(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """True when the straight line a→b stays inside the flyable region."""
        if a == b:
            return bool(self._check.covers(shapely.points(a)))
        return bool(self._check.covers(LineString([a, b])))

    def _visible_many(self, p: np.ndarray, targets: np.ndarray) -> np.ndarray:
        if len(targets) == 0:
            return np.zeros(0, bool)
        coords = np.empty((len(targets), 2, 2))
        coords[:, 0, :] = p
        coords[:, 1, :] = targets
        lines = shapely.linestrings(coords)
        same = np.all(np.isclose(targets, p), axis=1)
        ok = shapely.covers(self._check, lines)
        ok[same] = False
        return ok

    def _neighbours(self, i: int) -> list[tuple[int, float]]:
        if i not in self._adj:
            p = self.nodes[i]
            ok = self._visible_many(p, self.nodes)
            d = np.hypot(*(self.nodes - p).T)
            self._adj[i] = [(int(j), float(d[j])) for j in np.nonzero(ok)[0]]
        return self._adj[i]

    def path(self, a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
        """Shortest flyable polyline from ``a`` to ``b`` (both ends included).

        Raises :class:`PlanningError` when ``b`` cannot be reached from ``a`` inside the
        region (the two points lie in separate parts of it).
        """
        a = (float(a[0]), float(a[1]))
        b = (float(b[0]), float(b[1]))
        if self.visible(a, b):
            return [a, b]
        n = len(self.nodes)
        pa, pb = np.asarray(a), np.asarray(b)
        from_a = self._visible_many(pa, self.nodes)
        to_b = self._visible_many(pb, self.nodes)
        d_to_b = np.hypot(*(self.nodes - pb).T)
        # Dijkstra with A* heuristic (straight distance to b); node n is b.
        best = np.full(n + 1, math.inf)
        prev = np.full(n + 1, -1, int)
        heap: list[tuple[float, float, int]] = []
        for j in np.nonzero(from_a)[0]:
            g = float(np.hypot(*(self.nodes[j] - pa)))
            best[j] = g
            heapq.heappush(heap, (g + d_to_b[j], g, int(j)))
        done = np.zeros(n + 1, bool)
        while heap:
            _, g, i = heapq.heappop(heap)
            if done[i] or g > best[i]:
                continue
            done[i] = True
            if i == n:
                break
            if to_b[i]:
                gb = g + float(d_to_b[i])
                if gb < best[n]:
                    best[n] = gb
                    prev[n] = i
                    heapq.heappush(heap, (gb, gb, n))
            for j, w in self._neighbours(i):
                gj = g + w
                if gj < best[j]:
                    best[j] = gj
                    prev[j] = i
                    heapq.heappush(heap, (gj + d_to_b[j], gj, j))
        if not math.isfinite(best[n]):
            raise PlanningError(
                f"no flyable route from {self._describe(*a)} to {self._describe(*b)}: no-fly zones cut the area "
                "in two; allow a wider margin outside the area to fly round them, or plan each part separately")
        out = [b]
        i = prev[n]
        while i != -1:
            out.append((float(self.nodes[i][0]), float(self.nodes[i][1])))
            i = prev[i]
        out.append(a)
        return out[::-1]

    def distance(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """Length of :meth:`path` (infinite when unreachable)."""
        try:
            pts = self.path(a, b)
        except PlanningError:
            return math.inf
        return float(sum(math.dist(p, q) for p, q in zip(pts, pts[1:], strict=False)))
