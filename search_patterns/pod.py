"""Probability of detection (POD) on a grid: how well each bit of ground has been searched.

Why a grid: coverage says whether the camera's footprint passed over a place; POD says how
likely a person there would have been spotted, which depends on how often, how high and
over what ground the camera passed. Search theory's exponential detection model turns
search effort into POD: with coverage ``C`` (effective sweep width × track length ÷ area),
``POD = 1 − exp(−C)``.

On the grid each pass adds, to every cell its footprint covers, the effort
``W / w`` where ``W`` is the effective sweep width for the altitude and terrain class and
``w`` the footprint width across the direction of travel: a lawnmower whose legs are ``S``
apart then gives the textbook mean ``C = W / S``. In code a pass is a series of footprints
``s`` metres apart, each adding ``W · s / A`` (``A`` the footprint area), so hovering adds
nothing and the result does not depend on the telemetry rate. A pass whose ground sample
distance is too coarse to see a person adds nothing at all.

Cumulative POD over sorties and vehicles is ``1 − Π(1 − PODᵢ)`` (:func:`cumulative_pod`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from search_patterns.errors import InputError

# Effective sweep width in metres for a person seen in a drone's video, by terrain class and
# altitude band (upper bound of the band, metres above ground). These are our starting values
# for a 1080p-class camera, not measured constants: teams should calibrate them with their own
# detection trials (hide a volunteer, count the finds) and pass their own table.
DEFAULT_SWEEP_WIDTHS: dict[str, tuple[tuple[float, float], ...]] = {
    "open": ((30.0, 28.0), (50.0, 40.0), (80.0, 50.0), (120.0, 55.0)),
    "light": ((30.0, 20.0), (50.0, 28.0), (80.0, 32.0), (120.0, 32.0)),
    "moderate": ((30.0, 12.0), (50.0, 15.0), (80.0, 16.0), (120.0, 15.0)),
    "dense": ((30.0, 5.0), (50.0, 6.0), (80.0, 6.0), (120.0, 5.0)),
}
TERRAIN_CLASSES: tuple[str, ...] = tuple(DEFAULT_SWEEP_WIDTHS)
DEFAULT_MAX_GSD_M = 0.06


@dataclass(frozen=True)
class SweepWidthTable:
    """Effective sweep width (metres) by terrain class and altitude band.

    ``bands[terrain]`` is a tuple of (altitude upper bound, width) sorted by altitude; an
    altitude above the last bound uses the last width. ``max_gsd_m`` is the coarsest ground
    sample distance (metres per pixel) at which a person can still be recognised: a pass
    flown coarser than that contributes no effort.

    Examples
    --------
    >>> t = SweepWidthTable()
    >>> t.width_m(45.0, "open"), t.width_m(200.0, "dense")
    (40.0, 5.0)
    >>> SweepWidthTable.constant(30.0).width_m(10.0, "open")
    30.0
    """

    bands: Mapping[str, tuple[tuple[float, float], ...]] = field(
        default_factory=lambda: dict(DEFAULT_SWEEP_WIDTHS))
    max_gsd_m: float = DEFAULT_MAX_GSD_M

    def __post_init__(self) -> None:
        if not self.bands:
            raise InputError("the sweep width table has no terrain classes", where="sweep widths")
        for terrain, rows in self.bands.items():
            if not rows:
                raise InputError(f"terrain class {terrain!r} has no altitude bands", where="sweep widths")
            alts = [a for a, _ in rows]
            if alts != sorted(alts):
                raise InputError(f"altitude bands of {terrain!r} must be in increasing order", where="sweep widths")
            for a, w in rows:
                if not (w >= 0 and a > 0):
                    raise InputError(f"{terrain!r}: band ({a}, {w}) needs altitude > 0 and width >= 0",
                                     where="sweep widths")
        if not self.max_gsd_m > 0:
            raise InputError(f"max GSD must be > 0, got {self.max_gsd_m}", where="sweep widths")

    @classmethod
    def constant(cls, width_m: float, *, terrain: str = "open", max_gsd_m: float = DEFAULT_MAX_GSD_M
                 ) -> SweepWidthTable:
        """One sweep width at every altitude (what a team that measured its own W passes)."""
        if not width_m > 0:
            raise InputError(f"sweep width must be > 0 m, got {width_m}", where="--sweep-width")
        bands = {name: ((1e9, float(width_m)),) for name in {terrain, *TERRAIN_CLASSES}}
        return cls(bands=bands, max_gsd_m=max_gsd_m)

    def check_terrain(self, terrain: str) -> str:
        """Return ``terrain`` if the table knows it, else raise a clear error."""
        if terrain not in self.bands:
            raise InputError(f"unknown terrain class {terrain!r}; known: {', '.join(self.bands)}",
                             where="terrain")
        return terrain

    def widths_m(self, alt_m: np.ndarray, terrain: str) -> np.ndarray:
        """Vectorised :meth:`width_m` for an array of altitudes."""
        rows = self.bands[self.check_terrain(terrain)]
        bounds = np.array([a for a, _ in rows])
        widths = np.array([w for _, w in rows])
        idx = np.minimum(np.searchsorted(bounds, np.asarray(alt_m, float), side="left"), len(rows) - 1)
        return widths[idx]

    def width_m(self, alt_m: float, terrain: str) -> float:
        """Effective sweep width at ``alt_m`` over ``terrain``."""
        return float(self.widths_m(np.array([alt_m]), terrain)[0])


def pod_from_effort(effort: np.ndarray | float) -> np.ndarray:
    """The exponential detection model: POD = 1 − exp(−C).

    >>> round(float(pod_from_effort(1.0)), 4)
    0.6321
    """
    return -np.expm1(-np.asarray(effort, float))


def cumulative_pod(pods: Iterable[np.ndarray | float]) -> np.ndarray:
    """Cumulative POD of independent searches of the same place: 1 − Π(1 − PODᵢ).

    >>> round(float(cumulative_pod([0.5, 0.5])), 3)
    0.75
    >>> float(cumulative_pod([]))
    0.0
    """
    miss = np.asarray(1.0)
    for p in pods:
        miss = miss * (1.0 - np.asarray(p, float))
    return 1.0 - miss


@dataclass(frozen=True)
class Grid:
    """A regular grid of square cells over an area, in a local metric frame.

    Cell (row j, column i) spans x0 + i·cell … x0 + (i+1)·cell, y0 + j·cell … y0 + (j+1)·cell.
    ``weight`` is the fraction of each cell inside the searchable area (0 outside, 1 inside,
    between on the boundary); every area-weighted statistic uses it.
    """

    x0: float
    y0: float
    cell_m: float
    weight: np.ndarray  # (ny, nx) float

    @property
    def shape(self) -> tuple[int, int]:
        return self.weight.shape  # type: ignore[return-value]

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre x (nx,) and y (ny,) coordinates."""
        ny, nx = self.shape
        return (self.x0 + (np.arange(nx) + 0.5) * self.cell_m, self.y0 + (np.arange(ny) + 0.5) * self.cell_m)

    def cell_boxes(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Shapely boxes for the given cells."""
        c = self.cell_m
        return shapely.box(self.x0 + cols * c, self.y0 + rows * c, self.x0 + (cols + 1) * c, self.y0 + (rows + 1) * c)

    def mean(self, values: np.ndarray) -> float:
        """Area-weighted mean of a per-cell array over the searchable area."""
        total = float(self.weight.sum())
        return float((values * self.weight).sum() / total) if total > 0 else 0.0

    def fraction_where(self, mask: np.ndarray) -> float:
        """Fraction of the searchable area where ``mask`` is true."""
        total = float(self.weight.sum())
        return float(self.weight[mask].sum() / total) if total > 0 else 0.0


def make_grid(area_local: BaseGeometry, cell_m: float = 5.0, *, max_cells: int = 20_000_000) -> Grid:
    """A grid covering ``area_local`` (metres) with exact cell weights on the boundary."""
    if not cell_m > 0:
        raise InputError(f"cell size must be > 0 m, got {cell_m}", where="--cell")
    if area_local.is_empty or area_local.area <= 0:
        raise InputError("the search area is empty", where="area")
    minx, miny, maxx, maxy = area_local.bounds
    nx, ny = max(1, math.ceil((maxx - minx) / cell_m)), max(1, math.ceil((maxy - miny) / cell_m))
    if nx * ny > max_cells:
        raise InputError(f"a {cell_m} m grid over this area has {nx * ny:,} cells (limit {max_cells:,}); "
                         "use a larger --cell", where="--cell")
    shape_only = Grid(minx, miny, float(cell_m), np.zeros((ny, nx)))  # for centres and boxes
    cx, cy = shape_only.centres()
    xx, yy = np.meshgrid(cx, cy)
    shapely.prepare(area_local)
    weight = shapely.contains_xy(area_local, xx, yy).astype(float)
    # Cells the boundary passes through get their exact inside fraction. Candidates: the 3×3
    # neighbourhood of every point sampled along the boundary every quarter cell (any cell
    # the boundary enters holds a boundary point within an eighth of a cell of a sample).
    mixed = np.zeros((ny, nx), bool)
    for ring in shapely.get_parts(shapely.get_rings(area_local)):
        c = shapely.get_coordinates(ring)
        seg = np.diff(c, axis=0)
        n = np.maximum(1, np.ceil(np.hypot(seg[:, 0], seg[:, 1]) / (cell_m / 4.0)).astype(int))
        k = np.repeat(np.arange(len(seg)), n)
        f = (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(n, n)
        pts = np.vstack([c[k] + seg[k] * f[:, None], c[-1:]])
        ii = np.clip(((pts[:, 0] - minx) // cell_m).astype(int), 0, nx - 1)
        jj = np.clip(((pts[:, 1] - miny) // cell_m).astype(int), 0, ny - 1)
        mixed[jj, ii] = True
    grown = mixed.copy()
    grown[1:] |= mixed[:-1]
    grown[:-1] |= mixed[1:]
    mixed = grown.copy()
    mixed[:, 1:] |= grown[:, :-1]
    mixed[:, :-1] |= grown[:, 1:]
    rows, cols = np.nonzero(mixed)
    if rows.size:
        boxes = shape_only.cell_boxes(rows, cols)
        weight[rows, cols] = shapely.area(shapely.intersection(boxes, area_local)) / (cell_m * cell_m)
    return Grid(minx, miny, float(cell_m), weight)


def stack_convex(polys: list[np.ndarray]) -> np.ndarray:
    """Stack convex polygons as (n, K, 2), counter-clockwise, padded by repeating the last vertex."""
    if all(len(p) == 4 for p in polys):
        out = np.stack(polys).astype(float)
        x, y = out[..., 0], out[..., 1]
        cw = (x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1) < 0
        out[cw] = out[cw, ::-1]
        return out
    k = max(len(p) for p in polys)
    out = np.empty((len(polys), k, 2))
    for i, p in enumerate(polys):
        x, y = p[:, 0], p[:, 1]
        if (x * np.roll(y, -1) - np.roll(x, -1) * y).sum() < 0:
            p = p[::-1]
        out[i, : len(p)] = p
        out[i, len(p):] = p[-1]
    return out


def rasterize_convex(grid: Grid, polys: list[np.ndarray] | np.ndarray, *, budget: int = 2_000_000
                     ) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """Cells whose centre lies in each convex polygon, as (flat cell index, polygon index) pairs.

    Yields the pairs in chunks so a long flight never needs them all in memory. Done in
    numpy: each polygon's bounding box of cells is tested against its edges' half-planes,
    many polygons at a time (polygons of similar size are batched together). ``polys`` may
    be a list of (k, 2) vertex arrays or an already stacked array from
    :func:`stack_convex`. Cells outside
    the grid are dropped; cells outside the area (weight 0) are kept out too.
    """
    if len(polys) == 0:
        return
    ny, nx = grid.shape
    c = grid.cell_m
    verts = polys if isinstance(polys, np.ndarray) else stack_convex(polys)
    lo = verts.min(axis=1)
    hi = verts.max(axis=1)
    i0 = np.clip(np.ceil((lo[:, 0] - grid.x0) / c - 0.5), 0, nx).astype(int)
    i1 = np.clip(np.floor((hi[:, 0] - grid.x0) / c - 0.5), -1, nx - 1).astype(int)
    j0 = np.clip(np.ceil((lo[:, 1] - grid.y0) / c - 0.5), 0, ny).astype(int)
    j1 = np.clip(np.floor((hi[:, 1] - grid.y0) / c - 0.5), -1, ny - 1).astype(int)
    w = np.maximum(i1 - i0 + 1, 0)
    h = np.maximum(j1 - j0 + 1, 0)
    order = np.argsort(w * h, kind="stable")
    order = order[(w * h)[order] > 0]
    inside_area = grid.weight.ravel() > 0
    start = 0
    while start < len(order):
        wmax = int(w[order[start]])
        hmax = int(h[order[start]])
        end = start
        while end < len(order):  # grow the batch while the padded block stays within budget
            wmax2 = max(wmax, int(w[order[end]]))
            hmax2 = max(hmax, int(h[order[end]]))
            if (end - start + 1) * wmax2 * hmax2 > budget and end > start:
                break
            wmax, hmax = wmax2, hmax2
            end += 1
        idx = order[start:end]
        start = end
        cols = i0[idx, None] + np.arange(wmax)[None, :]  # (B, W)
        rows = j0[idx, None] + np.arange(hmax)[None, :]  # (B, H)
        cx = grid.x0 + (cols + 0.5) * c
        cy = grid.y0 + (rows + 0.5) * c
        ok = (cols <= i1[idx, None])[:, None, :] & (rows <= j1[idx, None])[:, :, None]  # (B, H, W)
        v = verts[idx]
        nxt = np.roll(v, -1, axis=1)
        tol = 1e-9 * c
        for k in range(v.shape[1]):
            ex = (nxt[:, k, 0] - v[:, k, 0])[:, None, None]
            ey = (nxt[:, k, 1] - v[:, k, 1])[:, None, None]
            ok &= ex * (cy[:, :, None] - v[:, k, 1, None, None]) - ey * (cx[:, None, :] - v[:, k, 0, None, None]) >= -tol
        b, r, q = np.nonzero(ok)
        flat = rows[b, r] * nx + cols[b, q]
        keep = inside_area[flat]
        yield flat[keep], idx[b[keep]]
