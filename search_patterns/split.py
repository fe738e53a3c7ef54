"""Split a search area between N drones (or N sorties) into parts of equal searchable area.

Parts are parallel strips: cut lines across the area, placed by bisection so that each
strip holds 1/N of the area still to be searched (no-fly zones removed). Strips keep each
drone's work in one block, make hand-over lines easy to describe on the radio, and for
convex areas give connected parts. The cut direction is chosen among every 10° (or given)
preferring directions where every part is one piece, then the most compact parts.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from search_patterns.area import SearchArea
from search_patterns.errors import InputError
from search_patterns.validate import check_polygon

ANGLE_STEP_DEG = 10.0
AREA_TOLERANCE = 1e-4  # relative error of each part's area the bisection stops at


def _polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon:
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and g.area > 0]
    if len(polys) == 1:
        return polys[0]
    return MultiPolygon(polys)


def _cuts(searchable: BaseGeometry, n: int) -> np.ndarray:
    """x positions (in the rotated frame) splitting ``searchable`` into n equal-area strips."""
    minx, miny, maxx, maxy = searchable.bounds
    total = searchable.area
    shapely.prepare(searchable)
    cuts = [minx]
    for k in range(1, n):
        target = total * k / n
        lo, hi = cuts[-1], maxx
        for _ in range(80):
            mid = (lo + hi) / 2.0
            a = shapely.intersection(searchable, box(minx - 1, miny - 1, mid, maxy + 1)).area
            if abs(a - target) <= AREA_TOLERANCE * total / n / 4:
                break
            if a < target:
                lo = mid
            else:
                hi = mid
        cuts.append(mid)
    cuts.append(maxx)
    return np.asarray(cuts)


def _strips(poly: BaseGeometry, searchable: BaseGeometry, n: int, angle_deg: float) -> list[BaseGeometry]:
    rot_s = affinity.rotate(searchable, -angle_deg, origin=(0, 0))
    rot_p = affinity.rotate(poly, -angle_deg, origin=(0, 0))
    cuts = _cuts(rot_s, n)
    _, miny, _, maxy = rot_p.bounds
    lo_x = rot_p.bounds[0] - 1
    hi_x = rot_p.bounds[2] + 1
    edges = [lo_x, *cuts[1:-1], hi_x]
    parts = []
    for a, b in zip(edges, edges[1:], strict=False):
        strip = box(a, miny - 1, b, maxy + 1)
        parts.append(affinity.rotate(shapely.intersection(rot_p, strip), angle_deg, origin=(0, 0)))
    return parts


def split_area(area: SearchArea, n: int, *, angle_deg: float | None = None) -> list[SearchArea]:
    """Split ``area`` into ``n`` strips of equal searchable area (within ±0.1 %).

    ``angle_deg`` is the compass bearing of the cut lines; ``None`` chooses it. Each part
    keeps the exclusion zones that touch it. A part of a concave area may be several
    pieces (a MultiPolygon) when no cut direction keeps all parts whole.
    """
    if not isinstance(n, int) or n < 1:
        raise InputError(f"number of parts must be a whole number >= 1, got {n}", where="split")
    check_polygon(area.polygon, area.name)
    if n == 1:
        return [area]
    proj = area.projection()
    poly = proj.geometry_to_local(area.polygon)
    excl = [proj.geometry_to_local(e) for e in area.exclusions]
    searchable = poly.difference(unary_union(excl)) if excl else poly
    if searchable.is_empty:
        raise InputError("exclusion zones cover the whole area; nothing to split", where=area.name)
    if angle_deg is None:
        angles = np.arange(0.0, 180.0, ANGLE_STEP_DEG)
    else:
        angles = np.array([angle_deg % 180.0])
    best = None
    for bearing in angles:
        # cut lines run along `bearing`: strips are stacked across it
        parts = _strips(poly, searchable, n, -float(bearing))
        pieces = sum(len(shapely.get_parts(_polygonal(p))) for p in parts)
        # compactness: outline length of the parts (holes ignored, so a cut through a lake is not rewarded),
        # rounded so that near-ties go to the first (north-south, then east-west...) direction
        perimeter = sum(g.exterior.length for p in parts for g in shapely.get_parts(_polygonal(p)))
        score = (pieces, round(perimeter / (0.002 * poly.length)))
        if best is None or score < best[0]:
            best = (score, float(bearing), parts)
    _, bearing, parts = best
    out = []
    for i, part in enumerate(parts, start=1):
        part = _polygonal(part)
        ll = proj.geometry_to_lonlat(part)
        ll = _polygonal(ll)
        keep = tuple(e for e, el in zip(area.exclusions, excl, strict=True) if el.intersects(part))
        out.append(SearchArea(ll, keep, name=f"{area.name} part {i} of {n}", source=area.source))
    return out


def part_areas_m2(parts: list[SearchArea]) -> list[float]:
    """Searchable area of each part in m², each measured in its own local projection."""
    res = []
    for p in parts:
        proj = p.projection()
        res.append(proj.geometry_to_local(p.searchable()).area)
    return res

