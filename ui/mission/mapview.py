"""The report's map picture: area, no-fly zones, what the camera covered, tracks, sightings, subjects.

Drawn with OpenCV into a PNG so the report needs no map tiles and no network: a coordinator
on a laptop in a village hall can open it. Everything is drawn in the area's local metric
frame, so the picture is true to scale and a scale bar can be trusted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from shapely.geometry.base import BaseGeometry

from search_patterns.area import SearchArea
from search_patterns.geo import LocalProjection

TRACK_COLOURS_BGR = [(200, 80, 20), (20, 120, 230), (150, 40, 160), (30, 160, 160)]


@dataclass(frozen=True)
class MapMarker:
    """A labelled point: a sighting (``kind="sighting"``) or a true subject (``"found"`` / ``"missed"``)."""

    lat: float
    lon: float
    label: str
    kind: str


def _polys(geom: BaseGeometry | None) -> list:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]


def render_map(area: SearchArea, *, tracks: Sequence[Sequence[tuple[float, float]]] = (),
               covered: BaseGeometry | None = None, markers: Sequence[MapMarker] = (),
               home: tuple[float, float] | None = None, width_px: int = 1000, max_numbered: int = 30) -> bytes:
    """A PNG (bytes) of the mission. ``tracks`` are lists of (lat, lon); ``covered`` is lon/lat.

    Sightings come in ranked order; the first ``max_numbered`` get a numbered circle, the rest
    a small dot, so a noisy detector does not bury the map.
    """
    proj: LocalProjection = area.projection()
    local_area = proj.geometry_to_local(area.polygon)
    minx, miny, maxx, maxy = local_area.bounds
    pts_extra = [proj.to_local(lat, lon) for tr in tracks for lat, lon in tr]
    if home:
        pts_extra.append(proj.to_local(*home))
    pts_extra += [proj.to_local(m.lat, m.lon) for m in markers]
    for x, y in pts_extra:
        minx, maxx, miny, maxy = min(minx, x), max(maxx, x), min(miny, y), max(maxy, y)
    span = max(maxx - minx, maxy - miny, 10.0)
    margin = 0.08 * span
    minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
    scale = width_px / (maxx - minx)
    height_px = int(math.ceil((maxy - miny) * scale)) + 40
    img = np.full((height_px, width_px, 3), (236, 240, 232), np.uint8)

    def px(x: float, y: float) -> tuple[int, int]:
        return int(round((x - minx) * scale)), int(round((maxy - y) * scale))

    def ring_px(coords) -> np.ndarray:
        return np.array([px(x, y) for x, y in coords], np.int32)

    # area
    cv2.fillPoly(img, [ring_px(local_area.exterior.coords)], (250, 250, 246))
    # coverage
    if covered is not None:
        overlay = img.copy()
        for p in _polys(proj.geometry_to_local(covered)):
            cv2.fillPoly(overlay, [ring_px(p.exterior.coords)], (150, 215, 150))
            for hole in p.interiors:
                cv2.fillPoly(overlay, [ring_px(hole.coords)], (250, 250, 246))
        img = cv2.addWeighted(overlay, 0.55, img, 0.45, 0)
    cv2.polylines(img, [ring_px(local_area.exterior.coords)], True, (40, 40, 40), 2, cv2.LINE_AA)
    for ex in area.exclusions:
        lp = proj.geometry_to_local(ex)
        r = ring_px(lp.exterior.coords)
        hatch = img.copy()
        cv2.fillPoly(hatch, [r], (80, 80, 220))
        img = cv2.addWeighted(hatch, 0.35, img, 0.65, 0)
        cv2.polylines(img, [r], True, (40, 40, 200), 2, cv2.LINE_AA)
        cx, cy = px(lp.centroid.x, lp.centroid.y)
        cv2.putText(img, "NO FLY", (cx - 30, cy + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (30, 30, 160), 1, cv2.LINE_AA)
    # tracks
    for i, tr in enumerate(tracks):
        if len(tr) < 2:
            continue
        xs = np.array([px(*proj.to_local(lat, lon)) for lat, lon in tr], np.int32)
        cv2.polylines(img, [xs], False, TRACK_COLOURS_BGR[i % len(TRACK_COLOURS_BGR)], 2, cv2.LINE_AA)
    if home:
        hx, hy = px(*proj.to_local(*home))
        cv2.rectangle(img, (hx - 7, hy - 7), (hx + 7, hy + 7), (20, 20, 20), 2)
        cv2.putText(img, "H", (hx - 5, hy + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (20, 20, 20), 1, cv2.LINE_AA)
    # sightings first (lower-ranked ones as dots), the truth on top
    numbered = 0
    for m in sorted(markers, key=lambda m: m.kind != "sighting"):
        x, y = px(*proj.to_local(m.lat, m.lon))
        if m.kind == "sighting" and numbered >= max_numbered:
            cv2.circle(img, (x, y), 3, (0, 110, 220), -1, cv2.LINE_AA)
        elif m.kind == "sighting":
            numbered += 1
            cv2.circle(img, (x, y), 11, (0, 140, 255), -1, cv2.LINE_AA)
            cv2.circle(img, (x, y), 11, (20, 20, 20), 1, cv2.LINE_AA)
            cv2.putText(img, m.label, (x - 6 * len(m.label), y + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                        (0, 0, 0), 1, cv2.LINE_AA)
        else:
            colour = (30, 150, 30) if m.kind == "found" else (30, 30, 210)
            cv2.drawMarker(img, (x, y), colour, cv2.MARKER_TILTED_CROSS, 22, 3, cv2.LINE_AA)
            cv2.putText(img, m.label, (x + 12, y - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
    # scale bar and north arrow
    bar_m = _nice(span / 5)
    x0, y0 = 20, height_px - 18
    cv2.line(img, (x0, y0), (x0 + int(bar_m * scale), y0), (20, 20, 20), 3)
    cv2.putText(img, f"{bar_m:g} m", (x0, y0 - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (20, 20, 20), 1, cv2.LINE_AA)
    nx = width_px - 30
    cv2.arrowedLine(img, (nx, 60), (nx, 20), (20, 20, 20), 2, tipLength=0.35)
    cv2.putText(img, "N", (nx - 6, 78), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (20, 20, 20), 2, cv2.LINE_AA)
    ok, buf = cv2.imencode(".png", img)
    if not ok:  # pragma: no cover - OpenCV cannot fail on a valid uint8 image
        raise RuntimeError("PNG encoding failed")
    return buf.tobytes()


def _nice(x: float) -> float:
    """A round number (1, 2, 5 × 10^n) near ``x`` for the scale bar."""
    exp = 10 ** math.floor(math.log10(max(x, 1e-9)))
    for m in (1, 2, 5, 10):
        if m * exp >= x:
            return m * exp
    return 10 * exp
