"""Seeded procedural ground: grass, forest, rock, paths and water.

Why procedural and chunked: a search area is hundreds of metres wide and the camera sees it at
a few centimetres per pixel, so a whole-area texture would not fit in memory. The ground is a
pure function of (seed, x, y) built from lattice value noise, evaluated in square chunks that
are cached, so neighbouring chunks join without seams and a second pass over the same ground
costs nothing.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import cv2
import numpy as np

CHUNK_PX = 512
CLUTTER_CELL_M = 4.0
CLUTTER_PER_CELL = 0.35
#: (BGR colour, size range m, elongation) of ground clutter
CLUTTER = (
    ((112, 118, 122), (0.25, 0.7), 1.3),   # grey stone
    ((190, 196, 200), (0.2, 0.6), 1.2),    # pale boulder
    ((30, 42, 48), (0.3, 0.9), 1.5),       # bare dark patch / hole
    ((60, 200, 215), (0.15, 0.4), 1.0),    # yellow flower clump
    ((60, 80, 95), (0.6, 1.6), 6.0),       # dead branch
)


def _hash01(seed: int, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """A repeatable pseudo-random value in [0, 1) for each integer lattice point (32-bit mixing)."""
    with np.errstate(over="ignore"):
        h = (ix.astype(np.uint32) * np.uint32(374761393) + iy.astype(np.uint32) * np.uint32(668265263)
             + np.uint32(seed * 2246822519 & 0xFFFFFFFF))
        h = (h ^ (h >> np.uint32(13))) * np.uint32(1274126177)
        h = h ^ (h >> np.uint32(16))
    return h.astype(np.float32) * np.float32(1.0 / 4294967296.0)


def value_noise(seed: int, x: np.ndarray, y: np.ndarray, scale_m: float) -> np.ndarray:
    """Smooth noise in [0, 1) with features about ``scale_m`` metres wide, continuous everywhere."""
    gx = x / scale_m + 100_003.0  # keep lattice indices positive
    gy = y / scale_m + 100_033.0
    ix = np.floor(gx)
    iy = np.floor(gy)
    fx = gx - ix
    fy = gy - iy
    fx = fx * fx * (3 - 2 * fx)
    fy = fy * fy * (3 - 2 * fy)
    ix = ix.astype(np.int64)
    iy = iy.astype(np.int64)
    v00 = _hash01(seed, ix, iy)
    v10 = _hash01(seed, ix + 1, iy)
    v01 = _hash01(seed, ix, iy + 1)
    v11 = _hash01(seed, ix + 1, iy + 1)
    top = v00 + (v10 - v00) * fx
    bot = v01 + (v11 - v01) * fx
    return top + (bot - top) * fy


def _noise_field(seed: int, x0: float, y1: float, mpp: float, n: int, scale_m: float) -> np.ndarray:
    """Value noise over an n×n chunk (row 0 at the north edge), sampled coarsely and resized.

    Sampling a 40 m feature at every 5 cm pixel would waste time, so each octave is evaluated
    on a grid of about four samples per feature and interpolated up.
    """
    step = max(mpp, scale_m / 4.0)
    m = max(2, int(math.ceil(n * mpp / step)) + 2)
    xs = x0 + np.arange(m) * step
    ys = y1 - np.arange(m) * step
    gx, gy = np.meshgrid(xs, ys)
    coarse = value_noise(seed, gx, gy, scale_m).astype(np.float32)
    if m == n and step == mpp:
        return coarse
    # map chunk pixel centres into the coarse grid
    scale = mpp / step
    mapx = (np.arange(n, dtype=np.float32) + 0.5) * scale
    mapy = (np.arange(n, dtype=np.float32) + 0.5) * scale
    mx, my = np.meshgrid(mapx, mapy)
    return cv2.remap(coarse, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _fbm(seed: int, x0: float, y1: float, mpp: float, n: int, scale_m: float, octaves: int) -> np.ndarray:
    total = np.zeros((n, n), np.float32)
    amp, norm, s = 1.0, 0.0, scale_m
    for k in range(octaves):
        total += amp * _noise_field(seed + 101 * k, x0, y1, mpp, n, s)
        norm += amp
        amp *= 0.5
        s /= 2.0
    return total / norm


# BGR colours of the land covers
GRASS = np.array([55, 125, 95], np.float32)
DRY_GRASS = np.array([95, 150, 160], np.float32)
FOREST = np.array([38, 70, 42], np.float32)
FOREST_SHADE = np.array([20, 38, 22], np.float32)
ROCK = np.array([118, 124, 128], np.float32)
WATER = np.array([70, 62, 38], np.float32)
PATH = np.array([100, 128, 152], np.float32)


class Terrain:
    """Ground colours as a function of position, with a chunk cache per level of detail.

    Coordinates are metres east (x) and north (y) of the scene centre.
    """

    def __init__(self, seed: int, base_mpp: float = 0.04, cache_chunks: int = 96) -> None:
        self.seed = int(seed)
        self.base_mpp = base_mpp
        self._cache: OrderedDict[tuple[int, int, int], np.ndarray] = OrderedDict()
        self._cache_chunks = cache_chunks

    def level_for(self, gsd_m: float) -> int:
        """The level of detail whose pixel is no coarser than the camera's ground pixel."""
        if gsd_m <= self.base_mpp:
            return 0
        return max(0, int(math.floor(math.log2(gsd_m / self.base_mpp))))

    def mpp(self, level: int) -> float:
        return self.base_mpp * (2 ** level)

    def chunk(self, level: int, cx: int, cy: int) -> np.ndarray:
        """The BGR uint8 chunk whose south-west corner is at (cx, cy)·chunk size, north row first."""
        key = (level, cx, cy)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        img = self._render_chunk(level, cx, cy)
        self._cache[key] = img
        if len(self._cache) > self._cache_chunks:
            self._cache.popitem(last=False)
        return img

    def mosaic(self, level: int, x0: float, y0: float, x1: float, y1: float) -> tuple[np.ndarray, float, float]:
        """Ground covering [x0, x1]×[y0, y1]; returns (image, west x of column 0, north y of row 0)."""
        mpp = self.mpp(level)
        size = CHUNK_PX * mpp
        cx0, cx1 = int(math.floor(x0 / size)), int(math.floor(x1 / size))
        cy0, cy1 = int(math.floor(y0 / size)), int(math.floor(y1 / size))
        rows = []
        for cy in range(cy1, cy0 - 1, -1):
            rows.append(np.hstack([self.chunk(level, cx, cy) for cx in range(cx0, cx1 + 1)]))
        return np.vstack(rows), cx0 * size, (cy1 + 1) * size

    def _render_chunk(self, level: int, cx: int, cy: int) -> np.ndarray:
        n = CHUNK_PX
        mpp = self.mpp(level)
        x0 = cx * n * mpp + 0.5 * mpp
        y1 = (cy + 1) * n * mpp - 0.5 * mpp
        s = self.seed
        cover_forest = _fbm(s + 1, x0, y1, mpp, n, 90.0, 3)
        cover_rock = _fbm(s + 2, x0, y1, mpp, n, 70.0, 3)
        cover_water = _fbm(s + 3, x0, y1, mpp, n, 160.0, 2)
        path_f = _fbm(s + 4, x0, y1, mpp, n, 120.0, 2)
        dry = _fbm(s + 5, x0, y1, mpp, n, 12.0, 3)
        detail = 0.6 * _fbm(s + 6, x0, y1, mpp, n, 1.6, 3) + 0.4 * _fbm(s + 8, x0, y1, mpp, n, 0.25, 2)
        crowns = _fbm(s + 7, x0, y1, mpp, n, 4.0, 2)

        def w(mask: np.ndarray) -> np.ndarray:
            return mask[..., None]

        dry_w = np.clip((dry - 0.45) * 3.0, 0, 1)
        img = GRASS * (1 - w(dry_w)) + DRY_GRASS * w(dry_w)
        img = img * w(0.7 + 0.6 * detail)
        # forest: tree crowns with dark gaps between them
        forest_w = np.clip((cover_forest - 0.6) * 12.0, 0, 1)
        crown = np.clip((crowns - 0.42) * 5.0, 0, 1)
        forest = FOREST_SHADE * (1 - w(crown)) + FOREST * w(crown) * w(0.85 + 0.3 * detail)
        img = img * (1 - w(forest_w)) + forest * w(forest_w)
        # rock outcrops
        rock_w = np.clip((cover_rock - 0.7) * 14.0, 0, 1) * (1 - forest_w)
        rock = ROCK * w(0.75 + 0.5 * detail)
        img = img * (1 - w(rock_w)) + rock * w(rock_w)
        # water in the lowest places
        water_w = np.clip((0.24 - cover_water) * 25.0, 0, 1)
        water = WATER * w(0.95 + 0.1 * detail)
        img = img * (1 - w(water_w)) + water * w(water_w)
        # foot paths: a narrow band along a noise contour, not through water or forest
        path_w = np.clip(1.0 - np.abs(path_f - 0.5) / 0.006, 0, 1) * (1 - water_w) * (1 - forest_w * 0.7)
        path = PATH * w(0.85 + 0.3 * detail)
        img = img * (1 - w(path_w)) + path * w(path_w)
        img = np.clip(img, 0, 255)
        self._clutter(img, level, cx, cy, x0 - 0.5 * mpp, y1 + 0.5 * mpp, mpp, forest_w, water_w)
        # per-pixel grain
        rng = np.random.default_rng([self.seed & 0xFFFFFFFF, level, cx & 0xFFFFFFFF, cy & 0xFFFFFFFF])
        img += rng.normal(0.0, 4.0, img.shape[:2]).astype(np.float32)[..., None]
        return np.clip(img, 0, 255).astype(np.uint8)

    def _clutter(self, img: np.ndarray, level: int, cx: int, cy: int, x_west: float, y_north: float, mpp: float,
                 forest_w: np.ndarray, water_w: np.ndarray) -> None:
        """Small natural things that also stand out: stones, pale boulders, bare dark patches,
        flower clumps and dead branches. Placed per 4 m cell from the seed, so they are the same
        whichever chunk draws them."""
        cell = CLUTTER_CELL_M
        n = img.shape[0]
        span = n * mpp
        i0, i1 = int(math.floor(x_west / cell)) - 1, int(math.floor((x_west + span) / cell)) + 1
        j0, j1 = int(math.floor((y_north - span) / cell)) - 1, int(math.floor(y_north / cell)) + 1
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                rng = np.random.default_rng([self.seed & 0xFFFFFFFF, 77, i & 0xFFFFFFFF, j & 0xFFFFFFFF])
                for _ in range(int(rng.poisson(CLUTTER_PER_CELL))):
                    x = (i + rng.uniform()) * cell
                    y = (j + rng.uniform()) * cell
                    kind = int(rng.integers(len(CLUTTER)))
                    colour, (smin, smax), elong = CLUTTER[kind]
                    size = rng.uniform(smin, smax)
                    px = (x - x_west) / mpp
                    py = (y_north - y) / mpp
                    if not (-50 < px < n + 50 and -50 < py < n + 50):
                        continue
                    ix, iy = int(np.clip(px, 0, n - 1)), int(np.clip(py, 0, n - 1))
                    if water_w[iy, ix] > 0.5 or (forest_w[iy, ix] > 0.5 and kind != 4):
                        continue
                    ax = max(0.5, size / 2 / mpp)
                    ay = max(0.5, ax / elong)
                    jitter = rng.uniform(0.8, 1.15)
                    bgr = tuple(float(c * jitter) for c in colour)
                    centre = (int(px * 16), int(py * 16))
                    axes = (int(ax * 16), int(ay * 16))
                    angle = float(rng.uniform(0, 180))
                    if kind in (0, 1):  # stones cast a small shadow
                        off = (int((px + 0.3 * ax) * 16), int((py + 0.3 * ax) * 16))
                        cv2.ellipse(img, off, axes, angle, 0, 360, (25, 40, 30), -1, cv2.LINE_AA, 4)
                    cv2.ellipse(img, centre, axes, angle, 0, 360, bgr, -1, cv2.LINE_AA, 4)
