"""Reach the corners parallel tracks miss.

A spike of the area that points along the tracks and ends between two of them (a narrow
gully, a sharp field corner) is left more than half a spacing from every leg. After the
lawnmower is built we look for such leftovers and fly a short spur into each: from the
nearest point of the path out to the leftover point farthest from the path and back,
routed inside the flyable region. A few rounds settle even jagged outlines; the spurs cost
little because they are only added where a searcher would otherwise never look.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from search_patterns.errors import PlanningError
from search_patterns.routing import Router
from search_patterns.stats import swath

MAX_ROUNDS = 4
MAX_SPURS_PER_ROUND = 200


def _insert_spur(path: list[tuple[float, float]], targets: list[tuple[float, float]],
                 router: Router) -> list[tuple[float, float]]:
    """Leave the path at its point nearest ``targets[0]``, fly through the targets, come back there."""
    xy = np.asarray(path)
    a, b = xy[:-1], xy[1:]
    ab = b - a
    ll = np.maximum((ab ** 2).sum(axis=1), 1e-12)
    first = np.asarray(targets[0])
    t = np.clip(((first - a) * ab).sum(axis=1) / ll, 0.0, 1.0)
    proj = a + ab * t[:, None]
    d = np.hypot(*(proj - first).T)
    for i in np.argsort(d, kind="stable")[:8]:  # the nearest path point the targets can be reached from
        q = (float(proj[i, 0]), float(proj[i, 1]))
        spur = [q]
        try:
            for tgt in [*targets, q]:
                spur.extend(router.path(spur[-1], tgt)[1:])
        except PlanningError:
            continue
        return path[:i + 1] + spur + path[i + 1:]
    return path


def _sample_boundary(poly: BaseGeometry, step: float) -> np.ndarray:
    """Points along every ring of ``poly`` no more than ``step`` apart (vertices included).

    Done by hand: GEOS ``segmentize`` returned an empty polygon for some leftover shapes.
    """
    out = []
    for ring in (poly.exterior, *poly.interiors):
        c = np.asarray(ring.coords)
        if len(c) < 2:
            continue
        a, b = c[:-1], c[1:]
        n = np.maximum(1, np.ceil(np.hypot(*(b - a).T) / step)).astype(int)
        t = np.concatenate([np.arange(k) / k for k in n])
        idx = np.repeat(np.arange(len(a)), n)
        out.append(a[idx] + (b[idx] - a[idx]) * t[:, None])
    return np.vstack(out) if out else np.zeros((0, 2))


def _targets(comp: BaseGeometry, line: LineString, half_width_m: float,
             reach: float) -> tuple[float, list[tuple[float, float]]] | None:
    """Points to fly through to sweep one leftover, or None when it is within reach already.

    The leftover is swept like a small lawnmower along its own long axis: a thin strip
    becomes one leg down its middle, a wider patch a few short legs.
    """
    from search_patterns.lawnmower import transect_pieces  # lawnmower imports this module

    # the farthest point may lie along an edge, between two vertices: sample the edges
    pts = _sample_boundary(comp, max(half_width_m / 4.0, 0.5))
    if len(pts) == 0:
        return None
    # ... or inside it, when the path runs all round it (then it is the centre of its largest inscribed
    # circle; a patch too small to hold a circle reaching past `reach` cannot have such a centre)
    spare = reach - half_width_m
    if comp.area > math.pi * spare * spare:
        centre = shapely.get_point(shapely.maximum_inscribed_circle(comp, max(half_width_m / 10.0, 0.1)), 0)
        pts = np.vstack([pts, shapely.get_coordinates(centre)])
    # Only path within `reach` of the leftover can be within `reach` of its points, so the distance to the
    # path clipped to that box decides "farther than reach" exactly, at a fraction of the cost.
    minx, miny, maxx, maxy = comp.bounds
    near = shapely.clip_by_rect(line, minx - reach, miny - reach, maxx + reach, maxy + reach)
    if near.is_empty:
        dist = np.full(len(pts), np.inf)
    else:
        dist = shapely.distance(near, shapely.points(pts))
    k = int(np.argmax(dist))
    if dist[k] <= reach:
        return None
    rect = np.asarray(comp.minimum_rotated_rectangle.exterior.coords)
    if len(rect) < 5:
        return float(dist[k]), [(float(pts[k, 0]), float(pts[k, 1]))]
    d = np.diff(rect[:3], axis=0)
    long_side = d[0] if np.hypot(*d[0]) >= np.hypot(*d[1]) else d[1]
    bearing = math.degrees(math.atan2(long_side[0], long_side[1])) % 180.0
    targets: list[tuple[float, float]] = []
    for t, legs in enumerate(transect_pieces(comp, 2.0 * half_width_m, bearing)):
        ordered = legs if t % 2 == 0 else legs[::-1, ::-1]
        for seg in ordered:
            targets.extend((float(p[0]), float(p[1])) for p in seg)
    if not targets:
        targets = [(float(pts[k, 0]), float(pts[k, 1]))]
    if line.distance(Point(targets[-1])) < line.distance(Point(targets[0])):
        targets.reverse()
    return float(dist[k]), targets


def add_spurs(path: list[tuple[float, float]], region: BaseGeometry, half_width_m: float, router: Router,
              tolerance_m: float) -> list[tuple[float, float]]:
    """Add spurs until every point of ``region`` is within ``half_width_m + tolerance_m`` of the path."""
    if len(path) < 2 or region.is_empty:
        return path
    reach = half_width_m + tolerance_m
    for _ in range(MAX_ROUNDS):
        line = LineString(path)
        left = shapely.difference(region, swath(line, half_width_m, quad_segs=8))
        todo = []
        for comp in shapely.get_parts(left):
            if comp.is_empty or comp.geom_type != "Polygon" or comp.area < 1e-6:
                continue
            found = _targets(comp, line, half_width_m, reach)
            if found is not None:
                todo.append(found)
        if not todo:
            break
        todo.sort(key=lambda t: -t[0])
        added: list[tuple[float, float]] = []
        for _, tgts in todo[:MAX_SPURS_PER_ROUND]:
            tgts = [t for t in tgts if router.visible(t, t)]
            # one spur can serve several leftovers: skip those another already reached
            if not tgts or all(any(math.dist(t, a) <= half_width_m for a in added) for t in tgts):
                continue
            new = _insert_spur(path, tgts, router)
            if new is not path:
                path = new
                added.extend(tgts)
        if not added:
            break
    out: list[tuple[float, float]] = []
    for p in path:
        if not out or math.dist(out[-1], p) > 1e-6:
            out.append(p)
    return out

