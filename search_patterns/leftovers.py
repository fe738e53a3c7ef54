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
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from search_patterns.routing import Router

MAX_ROUNDS = 3
MAX_SPURS_PER_ROUND = 200


def _insert_spur(path: list[tuple[float, float]], target: tuple[float, float],
                 router: Router) -> list[tuple[float, float]]:
    xy = np.asarray(path)
    a, b = xy[:-1], xy[1:]
    ab = b - a
    ll = np.maximum((ab ** 2).sum(axis=1), 1e-12)
    t = np.clip(((np.asarray(target) - a) * ab).sum(axis=1) / ll, 0.0, 1.0)
    proj = a + ab * t[:, None]
    d = np.hypot(*(proj - np.asarray(target)).T)
    # the nearest point of the path from which the target can be reached
    for i in np.argsort(d, kind="stable")[:8]:
        q = (float(proj[i, 0]), float(proj[i, 1]))
        try:
            out = router.path(q, target)
        except Exception:  # noqa: BLE001 - unreachable from here: try the next nearest
            continue
        back = out[::-1]
        spur = [q, *out[1:], *back[1:]]
        return path[:i + 1] + spur + path[i + 1:]
    return path


def add_spurs(path: list[tuple[float, float]], region: BaseGeometry, half_width_m: float, router: Router,
              tolerance_m: float) -> list[tuple[float, float]]:
    """Add spurs until every point of ``region`` is within ``half_width_m + tolerance_m`` of the path."""
    if len(path) < 2 or region.is_empty:
        return path
    reach = half_width_m + tolerance_m
    for _ in range(MAX_ROUNDS):
        line = LineString(path)
        swath = shapely.buffer(line, half_width_m, quad_segs=8)
        left = shapely.difference(region, swath)
        targets = []
        for comp in shapely.get_parts(left):
            if comp.is_empty or comp.area < 1e-6:
                continue
            pts = shapely.get_coordinates(comp)
            dist = shapely.distance(line, shapely.points(pts))
            k = int(np.argmax(dist))
            if dist[k] > reach:
                targets.append((float(dist[k]), (float(pts[k, 0]), float(pts[k, 1]))))
        if not targets:
            break
        targets.sort(reverse=True)
        added = []
        for _, tgt in targets[:MAX_SPURS_PER_ROUND]:
            # one spur can serve several leftovers: skip those it already reached
            if any(math.dist(tgt, a) <= half_width_m for a in added):
                continue
            if not router.visible(tgt, tgt):
                continue
            new = _insert_spur(path, tgt, router)
            if new is not path:
                path = new
                added.append(tgt)
        if not added:
            break
    out: list[tuple[float, float]] = []
    for p in path:
        if not out or math.dist(out[-1], p) > 1e-6:
            out.append(p)
    return out

