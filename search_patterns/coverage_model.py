"""The results of coverage: settings, gaps, the flown track log and the summary.

Kept apart from :mod:`search_patterns.coverage` (which computes them) so readers of a
result (layers, pictures, the desktop app) depend on plain frozen models only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from search_patterns.area import SearchArea
from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.footprint import DEFAULT_MAX_RANGE_M, Mount
from search_patterns.geo import LocalProjection
from search_patterns.pod import Grid, SweepWidthTable


@dataclass(frozen=True)
class CoverageSettings:
    """Everything that decides how a track becomes coverage and POD (all metres/seconds/degrees)."""

    camera: Camera = field(default_factory=Camera)
    mount: Mount = "gimbal"
    min_alt_m: float = 10.0
    max_range_m: float = DEFAULT_MAX_RANGE_M
    cell_m: float = 5.0
    terrain: str = "open"
    terrain_regions: tuple[tuple[BaseGeometry, str], ...] = ()
    sweep_widths: SweepWidthTable = field(default_factory=SweepWidthTable)
    target_pod: float = 0.8
    min_gap_m: float = 10.0
    max_gap_s: float = 5.0
    step_m: float = 1.0
    union_step_m: float = 10.0
    turn_deg: float = 8.0

    def __post_init__(self) -> None:
        checks = {
            "min_alt_m": self.min_alt_m >= 0, "cell_m": self.cell_m > 0, "min_gap_m": self.min_gap_m >= 0,
            "max_gap_s": self.max_gap_s > 0, "step_m": self.step_m > 0, "union_step_m": self.union_step_m > 0,
            "target_pod": 0 < self.target_pod < 1, "max_range_m": self.max_range_m > 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise InputError(f"{name} out of range: {getattr(self, name)}", where="coverage settings")
        self.sweep_widths.check_terrain(self.terrain)
        for _, cls in self.terrain_regions:
            self.sweep_widths.check_terrain(cls)


@dataclass(frozen=True)
class Gap:
    """An unsearched part of the area big enough to hide someone (local metres + lon/lat)."""

    polygon_local: Polygon
    polygon_lonlat: Polygon
    area_m2: float
    width_m: float
    length_m: float
    centroid_latlon: tuple[float, float]

    def as_dict(self, ident: int) -> dict[str, Any]:
        return {"id": ident, "area_m2": round(self.area_m2, 1), "width_m": round(self.width_m, 1),
                "length_m": round(self.length_m, 1), "centroid_lat": round(self.centroid_latlon[0], 7),
                "centroid_lon": round(self.centroid_latlon[1], 7)}


@dataclass(frozen=True)
class TrackLog:
    """The flown track: every pose given, and whether it counted as searching."""

    lat: np.ndarray
    lon: np.ndarray
    alt: np.ndarray
    time: np.ndarray
    searching: np.ndarray  # bool
    segment: np.ndarray  # int: where a new continuous piece of track starts, the number changes


@dataclass(frozen=True)
class CoverageResult:
    """Coverage, gaps and POD of one or more sorties over one area.

    Geometry is kept in the area's local metric frame (``projection``); the ``*_lonlat``
    methods give what map files need.
    """

    area: SearchArea
    settings: CoverageSettings
    projection: LocalProjection
    searchable_local: BaseGeometry
    union_local: BaseGeometry
    gaps: tuple[Gap, ...]
    grid: Grid
    pod: np.ndarray
    sortie_pods: tuple[np.ndarray, ...]
    seen: np.ndarray
    tracks: tuple[TrackLog, ...]
    flown_length_m: float
    searching_time_s: float
    samples: int

    @property
    def covered_local(self) -> BaseGeometry:
        """The union of footprints inside the searchable area."""
        return self.union_local.intersection(self.searchable_local)

    @property
    def covered_fraction(self) -> float:
        total = self.searchable_local.area
        return float(self.covered_local.area / total) if total > 0 else 0.0

    @property
    def mean_pod(self) -> float:
        return self.grid.mean(self.pod)

    @property
    def fraction_above_target(self) -> float:
        return self.grid.fraction_where(self.pod >= self.settings.target_pod)

    def coverage_lonlat(self) -> BaseGeometry:
        """What the camera saw inside the area, lon/lat."""
        return self.projection.geometry_to_lonlat(self.covered_local)

    def gaps_lonlat(self) -> BaseGeometry:
        """All gaps as one (multi)polygon, lon/lat (empty when there are none)."""
        return shapely.union_all([g.polygon_lonlat for g in self.gaps]) if self.gaps else Polygon()

    def dominant_heading_deg(self) -> float | None:
        """Direction (0–180°, clockwise from north) most of the searching track ran along."""
        from search_patterns.replan import principal_bearing

        dxs, dys = [], []
        for tr in self.tracks:
            x, y = self.projection.many_to_local(tr.lat, tr.lon)
            same = (tr.segment[1:] == tr.segment[:-1]) & tr.searching[1:] & tr.searching[:-1]
            dxs.append(np.diff(x)[same])
            dys.append(np.diff(y)[same])
        if not dxs:
            return None
        return principal_bearing(np.concatenate(dxs), np.concatenate(dys))

    @property
    def summary(self) -> dict[str, Any]:
        """The JSON summary: the numbers a coordinator reads first."""
        alts = np.concatenate([t.alt[t.searching] for t in self.tracks]) if self.tracks else np.zeros(0)
        heading = self.dominant_heading_deg()
        cam = self.settings.camera
        return {
            "area_name": self.area.name,
            "area_m2": round(float(self.searchable_local.area), 1),
            "covered_fraction": round(self.covered_fraction, 4),
            "mean_pod": round(self.mean_pod, 4),
            "target_pod": self.settings.target_pod,
            "fraction_above_target": round(self.fraction_above_target, 4),
            "gap_count": len(self.gaps),
            "gap_area_m2": round(sum(g.area_m2 for g in self.gaps), 1),
            "gaps": [g.as_dict(i + 1) for i, g in enumerate(self.gaps)],
            "flown_length_m": round(self.flown_length_m, 1),
            "searching_time_s": round(self.searching_time_s, 1),
            "sorties": len(self.sortie_pods),
            "median_alt_m": round(float(np.median(alts)), 1) if alts.size else None,
            "dominant_heading_deg": None if heading is None else round(heading, 1),
            "cell_m": self.settings.cell_m,
            "terrain": self.settings.terrain,
            "terrain_regions": len(self.settings.terrain_regions),
            "mount": self.settings.mount,
            "min_alt_m": self.settings.min_alt_m,
            "min_gap_m": self.settings.min_gap_m,
            "camera": {"name": cam.name, "sensor_width_mm": cam.sensor_width_mm,
                       "sensor_height_mm": cam.sensor_height_mm, "focal_length_mm": cam.focal_length_mm,
                       "image_width_px": cam.image_width_px, "image_height_px": cam.image_height_px},
        }


def find_gaps(searchable_local: BaseGeometry, covered_local: BaseGeometry, min_gap_m: float,
              projection: LocalProjection) -> tuple[Gap, ...]:
    """Uncovered parts of the area that can hold a disc ``min_gap_m`` across, largest first.

    Thin slivers between neighbouring footprints and along the area's edge are not gaps: a
    person does not hide in a 30 cm strip, and a re-plan for them would waste a sortie.
    """
    rest = searchable_local.difference(covered_local)
    if rest.is_empty:
        return ()
    # A morphological opening keeps what can hold the disc and cuts the hair-thin necks (float
    # noise along the area's edge, slivers between legs) that would otherwise join separate
    # gaps into one snake-shaped polygon.
    r = max(min_gap_m / 2.0, 0.01)
    opened = rest.buffer(-r, join_style="mitre").buffer(r, join_style="mitre").intersection(rest)
    parts = [p for p in shapely.get_parts(opened) if isinstance(p, Polygon) and p.area > 0]
    out: list[Gap] = []
    for exact in parts:
        # Simplify the outline for files and maps, but report the exact uncovered area: a
        # simplified outline can bulge past the footprints by a few square centimetres.
        p = shapely.simplify(exact, 0.05)
        rect = p.minimum_rotated_rectangle
        xs, ys = rect.exterior.coords.xy
        e1 = math.hypot(xs[1] - xs[0], ys[1] - ys[0])
        e2 = math.hypot(xs[2] - xs[1], ys[2] - ys[1])
        c = p.representative_point() if not p.centroid.within(p) else p.centroid
        out.append(Gap(p, projection.geometry_to_lonlat(p), float(exact.area), min(e1, e2), max(e1, e2),
                       projection.to_latlon(c.x, c.y)))
    out.sort(key=lambda g: -g.area_m2)
    return tuple(out)
