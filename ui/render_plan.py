"""A picture of a search area and its planned path, drawn with OpenCV (no matplotlib).

Used by ``sargc plan ... --png`` and ``make demo`` so that a coordinator can check a plan at
a glance before flying it: the area (holes white), no-fly zones (red), the swath the camera
sweeps (pale blue), the path (dark blue) with its entry (green) and exit (red), and the
launch point. North is up; a scale bar gives distances.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.geo import LocalProjection
from search_patterns.plan import Plan

BG = (250, 250, 250)
AREA = (200, 235, 205)
AREA_EDGE = (60, 130, 60)
HOLE = (250, 250, 250)
NOFLY = (90, 90, 230)
SWATH = (245, 215, 175)
PATH = (140, 50, 10)
TEXT = (30, 30, 30)


class _Canvas:
    def __init__(self, bounds: tuple[float, float, float, float], size: int, pad: int = 40) -> None:
        minx, miny, maxx, maxy = bounds
        span = max(maxx - minx, maxy - miny, 1.0)
        self.scale = (size - 2 * pad) / span
        self.w = int(math.ceil((maxx - minx) * self.scale)) + 2 * pad
        self.h = int(math.ceil((maxy - miny) * self.scale)) + 2 * pad + 60
        self.minx, self.maxy, self.pad = minx, maxy, pad
        self.img = np.full((self.h, self.w, 3), BG, np.uint8)

    def px(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, float).reshape(-1, 2)
        u = (xy[:, 0] - self.minx) * self.scale + self.pad
        v = (self.maxy - xy[:, 1]) * self.scale + self.pad + 60
        return np.round(np.stack([u, v], axis=1)).astype(np.int32)

    def polygon(self, geom: BaseGeometry, fill: tuple[int, int, int], edge: tuple[int, int, int] | None,
                alpha: float = 1.0, holes: bool = True) -> None:
        polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []
        for p in polys:
            if p.is_empty:
                continue
            layer = self.img.copy()
            cv2.fillPoly(layer, [self.px(np.asarray(p.exterior.coords))], fill, lineType=cv2.LINE_AA)
            for r in p.interiors if holes else ():
                cv2.fillPoly(layer, [self.px(np.asarray(r.coords))], HOLE, lineType=cv2.LINE_AA)
            self.img[:] = cv2.addWeighted(layer, alpha, self.img, 1 - alpha, 0)
            if edge is not None:
                for r in (p.exterior, *p.interiors):
                    cv2.polylines(self.img, [self.px(np.asarray(r.coords))], True, edge, 2, cv2.LINE_AA)


def render_plan(plan: Plan | Sequence[Plan], area: SearchArea | None, path: str | Path, *, size: int = 1000,
                title: str | None = None) -> Path:
    """Write a PNG of ``area`` and the plan(s) to ``path`` (atomically) and return the path."""
    plans = [plan] if isinstance(plan, Plan) else list(plan)
    pts = [(w.lat, w.lon) for p in plans for w in p.waypoints]
    if area is not None:
        proj = area.projection()
    elif pts:
        lats, lons = zip(*pts, strict=False)
        proj = LocalProjection((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)
    else:
        raise ValueError("nothing to draw: no area and no waypoints")
    geoms: list[BaseGeometry] = []
    area_local = excl_local = None
    if area is not None:
        area_local = proj.geometry_to_local(area.polygon)
        geoms.append(area_local)
        excl_local = [proj.geometry_to_local(e) for e in area.exclusions]
        geoms.extend(excl_local)
    paths = []
    for p in plans:
        if p.waypoints:
            x, y = proj.many_to_local([w.lat for w in p.waypoints], [w.lon for w in p.waypoints])
            xy = np.stack([x, y], axis=1)
            paths.append(xy)
            geoms.append(LineString(xy) if len(xy) > 1 else LineString([xy[0], xy[0] + 1e-3]))
        else:
            paths.append(np.zeros((0, 2)))
    homes = [np.asarray(proj.to_local(*p.home)) for p in plans if p.home]
    b = np.array([g.bounds for g in geoms] + [[h[0], h[1], h[0], h[1]] for h in homes])
    bounds = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    cv = _Canvas(bounds, size)
    if area_local is not None:
        cv.polygon(area_local, AREA, AREA_EDGE)
    palette = [PATH, (20, 110, 200), (130, 30, 140), (20, 140, 140), (90, 90, 90)]
    for p, xy in zip(plans, paths, strict=True):
        if len(xy) > 1 and p.stats.spacing_m:
            swath = LineString(xy).buffer(p.stats.spacing_m / 2.0, quad_segs=4)
            cv.polygon(swath, SWATH, None, alpha=0.45, holes=False)
    for ex in excl_local or []:
        cv.polygon(ex, NOFLY, (40, 40, 170), alpha=0.55)
    for p, xy in zip(plans, paths, strict=True):  # climb-out and return: thin grey, as the autopilot flies them
        if p.home and len(xy):
            h = proj.to_local(*p.home)
            for a, b in ((h, xy[0]), (xy[-1], h)):
                cv2.line(cv.img, tuple(int(v) for v in cv.px(a)[0]), tuple(int(v) for v in cv.px(b)[0]),
                         (150, 150, 150), 1, cv2.LINE_AA)
    for i, xy in enumerate(paths):
        if len(xy) == 0:
            continue
        colour = palette[i % len(palette)]
        cv2.polylines(cv.img, [cv.px(xy)], False, colour, 2, cv2.LINE_AA)
        for q in cv.px(xy):
            cv2.circle(cv.img, tuple(int(v) for v in q), 2, colour, -1, cv2.LINE_AA)
        s, e = cv.px(xy[0])[0], cv.px(xy[-1])[0]
        cv2.circle(cv.img, (int(s[0]), int(s[1])), 7, (40, 170, 40), -1, cv2.LINE_AA)
        cv2.circle(cv.img, (int(e[0]), int(e[1])), 7, (40, 40, 200), -1, cv2.LINE_AA)
    for h in homes:
        u, v = cv.px(h)[0]
        tri = np.array([[u, v - 10], [u - 9, v + 7], [u + 9, v + 7]], np.int32)
        cv2.fillPoly(cv.img, [tri], (0, 0, 0), lineType=cv2.LINE_AA)
    _scale_bar(cv)
    _north_arrow(cv)
    head = title or " | ".join(_summary(p) for p in plans[:2]) + (" ..." if len(plans) > 2 else "")
    cv2.putText(cv.img, head[:140], (10, 25), cv2.FONT_HERSHEY_SIMPLEX, 0.5, TEXT, 1, cv2.LINE_AA)
    if area is not None:
        cv2.putText(cv.img, area.name[:80], (10, 48), cv2.FONT_HERSHEY_SIMPLEX, 0.5, TEXT, 1, cv2.LINE_AA)
    ok, buf = cv2.imencode(".png", cv.img)
    if not ok:  # pragma: no cover - OpenCV always encodes PNG
        raise RuntimeError("PNG encoding failed")
    return write_atomic(path, buf.tobytes())


def _summary(p: Plan) -> str:
    s = p.stats
    return (f"{p.pattern}: {s.waypoints} wp, {s.length_m / 1000:.2f} km, {s.duration_s / 60:.0f} min, "
            f"cover {s.coverage_fraction:.0%}, POD {s.pod:.0%}")


def _scale_bar(cv: _Canvas) -> None:
    target = (cv.w - 2 * cv.pad) / 4 / cv.scale
    mag = 10 ** math.floor(math.log10(max(target, 1e-9)))
    length = max(m * mag for m in (1, 2, 5) if m * mag <= target) if target >= mag else mag
    x0, y0 = cv.pad, cv.h - 15
    x1 = x0 + int(round(length * cv.scale))
    cv2.line(cv.img, (x0, y0), (x1, y0), TEXT, 3)
    label = f"{length:g} m" if length < 1000 else f"{length / 1000:g} km"
    cv2.putText(cv.img, label, (x1 + 6, y0 + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.45, TEXT, 1, cv2.LINE_AA)


def _north_arrow(cv: _Canvas) -> None:
    x, y = cv.w - 25, 75
    cv2.arrowedLine(cv.img, (x, y + 30), (x, y), TEXT, 2, cv2.LINE_AA, tipLength=0.35)
    cv2.putText(cv.img, "N", (x - 6, y + 48), cv2.FONT_HERSHEY_SIMPLEX, 0.5, TEXT, 1, cv2.LINE_AA)
