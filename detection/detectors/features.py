"""What a candidate looks like at true ground scale: the measurements the person ranker learns from.

Why these: a colour anomaly says only "something here differs from its surroundings". From the
air, what separates a person from a stone, a log or a bush is not one colour but structure at
the scale of a body: several differently coloured parts next to each other (jacket, trousers,
hair or skin), thin limbs, a length of 1–2 m, and when standing a long thin shadow. Stones and
bushes are one rounded tone with a rounded shadow; a log is one long tone. Every measurement is
taken on a patch resampled to a fixed ground scale and made independent of rotation, so a
person is described the same way whatever the altitude, lens or heading.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from detection.types import Box

PATCH_M = 3.2  # side of the ground patch around a candidate, metres
PATCH_PX = 32  # resampled to this many pixels (10 cm per pixel)

#: The rx measurements used, in order (see :meth:`RxDetector.candidates`).
RX_KEYS = ("peak", "mean", "area_m2", "long_m", "short_m", "chroma", "l_std", "ab_std", "parts", "red",
           "blue", "light")
PATCH_KEYS = ("dark_m2", "dark_long_m", "dark_elong", "light_m2", "diff_m2", "diff_long_m", "diff_elong",
              "n_tones", "tone_spread", "max_tone_de", "centre_de", "ring1_de", "ring2_de", "edge_ratio",
              "grad_peak", "solidity", "fill", "bg_l", "bg_chroma", "core_l_min", "core_l_max")
FEATURE_NAMES = RX_KEYS + PATCH_KEYS


def _moments_shape(mask: np.ndarray, px_m: float) -> tuple[float, float, float]:
    """(area m², length m along the main axis, elongation ≥ 1) of a binary mask."""
    n = int(mask.sum())
    if n < 2:
        return n * px_m * px_m, 0.0, 1.0
    ys, xs = np.nonzero(mask)
    cov = np.cov(np.stack([xs, ys]).astype(np.float32))
    ev = np.sort(np.linalg.eigvalsh(cov))
    lo, hi = max(ev[0], 0.08), max(ev[1], 0.08)
    return n * px_m * px_m, math.sqrt(12.0 * hi) * px_m, math.sqrt(hi / lo)


def patch_features(image: np.ndarray, box: Box, gsd_m: float) -> list[float]:
    """Ground-scale measurements of the patch around ``box`` (see :data:`PATCH_KEYS`)."""
    h, w = image.shape[:2]
    cx, cy = box.center
    side = max(PATCH_M / max(gsd_m, 1e-3), 1.3 * max(box.w, box.h), 8.0)
    half = side / 2.0
    x0, y0 = int(math.floor(cx - half)), int(math.floor(cy - half))
    x1, y1 = int(math.ceil(cx + half)), int(math.ceil(cy + half))
    crop = image[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]
    if crop.size == 0:
        return [0.0] * len(PATCH_KEYS)
    # pad by replicating the edge so a candidate at the image border keeps its place in the patch
    crop = cv2.copyMakeBorder(crop, max(0, -y0), max(0, y1 - h), max(0, -x0), max(0, x1 - w), cv2.BORDER_REPLICATE)
    patch = cv2.resize(crop, (PATCH_PX, PATCH_PX), interpolation=cv2.INTER_AREA)
    px_m = (x1 - x0) * gsd_m / PATCH_PX
    lab = cv2.cvtColor(patch, cv2.COLOR_BGR2LAB).astype(np.float32)
    lab[..., 0] *= 100.0 / 255.0
    lab[..., 1:] -= 128.0
    yy, xx = np.mgrid[0:PATCH_PX, 0:PATCH_PX].astype(np.float32)
    r = np.hypot(xx - (PATCH_PX - 1) / 2.0, yy - (PATCH_PX - 1) / 2.0) * px_m
    ring = r > 1.25
    bg = np.median(lab[ring], axis=0)
    de = np.linalg.norm(lab - bg, axis=2)
    dl = lab[..., 0] - bg[0]
    noise = float(np.median(de[ring])) + 1.0
    diff = de > max(12.0, 3.0 * noise)
    dark = dl < -max(10.0, 2.5 * noise)
    light = dl > max(10.0, 2.5 * noise)
    dark_m2, dark_long, dark_el = _moments_shape(dark & (r < 1.6), px_m)
    light_m2, _, _ = _moments_shape(light & (r < 1.6), px_m)
    diff_c = diff & (r < 1.6)
    diff_m2, diff_long, diff_el = _moments_shape(diff_c, px_m)
    # tones: how many clearly different colours make up the object
    n_tones, spread, max_de = 0.0, 0.0, 0.0
    pix = lab[diff_c]
    if len(pix) >= 6:
        k = min(3, len(pix) // 2)
        crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 0.5)
        _, lbl, centres = cv2.kmeans(pix, k, None, crit, 1, cv2.KMEANS_PP_CENTERS)
        share = np.bincount(lbl.ravel(), minlength=k) / len(pix)
        keep = centres[share >= 0.12]
        d = [float(np.linalg.norm(a - b)) for i, a in enumerate(keep) for b in keep[i + 1:]]
        n_tones = 1.0 + sum(x > 18.0 for x in d)
        spread = float(max(d)) if d else 0.0
        max_de = float(np.percentile(np.linalg.norm(pix - bg, axis=1), 90))
    grey = lab[..., 0]
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.hypot(gx, gy)
    inner = r < 1.0
    edge_ratio = float(mag[inner].mean() / (mag[ring].mean() + 1.0))
    solidity, fill = 0.0, 0.0
    m8 = diff_c.astype(np.uint8)
    cnts, _ = cv2.findContours(m8, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if cnts:
        c = max(cnts, key=cv2.contourArea)
        hull = cv2.contourArea(cv2.convexHull(c))
        solidity = float(cv2.contourArea(c) / hull) if hull > 0 else 0.0
        bx, by, bw, bh = cv2.boundingRect(c)
        fill = float(m8.sum() / max(1, bw * bh))
    core = lab[..., 0][r < 0.6]
    return [dark_m2, dark_long, dark_el, light_m2, diff_m2, diff_long, diff_el, n_tones, spread, max_de,
            float(de[r < 0.4].mean()), float(de[(r >= 0.4) & (r < 0.8)].mean()),
            float(de[(r >= 0.8) & (r < 1.25)].mean()), edge_ratio, float(np.percentile(mag[inner], 95)),
            solidity, fill, float(bg[0]), float(math.hypot(bg[1], bg[2])),
            float(core.min() - bg[0]), float(core.max() - bg[0])]


def candidate_features(image: np.ndarray, box: Box, rx_feats: dict[str, float], gsd_m: float) -> np.ndarray:
    """One row of :data:`FEATURE_NAMES` for the ranker."""
    return np.array([rx_feats[k] for k in RX_KEYS] + patch_features(image, box, gsd_m), np.float32)
