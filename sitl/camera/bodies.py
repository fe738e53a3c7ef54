"""People and objects as a few 3-D capsules, drawn in perspective with soft shadows.

Why capsules: a person seen from a drone is a couple of dozen pixels; what matters for a
detector is the true size, the clothing colour, the shape changing with posture and viewing
angle, and the shadow. A handful of projected capsules gives all of that, at any camera angle,
for the cost of drawing a few thick lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from sitl.camera.projection import Projector

SS = 4  # supersampling factor for small shapes
SKIN_BGR = (120, 150, 200)
HAIR_BGR = (40, 45, 55)


@dataclass(frozen=True)
class Capsule:
    """A segment from ``a`` to ``b`` (local east, north, up metres) thickened by ``radius``."""

    a: tuple[float, float, float]
    b: tuple[float, float, float]
    radius: float
    bgr: tuple[int, int, int]


def _rot(heading_deg: float, fwd: float, side: float) -> tuple[float, float]:
    """(forward, right) offsets along a heading → (east, north)."""
    h = math.radians(heading_deg)
    return fwd * math.sin(h) + side * math.cos(h), fwd * math.cos(h) - side * math.sin(h)


def person_capsules(posture: str, clothing_bgr: tuple[int, int, int], trousers_bgr: tuple[int, int, int],
                    heading_deg: float, height_m: float = 1.75) -> list[Capsule]:
    """The capsules of a person of ``height_m`` in one of three postures, feet at the origin."""
    k = height_m / 1.75

    def p(fwd: float, side: float, up: float) -> tuple[float, float, float]:
        e, n = _rot(heading_deg, fwd * k, side * k)
        return (e, n, up * k)

    if posture == "standing":
        parts = [
            Capsule(p(0, -0.1, 0.06), p(0, -0.1, 0.88), 0.08 * k, trousers_bgr),
            Capsule(p(0, 0.1, 0.06), p(0, 0.1, 0.88), 0.08 * k, trousers_bgr),
            Capsule(p(0, 0.0, 0.95), p(0, 0.0, 1.38), 0.17 * k, clothing_bgr),
            Capsule(p(0, -0.24, 1.38), p(0.05, -0.27, 0.9), 0.055 * k, clothing_bgr),
            Capsule(p(0, 0.24, 1.38), p(0.05, 0.27, 0.9), 0.055 * k, clothing_bgr),
            Capsule(p(0, 0, 1.56), p(0, 0, 1.64), 0.1 * k, HAIR_BGR),
        ]
    elif posture == "sitting":
        parts = [
            Capsule(p(0.05, -0.1, 0.12), p(0.45, -0.1, 0.18), 0.08 * k, trousers_bgr),
            Capsule(p(0.05, 0.1, 0.12), p(0.45, 0.1, 0.18), 0.08 * k, trousers_bgr),
            Capsule(p(0.5, -0.1, 0.15), p(0.55, -0.1, 0.05), 0.07 * k, trousers_bgr),
            Capsule(p(0.5, 0.1, 0.15), p(0.55, 0.1, 0.05), 0.07 * k, trousers_bgr),
            Capsule(p(-0.05, 0, 0.2), p(0, 0, 0.65), 0.17 * k, clothing_bgr),
            Capsule(p(0, -0.24, 0.65), p(0.25, -0.22, 0.35), 0.055 * k, clothing_bgr),
            Capsule(p(0, 0.24, 0.65), p(0.25, 0.22, 0.35), 0.055 * k, clothing_bgr),
            Capsule(p(0, 0, 0.82), p(0, 0, 0.9), 0.1 * k, HAIR_BGR),
        ]
    elif posture == "lying":
        parts = [
            Capsule(p(0.0, -0.1, 0.09), p(0.82, -0.1, 0.09), 0.08 * k, trousers_bgr),
            Capsule(p(0.0, 0.1, 0.09), p(0.82, 0.1, 0.09), 0.08 * k, trousers_bgr),
            Capsule(p(0.9, 0, 0.14), p(1.35, 0, 0.14), 0.17 * k, clothing_bgr),
            Capsule(p(1.4, -0.24, 0.07), p(0.95, -0.26, 0.07), 0.055 * k, clothing_bgr),
            Capsule(p(1.4, 0.24, 0.07), p(0.95, 0.26, 0.07), 0.055 * k, clothing_bgr),
            Capsule(p(1.55, 0, 0.1), p(1.62, 0, 0.1), 0.1 * k, SKIN_BGR),
        ]
    else:
        raise ValueError(f"posture must be standing, sitting or lying, got {posture!r}")
    return parts


def object_capsules(kind: str, size_m: float, bgr: tuple[int, int, int], heading_deg: float) -> list[Capsule]:
    """Rocks, logs, bushes and bright man-made things that are not people."""
    def p(fwd: float, up: float) -> tuple[float, float, float]:
        e, n = _rot(heading_deg, fwd, 0.0)
        return (e, n, up)

    r = size_m / 2.0
    if kind == "log":
        return [Capsule(p(-r, 0.15), p(r, 0.15), 0.15, bgr)]
    if kind in ("rock", "bush"):
        return [Capsule(p(-0.2 * r, r * 0.6), p(0.2 * r, r * 0.6), r * 0.8, bgr)]
    if kind == "bright":
        return [Capsule(p(-0.5 * r, 0.12), p(0.5 * r, 0.12), 0.35 * r, bgr)]
    raise ValueError(f"distractor kind must be rock, log, bush or bright, got {kind!r}")


def draw_thing(img: np.ndarray, proj: Projector, origin_ne: tuple[float, float], parts: list[Capsule],
               sun_dir_ne_up: np.ndarray, shade: float = 0.55) -> tuple[int, int, int, int] | None:
    """Draw the capsules (and their shadow) standing at ``origin_ne``; returns the body's pixel
    box (x, y, w, h) clipped to the image, or ``None`` when it is not in view."""
    n0, e0 = origin_ne
    pts = []
    for c in parts:
        for q in (c.a, c.b):
            pts.append((n0 + q[1], e0 + q[0], -q[2]))
    ned = np.array(pts)
    uv, depth = proj.project(ned)
    if (depth <= 0.5).any():
        return None
    # shadows: each point pushed along the sun's direction down to the ground
    sun_e, sun_n, sun_up = sun_dir_ne_up
    t = (-ned[:, 2]) / max(sun_up, 0.05)
    shadow_ned = np.stack([ned[:, 0] - t * sun_n, ned[:, 1] - t * sun_e, np.zeros(len(ned))], axis=1)
    suv, sdepth = proj.project(shadow_ned)
    if (sdepth <= 0.5).any():
        return None
    f = proj.K[0, 0]
    radii = np.repeat([c.radius for c in parts], 2)
    rpx = f * radii / depth
    srpx = f * radii / sdepth
    allu = np.concatenate([uv, suv])
    allr = np.concatenate([rpx, srpx])
    h, w = img.shape[:2]
    x0 = int(math.floor((allu[:, 0] - allr).min())) - 2
    y0 = int(math.floor((allu[:, 1] - allr).min())) - 2
    x1 = int(math.ceil((allu[:, 0] + allr).max())) + 2
    y1 = int(math.ceil((allu[:, 1] + allr).max())) + 2
    if x1 <= 0 or y1 <= 0 or x0 >= w or y0 >= h or (x1 - x0) > w or (y1 - y0) > h:
        return None
    cw, ch = (x1 - x0) * SS, (y1 - y0) * SS
    shadow = np.zeros((ch, cw), np.uint8)
    body = np.zeros((ch, cw, 3), np.uint8)
    alpha = np.zeros((ch, cw), np.uint8)
    shift = 4
    scale = SS * (1 << shift)

    def fx(p: np.ndarray) -> tuple[int, int]:
        return (int(round((p[0] - x0) * scale)), int(round((p[1] - y0) * scale)))

    for i in range(len(parts)):
        a, b = suv[2 * i], suv[2 * i + 1]
        th = max(1, int(round(2 * srpx[2 * i] * SS)))
        cv2.line(shadow, fx(a), fx(b), 255, th, cv2.LINE_8, shift)
    # farthest parts first so nearer ones cover them
    order = sorted(range(len(parts)), key=lambda i: -(depth[2 * i] + depth[2 * i + 1]))
    for i in order:
        c = parts[i]
        a, b = uv[2 * i], uv[2 * i + 1]
        th = max(1, int(round(2 * rpx[2 * i] * SS)))
        # lit top, darker sides: a simple two-tone for some relief
        cv2.line(body, fx(a), fx(b), tuple(int(v * 0.8) for v in c.bgr), th, cv2.LINE_8, shift)
        cv2.line(body, fx(a), fx(b), c.bgr, max(1, int(th * 0.6)), cv2.LINE_8, shift)
        cv2.line(alpha, fx(a), fx(b), 255, th, cv2.LINE_8, shift)
    sw, sh = x1 - x0, y1 - y0
    shadow_s = cv2.resize(shadow, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    body_s = cv2.resize(body, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32)
    alpha_s = cv2.resize(alpha, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    # premultiplied: body_s already holds colour × coverage
    ix0, iy0, ix1, iy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    sx0, sy0 = ix0 - x0, iy0 - y0
    sl = (slice(sy0, sy0 + iy1 - iy0), slice(sx0, sx0 + ix1 - ix0))
    roi = img[iy0:iy1, ix0:ix1].astype(np.float32)
    roi *= (1.0 - shade * shadow_s[sl])[..., None]
    a_ = alpha_s[sl][..., None]
    roi = roi * (1.0 - a_) + body_s[sl]
    img[iy0:iy1, ix0:ix1] = np.clip(roi, 0, 255).astype(np.uint8)
    # the body's own box: where the coverage is meaningful
    ys, xs = np.nonzero(alpha_s > 0.25)
    if len(xs) == 0:
        return None
    bx0, by0 = x0 + xs.min(), y0 + ys.min()
    bx1, by1 = x0 + xs.max() + 1, y0 + ys.max() + 1
    bx0, by0, bx1, by1 = max(0, bx0), max(0, by0), min(w, bx1), min(h, by1)
    if bx1 <= bx0 or by1 <= by0:
        return None
    return (int(bx0), int(by0), int(bx1 - bx0), int(by1 - by0))
