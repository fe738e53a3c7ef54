"""A picture of a search: area, POD heat, coverage, gaps, flown track and sightings.

Why a PNG: it goes into the mission report, a chat message to the incident commander, or
a printed briefing, where no map software is at hand. Drawn with numpy/OpenCV so it works
headless and offline; north is up, with a scale bar and a POD colour key.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from search_patterns.atomic import write_atomic
from search_patterns.coverage import CoverageResult

BG = (246, 246, 243)
AREA = (40, 40, 40)
COVER = (215, 125, 46)  # BGR of #2e7dd7
GAP = (27, 38, 224)
TRACK = (0, 176, 255)
TRANSIT = (150, 150, 150)
SIGHT = (160, 0, 200)
TEXT = (30, 30, 30)


def pod_colormap(pod: np.ndarray) -> np.ndarray:
    """POD 0..1 → BGR uint8: red → yellow → green (same ramp as the map layers)."""
    p = np.clip(pod, 0.0, 1.0)
    r = np.where(p < 0.5, 1.0, 2.0 * (1.0 - p)) * 220
    g = np.where(p < 0.5, 2.0 * p, 1.0 - 0.7 * (p - 0.5)) * 200
    b = np.full_like(p, 40.0)
    return np.stack([b, g, r], axis=-1).astype(np.uint8)


class _Frame:
    """Local metres → pixels, north up."""

    def __init__(self, bounds: tuple[float, float, float, float], width_px: int, margin_px: int,
                 panel_px: int) -> None:
        minx, miny, maxx, maxy = bounds
        span = max(maxx - minx, maxy - miny, 1.0)
        self.scale = (width_px - 2 * margin_px) / span
        self.minx, self.maxy = minx, maxy
        self.margin = margin_px
        self.panel = panel_px
        self.w = width_px
        self.h = int((maxy - miny) * self.scale) + 2 * margin_px + panel_px

    def px(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, float).reshape(-1, 2)
        u = self.margin + (xy[:, 0] - self.minx) * self.scale
        v = self.panel + self.margin + (self.maxy - xy[:, 1]) * self.scale
        return np.round(np.c_[u, v] * 16).astype(np.int32)  # 4 bits of sub-pixel precision


def _rings(geom: BaseGeometry) -> list[np.ndarray]:
    out = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        out.append(np.asarray(poly.exterior.coords)[:, :2])
        out.extend(np.asarray(r.coords)[:, :2] for r in poly.interiors)
    return out


def _polylines(img: np.ndarray, fr: _Frame, geom: BaseGeometry, color: tuple[int, int, int], thick: int) -> None:
    pts = [fr.px(r) for r in _rings(geom)]
    if pts:
        cv2.polylines(img, pts, True, color, thick, cv2.LINE_AA, shift=4)


def _fill(img: np.ndarray, fr: _Frame, geom: BaseGeometry, color: tuple[int, int, int], alpha: float) -> None:
    pts = [fr.px(r) for r in _rings(geom)]
    if not pts:
        return
    layer = img.copy()
    cv2.fillPoly(layer, pts, color, cv2.LINE_AA, shift=4)
    cv2.addWeighted(layer, alpha, img, 1 - alpha, 0, dst=img)


def _hatch(img: np.ndarray, fr: _Frame, geom: BaseGeometry, color: tuple[int, int, int]) -> None:
    """Diagonal hatching inside gaps, so they read as 'not searched' even in greyscale print."""
    mask = np.zeros(img.shape[:2], np.uint8)
    pts = [fr.px(r) for r in _rings(geom)]
    if not pts:
        return
    cv2.fillPoly(mask, pts, 255, cv2.LINE_8, shift=4)
    yy, xx = np.indices(mask.shape)
    stripes = ((xx + yy) // 6) % 3 == 0
    sel = (mask > 0) & stripes
    img[sel] = (0.45 * img[sel] + 0.55 * np.array(color)).astype(np.uint8)


def _text(img: np.ndarray, s: str, org: tuple[int, int], scale: float = 0.55, color=TEXT, thick: int = 1) -> None:
    cv2.putText(img, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thick, cv2.LINE_AA)


def _scale_bar(img: np.ndarray, fr: _Frame) -> None:
    target_m = 150 / fr.scale
    nice = 10 ** math.floor(math.log10(target_m))
    for m in (5, 2, 1):
        if m * nice <= target_m:
            length_m = m * nice
            break
    length_px = int(length_m * fr.scale)
    x0, y0 = fr.w - fr.margin - length_px, img.shape[0] - 18
    cv2.rectangle(img, (x0, y0 - 6), (x0 + length_px, y0), TEXT, -1)
    label = f"{length_m:g} m" if length_m < 1000 else f"{length_m / 1000:g} km"
    _text(img, label, (x0, y0 - 10), 0.5)
    # north arrow
    ax, ay = fr.w - 30, fr.panel + 45
    cv2.arrowedLine(img, (ax, ay), (ax, ay - 30), TEXT, 2, cv2.LINE_AA, tipLength=0.35)
    _text(img, "N", (ax - 7, ay + 20), 0.6, thick=2)


def _legend(img: np.ndarray, res: CoverageResult, fr: _Frame, title: str) -> None:
    s = res.summary
    _text(img, title, (fr.margin, 28), 0.75, thick=2)
    line = (f"covered {100 * s['covered_fraction']:.1f}%   mean POD {s['mean_pod']:.2f}   "
            f"{100 * s['fraction_above_target']:.0f}% >= POD {s['target_pod']:g}   "
            f"gaps {s['gap_count']} ({s['gap_area_m2'] / 10_000:.2f} ha)   flown {s['flown_length_m'] / 1000:.2f} km")
    _text(img, line, (fr.margin, 56), 0.5)
    # POD key
    x0, y0, w, h = fr.margin, 70, 220, 12
    ramp = pod_colormap(np.linspace(0, 1, w)[None, :].repeat(h, axis=0))
    img[y0:y0 + h, x0:x0 + w] = ramp
    cv2.rectangle(img, (x0, y0), (x0 + w, y0 + h), TEXT, 1)
    for v in (0.0, 0.5, 1.0):
        _text(img, f"{v:g}", (x0 + int(v * w) - 8, y0 + h + 14), 0.4)
    _text(img, "POD", (x0 + w + 8, y0 + h), 0.45)
    items = [("coverage", COVER), ("gap", GAP), ("track", TRACK), ("sighting", SIGHT)]
    x = x0 + w + 60
    for label, color in items:
        cv2.rectangle(img, (x, y0), (x + 14, y0 + 12), color, -1)
        _text(img, label, (x + 20, y0 + 11), 0.45)
        x += 110


def render_coverage(res: CoverageResult, *, sightings: Sequence[tuple[float, float]] = (),
                    width_px: int = 1200, title: str | None = None) -> np.ndarray:
    """Draw the picture and return it as a BGR image."""
    panel = 100
    margin = 40
    bounds = res.searchable_local.union(res.union_local.intersection(
        res.searchable_local.buffer(200))).bounds if not res.union_local.is_empty else res.searchable_local.bounds
    fr = _Frame(bounds, width_px, margin, panel)
    img = np.full((fr.h, fr.w, 3), BG, np.uint8)
    # POD heat, one pixel block per cell, only inside the area
    g = res.grid
    ny, nx = g.shape
    heat = pod_colormap(res.pod)[::-1]  # row 0 = north
    alpha = (g.weight[::-1] > 0)
    x0, y1 = g.x0, g.y0 + ny * g.cell_m
    u0 = int(round(fr.margin + (x0 - fr.minx) * fr.scale))
    v0 = int(round(fr.panel + fr.margin + (fr.maxy - y1) * fr.scale))
    wpx, hpx = max(1, int(round(nx * g.cell_m * fr.scale))), max(1, int(round(ny * g.cell_m * fr.scale)))
    big = cv2.resize(heat, (wpx, hpx), interpolation=cv2.INTER_NEAREST)
    mask = cv2.resize(alpha.astype(np.uint8), (wpx, hpx), interpolation=cv2.INTER_NEAREST) > 0
    area_mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(area_mask, [fr.px(r) for r in _rings(res.searchable_local)][:1], 255, cv2.LINE_8, shift=4)
    for r in _rings(res.searchable_local)[1:]:
        cv2.fillPoly(area_mask, [fr.px(r)], 0, cv2.LINE_8, shift=4)
    ua, va = max(u0, 0), max(v0, 0)
    ub, vb = min(u0 + wpx, fr.w), min(v0 + hpx, fr.h)
    if ub > ua and vb > va:
        sub = img[va:vb, ua:ub]
        m = mask[va - v0:vb - v0, ua - u0:ub - u0] & (area_mask[va:vb, ua:ub] > 0)
        sub[m] = (0.4 * sub[m] + 0.6 * big[va - v0:vb - v0, ua - u0:ub - u0][m]).astype(np.uint8)
    _polylines(img, fr, res.union_local, COVER, 2)  # how far the camera saw, also outside the area
    for gap in res.gaps:
        _hatch(img, fr, gap.polygon_local, GAP)
        _polylines(img, fr, gap.polygon_local, GAP, 2)
    _polylines(img, fr, res.searchable_local, AREA, 3)
    for tr in res.tracks:
        if len(tr.lat) < 2:
            continue
        x, y = res.projection.many_to_local(tr.lat, tr.lon)
        pts = fr.px(np.c_[x, y])
        key = tr.segment * 2 + tr.searching.astype(int)
        cuts = np.flatnonzero(np.diff(key)) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(key)], strict=True):
            if b - a >= 2:
                color = TRACK if tr.searching[a] else TRANSIT
                cv2.polylines(img, [pts[a:b]], False, color, 2, cv2.LINE_AA, shift=4)
    for i, (lat, lon) in enumerate(sightings, start=1):
        p = fr.px(np.array(res.projection.to_local(lat, lon)))[0] // 16
        cv2.circle(img, (int(p[0]), int(p[1])), 9, SIGHT, 3, cv2.LINE_AA)
        _text(img, str(i), (int(p[0]) + 11, int(p[1]) - 8), 0.5, SIGHT, 2)
    _legend(img, res, fr, title or f"Coverage: {res.area.name}")
    _scale_bar(img, fr)
    return img


def write_coverage_png(res: CoverageResult, path: str | os.PathLike[str], *,
                       sightings: Sequence[tuple[float, float]] = (), width_px: int = 1200,
                       title: str | None = None) -> Path:
    """Render and write the PNG atomically."""
    ok, buf = cv2.imencode(".png", render_coverage(res, sightings=sightings, width_px=width_px, title=title))
    if not ok:  # pragma: no cover - OpenCV could not encode
        raise RuntimeError("PNG encoding failed")
    return write_atomic(path, buf.tobytes())
