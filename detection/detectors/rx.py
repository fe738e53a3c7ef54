"""Colour anomaly: Reed-Xiaoli (RX) on the CIE Lab colour space, with local background statistics.

Why: in natural ground, clothing and gear are colours nature rarely makes. RX measures how far
each pixel is from the colour statistics of its neighbourhood (Mahalanobis distance), so a red
jacket on grass or a blue one on rock stands out while the grass and rock themselves do not.
Lab is used because its distances follow what eyes see as different. Local (not whole-image)
statistics keep forest, rock and water from flagging each other. Blobs are then kept only if
their size on the ground could be a person.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from detection.types import Box

#: ground size of a pixel assumed when the pose is unknown: a typical 50 m / 1080p view
DEFAULT_GSD_M = 0.04


class RxDetector:
    """Colour-anomaly detector. ``sensitivity`` in (0, 1]: higher finds more, and flags more."""

    name = "rx"

    def __init__(self, sensitivity: float = 0.5, work_width: int = 960, window_m: float = 6.0,
                 guard_m: float = 2.4,
                 min_area_m2: float = 0.04, max_area_m2: float = 2.5, max_candidates: int = 40) -> None:
        if not 0 < sensitivity <= 1:
            raise ValueError(f"rx sensitivity must be in (0, 1], got {sensitivity}")
        self.sensitivity = sensitivity
        self.work_width = work_width
        self.window_m = window_m
        self.guard_m = guard_m
        self.min_area_m2 = min_area_m2
        self.max_area_m2 = max_area_m2
        self.max_candidates = max_candidates
        # RX distance² threshold: 3 colour channels, heavy-tailed natural texture
        self.threshold = 12.0 + 60.0 * (1.0 - sensitivity)
        # Lab a* (red) and -b* (blue) levels above which a colour is unlikely to be natural
        self.red_min = 6.0 + 12.0 * (1.0 - sensitivity)
        self.blue_min = 4.0 + 12.0 * (1.0 - sensitivity)

    def anomaly_map(self, image: np.ndarray, window_px: int, guard_px: int | None = None) -> np.ndarray:
        """Per-pixel RX distance² of the (already downscaled) BGR image.

        The background statistics come from a ring: the ``window_px`` square minus a
        ``guard_px`` square in its middle. Without the guard, a person would be part of their
        own background and cap their own anomaly (a target covering a fraction p of the
        window can never score above about 1/p).
        """
        lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float32)
        guard = guard_px if guard_px is not None else max(3, window_px // 2) | 1
        ko, ki = (window_px, window_px), (guard, guard)
        ao, ai = float(window_px * window_px), float(guard * guard)

        def ring(a: np.ndarray) -> np.ndarray:
            return (cv2.blur(a, ko) * ao - cv2.blur(a, ki) * ai) / (ao - ai)

        c = cv2.split(lab)
        m = [ring(ch) for ch in c]

        def cov(i: int, j: int) -> np.ndarray:
            return ring(c[i] * c[j]) - m[i] * m[j]

        # sensor-noise floor on the diagonal keeps flat areas (water, sky) stable
        a, b_, cc = cov(0, 0) + 4.0, cov(1, 1) + 4.0, cov(2, 2) + 4.0
        d_, e, f = cov(0, 1), cov(0, 2), cov(1, 2)
        # closed-form inverse of the symmetric 3×3 [[a d e] [d b f] [e f c]] via its adjugate
        A = b_ * cc - f * f
        B = e * f - d_ * cc
        C = d_ * f - b_ * e
        D = a * cc - e * e
        E = d_ * e - a * f
        F = a * b_ - d_ * d_
        det = a * A + d_ * B + e * C
        x, y, z = (c[0] - m[0]), (c[1] - m[1]), (c[2] - m[2])
        q = A * x * x + D * y * y + F * z * z + 2 * (B * x * y + C * x * z + E * y * z)
        return q / np.maximum(det, 1e-6)

    def candidates(self, image: np.ndarray, gsd_m: float | None = None) -> list[tuple[Box, dict[str, float]]]:
        """Anomalous blobs of person-like size, each with the features the score is made from."""
        h, w = image.shape[:2]
        scale = min(1.0, self.work_width / w)
        small = cv2.resize(image, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else image
        gsd = gsd_m if gsd_m else DEFAULT_GSD_M
        gsd_small = gsd / scale
        win = int(max(9, min(151, round(self.window_m / gsd_small)))) | 1
        guard = int(max(5, min(win - 4, round(self.guard_m / gsd_small)))) | 1
        rx = self.anomaly_map(small, win, guard)
        lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32)
        mask = (rx > self.threshold).astype(np.uint8)
        # join the parts of one person (jacket, trousers, head) before counting blobs
        join = max(1, int(round(0.25 / gsd_small)))
        mask_j = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * join + 1, 2 * join + 1)))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask_j, connectivity=8)
        px_area = gsd_small ** 2
        out: list[tuple[Box, dict[str, float]]] = []
        for i in range(1, n):
            x, y, bw, bh, _area = stats[i]
            sl = (slice(y, y + bh), slice(x, x + bw))
            core = (labels[sl] == i) & (mask[sl] > 0)
            area_m2 = float(core.sum()) * px_area
            if area_m2 < self.min_area_m2 or area_m2 > self.max_area_m2:
                continue
            long_m = max(bw, bh) * gsd_small
            if long_m > 3.0:
                continue
            vals = rx[sl][core]
            pix = lab[sl][core]
            chroma = np.hypot(pix[:, 1] - 128.0, pix[:, 2] - 128.0)
            feats = {
                "peak": float(vals.max()), "mean": float(vals.mean()), "area_m2": area_m2, "long_m": long_m,
                "short_m": min(bw, bh) * gsd_small, "chroma": float(np.percentile(chroma, 90)),
                "l_std": float(pix[:, 0].std()), "ab_std": float(np.hypot(pix[:, 1].std(), pix[:, 2].std())),
                "parts": _two_colour_split(pix),
                "red": float(np.percentile(pix[:, 1] - 128.0, 95)),
                "blue": float(np.percentile(128.0 - pix[:, 2], 95)),
                "light": float(np.percentile(pix[:, 0], 95)),
            }
            box = Box(float(x / scale), float(y / scale), float(bw / scale), float(bh / scale), 0.0, self.name)
            out.append((box, feats))
        return out

    def score(self, f: dict[str, float]) -> float:
        """How much a blob looks like a person, in (0, 1).

        Being different from the surroundings is not enough: the ground is full of stones,
        holes, flowers and branches that are. What nature rarely makes is strong red, pink,
        orange or blue, so those colours carry most of the score; a blob without them keeps a
        low score (it stays in the list for a thorough review, below the flags).
        """
        strength = 1.0 - math.exp(-max(0.0, f["peak"] - self.threshold) / (2.0 * self.threshold))
        # yellow and white are left out on purpose: flowers and pale rock make them too, and
        # flagging them cost far more in false alarms than it found (measured in bench/detection.py)
        unnatural = max(f["red"] - self.red_min, f["blue"] - self.blue_min)
        colour = 1.0 / (1.0 + math.exp(-unnatural / 3.0))
        return float(np.clip(0.05 + 0.75 * colour + 0.2 * strength * colour + 0.15 * strength * (1 - colour),
                             0.01, 0.99))

    def detect(self, image: np.ndarray, gsd_m: float | None = None) -> list[Box]:
        boxes = [Box(b.x, b.y, b.w, b.h, self.score(f), b.detector) for b, f in self.candidates(image, gsd_m)]
        boxes.sort(key=lambda b: -b.score)
        return boxes[: self.max_candidates]


def _two_colour_split(pix: np.ndarray) -> float:
    """Lab distance between the two main colours of a blob (0 for a single-coloured blob).

    A person is several colours next to each other (jacket, trousers, hair, skin); a stone or
    a flower clump is one. Two-means on the blob's pixels, reported only when the smaller part
    is at least a fifth of the blob.
    """
    if len(pix) < 6:
        return 0.0
    crit = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 10, 1.0)
    _, lab_, centres = cv2.kmeans(pix.astype(np.float32), 2, None, crit, 1, cv2.KMEANS_PP_CENTERS)
    frac = float(np.mean(lab_.ravel() == 0))
    if min(frac, 1 - frac) < 0.2:
        return 0.0
    return float(np.linalg.norm(centres[0] - centres[1]))
