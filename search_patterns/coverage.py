"""What the camera actually saw: footprints along the flown track, their union, POD and gaps.

A coordinator's question after a flight is "what did we really search, how well, and what
is left?". This module answers it from the poses the vehicle reported:

1. Poses below ``min_alt_m`` (on the ground, taking off, landing) are dropped, and the rest
   are cut into continuous *segments* wherever telemetry stops for longer than
   ``max_gap_s`` (a lost link, the camera not recording): we never invent coverage across
   a hole in the record.
2. Each segment is resampled every ``step_m`` metres of travel (interpolating position
   and angles), so a 2 Hz log and a 50 Hz log give the same answer.
3. Footprints (:mod:`search_patterns.footprint`) are merged into *swath pieces*: the convex
   hull of the footprints between two key poses, taken whenever the vehicle has moved
   ``union_step_m`` or turned. For a straight pass the hull is exactly the swept ground,
   and it keeps the union to thousands of pieces for an hour's flight, not tens of thousands.
4. The union of the pieces, clipped to the searchable area, is the *coverage*; what is left
   and can hold a disc ``min_gap_m`` across is a *gap*.
5. Every resampled footprint adds search effort to the POD grid (:mod:`search_patterns.pod`).

:class:`CoverageTracker` does this incrementally (feed it poses during a flight; each
update costs only the new footprints) and :func:`compute_coverage` is the one-call form.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from search_patterns.area import SearchArea
from search_patterns.camera import Camera
from search_patterns.coverage_model import CoverageResult, CoverageSettings, Gap, TrackLog, find_gaps
from search_patterns.errors import InputError
from search_patterns.footprint import (
    camera_rotations,
    footprints_local,
    poses_to_arrays,
)
from search_patterns.pod import (
    cumulative_pod,
    make_grid,
    pod_from_effort,
    rasterize_convex,
    stack_convex,
)
from search_patterns.pose import Pose

__all__ = ["CoverageResult", "CoverageSettings", "CoverageTracker", "Gap", "TrackLog", "compute_coverage",
           "compute_coverage_sorties", "find_gaps"]

_FIELDS = ("x", "y", "alt", "roll", "pitch", "yaw", "gp", "gy", "t")
_ANGLES = {"roll", "pitch", "yaw", "gp", "gy"}
_MERGE_EVERY = 400  # pending swath pieces merged into the running union this often


class CoverageTracker:
    """Coverage and POD built up pose by pose: for live maps during a flight.

    Each :meth:`add_many` call costs only the new footprints (rasterised into the POD grid,
    merged into swath pieces); the expensive vector union happens in :meth:`result`, and
    :meth:`covered_fraction_estimate` gives a cheap grid-based number for a live display.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> area = SearchArea(box(149.0, -35.0, 149.002, -34.999))
    >>> t = CoverageTracker(area, CoverageSettings())
    >>> t.add_many([])            # nothing flown yet
    >>> t.covered_fraction_estimate()
    0.0
    >>> t.result().summary["gap_count"]
    1
    """

    def __init__(self, area: SearchArea, settings: CoverageSettings | None = None) -> None:
        self.area = area
        self.settings = settings or CoverageSettings()
        self.projection = area.projection()
        self.searchable_local = shapely.make_valid(self.projection.geometry_to_local(area.searchable()))
        self.grid = make_grid(self.searchable_local, self.settings.cell_m)
        self._total_weight = float(self.grid.weight.sum())
        self._flat_weight = self.grid.weight.ravel()
        self._sortie_efforts: list[np.ndarray] = []
        # Terrain class per cell: the default, overridden by terrain regions (later ones win).
        self._classes = [self.settings.terrain]
        self._class_idx = np.zeros(self.grid.shape, np.int16)
        if self.settings.terrain_regions:
            cx, cy = self.grid.centres()
            xx, yy = np.meshgrid(cx, cy)
            for region, cls in self.settings.terrain_regions:
                if cls not in self._classes:
                    self._classes.append(cls)
                inside = shapely.contains_xy(self.projection.geometry_to_local(region), xx, yy)
                self._class_idx[inside] = self._classes.index(cls)
        self._class_flat = self._class_idx.ravel()
        self._effort = np.zeros(self.grid.shape)
        self._seen = np.zeros(self.grid.shape, bool)
        self._seen_weight = 0.0
        self._union: BaseGeometry = Polygon()
        self._pending: list[BaseGeometry] = []
        self._tracks: list[TrackLog] = []
        self._track_parts: list[dict[str, np.ndarray]] = []
        self._segment_no = 0
        self._last: dict[str, float] | None = None  # last searching sample (local), to continue from
        self._group: list[np.ndarray] = []  # footprints since the last key pose
        self._key: dict[str, float] | None = None
        self.flown_length_m = 0.0
        self.searching_time_s = 0.0
        self.samples = 0
        self._sortie_samples = 0

    # -- feeding -----------------------------------------------------------------------------
    def add(self, pose: Pose) -> None:
        """Add one pose (cheap: a handful of footprints)."""
        self.add_many([pose])

    def add_many(self, poses: Sequence[Pose]) -> None:
        """Add poses in time order (a whole log at once, or the latest telemetry)."""
        if not poses:
            return
        a = poses_to_arrays(poses)
        x, y = self.projection.many_to_local(a["lat"], a["lon"])
        cols = {"x": x, "y": y, "alt": a["alt_agl_m"], "roll": a["roll"], "pitch": a["pitch"], "yaw": a["yaw"],
                "gp": a["gimbal_pitch"], "gy": a["gimbal_yaw"], "t": a["time"]}
        finite = np.all([np.isfinite(v) for v in cols.values()], axis=0)
        searching = finite & (cols["alt"] >= self.settings.min_alt_m)
        self._record_track(a, searching)
        self.samples += int(searching.sum())
        self._sortie_samples += int(searching.sum())
        if self._last is not None:  # continue the open segment from the last searching sample
            cols = {k: np.concatenate([[self._last[k]], v]) for k, v in cols.items()}
            searching = np.concatenate([[True], searching])
            carried = True
        else:
            carried = False
        self._process(cols, searching, carried)

    def new_sortie(self) -> None:
        """Close the current sortie: later poses form a separate search (POD combines as 1 − Π(1 − PODᵢ))."""
        self._close_segment()
        self._sortie_efforts.append(self._effort)
        self._effort = np.zeros(self.grid.shape)
        self._sortie_samples = 0

    # -- reading -----------------------------------------------------------------------------
    def covered_fraction_estimate(self) -> float:
        """Grid estimate of the covered fraction (cells whose centre was seen); O(1)."""
        return self._seen_weight / self._total_weight if self._total_weight > 0 else 0.0

    def live_summary(self) -> dict[str, float]:
        """Cheap numbers for a live display (grid estimates; no vector union): a few ms."""
        pod = self.pod_grid()
        return {"covered_fraction": round(self.covered_fraction_estimate(), 4),
                "mean_pod": round(self.grid.mean(pod), 4),
                "fraction_above_target": round(self.grid.fraction_where(pod >= self.settings.target_pod), 4),
                "flown_length_m": round(self.flown_length_m, 1)}

    def pod_grid(self) -> np.ndarray:
        """Current cumulative POD per cell (cheap: one exp over the grid per sortie)."""
        return cumulative_pod([pod_from_effort(e) for e in [*self._sortie_efforts, self._effort]])

    def result(self) -> CoverageResult:
        """Full coverage result so far: exact union, gaps, POD and summary."""
        pieces = list(self._pending)
        if self._group:
            pieces.append(_hulls([self._group])[0])
        union = shapely.union_all([self._union, *pieces])
        covered = union.intersection(self.searchable_local)
        gaps = find_gaps(self.searchable_local, covered, self.settings.min_gap_m, self.projection)
        efforts = list(self._sortie_efforts)
        if self._sortie_samples or not efforts:
            efforts.append(self._effort)
        pods = tuple(pod_from_effort(e) for e in efforts)
        return CoverageResult(
            area=self.area, settings=self.settings, projection=self.projection,
            searchable_local=self.searchable_local, union_local=union, gaps=gaps, grid=self.grid,
            pod=cumulative_pod(pods), sortie_pods=pods, seen=self._seen.copy(), tracks=tuple(self._all_tracks()),
            flown_length_m=self.flown_length_m, searching_time_s=self.searching_time_s, samples=self.samples)

    # -- internals ---------------------------------------------------------------------------
    def _record_track(self, a: dict[str, np.ndarray], searching: np.ndarray) -> None:
        t = a["time"]
        brk = np.zeros(len(t), bool)
        if self._track_parts:
            prev_t = self._track_parts[-1]["time"][-1]
            brk[0] = not (0 <= t[0] - prev_t <= self.settings.max_gap_s)
        brk[1:] = ~((np.diff(t) >= 0) & (np.diff(t) <= self.settings.max_gap_s))
        seg = self._segment_no + np.cumsum(brk)
        self._segment_no = int(seg[-1])
        self._track_parts.append({"lat": a["lat"], "lon": a["lon"], "alt": a["alt_agl_m"], "time": t,
                                  "searching": searching, "segment": seg})

    def _current_track(self) -> TrackLog | None:
        if not self._track_parts:
            return None
        merged = {k: np.concatenate([p[k] for p in self._track_parts]) for k in self._track_parts[0]}
        self._track_parts = [merged]
        return TrackLog(**merged)

    def _all_tracks(self) -> list[TrackLog]:
        cur = self._current_track()
        return [*self._tracks, cur] if cur is not None else list(self._tracks)

    def _close_segment(self) -> None:
        if self._group:
            self._pending.append(_hulls([self._group])[0])
        self._group = []
        self._key = None
        self._last = None
        cur = self._current_track()
        if cur is not None:
            self._tracks.append(cur)
        self._track_parts = []
        self._maybe_merge(force=False)

    def _process(self, cols: dict[str, np.ndarray], searching: np.ndarray, carried: bool) -> None:
        s = self.settings
        t = cols["t"]
        n = len(t)
        # Segment breaks: not searching, or a hole in time.
        dt = np.diff(t)
        link = searching[1:] & searching[:-1] & (dt >= 0) & (dt <= s.max_gap_s)
        dx, dy = np.diff(cols["x"]), np.diff(cols["y"])
        dist = np.hypot(dx, dy)
        self.flown_length_m += float(dist[link].sum())
        self.searching_time_s += float(dt[link].sum())
        # Resample every linked interval into ceil(d / step) pieces.
        nsub = np.where(link, np.maximum(1, np.ceil(dist / s.step_m)).astype(int), 0)
        # Points in order: sample i (if searching), then the interior points of interval i.
        counts = searching.astype(int)
        counts[:-1] += np.maximum(nsub - 1, 0)
        if counts.sum() == 0:
            self._last = None
            return
        bi = np.repeat(np.arange(n), counts)
        first = np.cumsum(counts) - counts
        pos = np.arange(len(bi)) - np.repeat(first, counts) + (~searching[bi]).astype(int)
        fr = pos / np.maximum(np.append(nsub, 1)[bi], 1)
        nxt = np.minimum(bi + 1, n - 1)
        pts = {}
        for k, v in cols.items():
            d = v[nxt] - v[bi]
            if k in _ANGLES:
                d = (d + 180.0) % 360.0 - 180.0
            pts[k] = v[bi] + fr * d
        m = len(bi)
        # Which consecutive points are joined (same segment) and the travel between them.
        joined = np.zeros(max(m - 1, 0), bool)
        if m > 1 and n > 1:
            joined = (bi[1:] == bi[:-1]) | ((bi[1:] == bi[:-1] + 1) & link[np.minimum(bi[:-1], n - 2)])
        seg_len = np.hypot(np.diff(pts["x"]), np.diff(pts["y"])) * joined
        travel = np.zeros(m)
        travel[:-1] += seg_len / 2
        travel[1:] += seg_len / 2
        first_new = 1 if carried else 0
        self._footprints_and_effort(pts, travel, joined, first_new)
        # Remember where we are, to continue the segment next call.
        last_ok = bool(searching[-1])
        self._last = {k: float(cols[k][-1]) for k in _FIELDS} if last_ok else None

    def _footprints_and_effort(self, pts: dict[str, np.ndarray], travel: np.ndarray, joined: np.ndarray,
                               first_new: int) -> None:
        s = self.settings
        cam = s.camera
        fps = footprints_local(pts["x"], pts["y"], pts["alt"], pts["roll"], pts["pitch"], pts["yaw"], pts["gp"],
                               pts["gy"], cam, mount=s.mount, max_range_m=s.max_range_m)
        m = len(fps)
        valid = np.array([f is not None for f in fps])
        # Effective sweep width, capped by the footprint's width across the direction of travel,
        # and zero where the picture is too coarse to see a person.
        heading = np.zeros((m, 2))
        if m > 1:
            d = np.c_[np.diff(pts["x"]), np.diff(pts["y"])]
            heading[:-1] = d
            heading[1:] = np.where(np.hypot(*heading[1:].T)[:, None] > 0, heading[1:], d)
        rot = camera_rotations(pts["roll"], pts["pitch"], pts["yaw"], pts["gp"], pts["gy"], s.mount)
        axis_down = np.clip(rot[:, 2, 0], 1e-6, None)
        gsd = pts["alt"] / axis_down * cam.sensor_width_mm / (cam.focal_length_mm * cam.image_width_px)
        sharp = gsd <= s.sweep_widths.max_gsd_m
        w_eff = [s.sweep_widths.widths_m(pts["alt"], c) * sharp for c in self._classes]  # per terrain class
        idx = np.flatnonzero(valid)
        weight = np.zeros((len(self._classes), m))
        if idx.size:
            verts = stack_convex([fps[i] for i in idx])  # (k, K, 2) counter-clockwise
            xs, ys = verts[..., 0], verts[..., 1]
            area = 0.5 * (xs * np.roll(ys, -1, axis=1) - np.roll(xs, -1, axis=1) * ys).sum(axis=1)
            hd = heading[idx]
            hn = np.hypot(hd[:, 0], hd[:, 1])
            with np.errstate(divide="ignore", invalid="ignore"):
                px, py = -hd[:, 1] / hn, hd[:, 0] / hn
            across = xs * px[:, None] + ys * py[:, None]
            width = across.max(axis=1) - across.min(axis=1)
            for k, w in enumerate(w_eff):
                ok = (hn > 0) & (area > 0) & (travel[idx] > 0) & (w[idx] > 0)
                weight[k, idx[ok]] = np.minimum(w[idx[ok]], width[ok]) * travel[idx[ok]] / area[ok]
        else:
            verts = np.zeros((0, 4, 2))
        flat_eff = self._effort.ravel()
        flat_seen = self._seen.ravel()
        for cells, which in rasterize_convex(self.grid, verts):
            src = idx[which]
            if len(self._classes) == 1:
                flat_eff += np.bincount(cells, weights=weight[0, src], minlength=flat_eff.size)
            else:
                ck = self._class_flat[cells]
                for k in range(len(self._classes)):
                    sel = ck == k
                    flat_eff += np.bincount(cells[sel], weights=weight[k, src[sel]], minlength=flat_eff.size)
            new = cells[(src >= first_new) & ~flat_seen[cells]]
            if new.size:
                new = np.unique(new)
                flat_seen[new] = True
                self._seen_weight += float(self._flat_weight[new].sum())
        self._swath_pieces(pts, fps, joined, first_new)

    def _swath_pieces(self, pts: dict[str, np.ndarray], fps: list[np.ndarray | None], joined: np.ndarray,
                      first_new: int) -> None:
        s = self.settings
        xs, ys, alts = pts["x"].tolist(), pts["y"].tolist(), pts["alt"].tolist()
        angs = [pts[k].tolist() for k in ("yaw", "gp", "gy", "roll", "pitch")]
        groups: list[list[np.ndarray]] = []
        for i in range(len(fps)):
            if i > 0 and not joined[i - 1]:
                if self._group:
                    groups.append(self._group)
                self._group, self._key = [], None
            f = fps[i]
            if f is None:
                if self._group:
                    groups.append(self._group)
                self._group, self._key = [], None
                continue
            if i < first_new and self._group:
                continue  # the carried-over sample is already in the open group
            if self._key is None:
                self._group = [f]
                self._key = {"x": xs[i], "y": ys[i], "alt": alts[i], "a": [a[i] for a in angs]}
                continue
            self._group.append(f)
            k = self._key
            turned = max(abs((a[i] - ka + 180.0) % 360.0 - 180.0) for a, ka in zip(angs, k["a"], strict=True))
            if (math.hypot(xs[i] - k["x"], ys[i] - k["y"]) >= s.union_step_m or turned >= s.turn_deg
                    or abs(alts[i] - k["alt"]) >= 0.1 * max(k["alt"], 1.0)):
                groups.append(self._group)
                self._group = [f]
                self._key = {"x": xs[i], "y": ys[i], "alt": alts[i], "a": [a[i] for a in angs]}
        if groups:
            self._pending.extend(_hulls(groups))
        self._maybe_merge(force=False)

    def _maybe_merge(self, *, force: bool) -> None:
        if self._pending and (force or len(self._pending) >= _MERGE_EVERY):
            self._union = shapely.union_all([self._union, *self._pending])
            self._pending = []


def _hulls(groups: list[list[np.ndarray]]) -> list[BaseGeometry]:
    """Convex hull of each group of footprints, vectorised over groups."""
    coords = np.concatenate([np.concatenate(g) for g in groups])
    ids = np.repeat(np.arange(len(groups)), [sum(len(f) for f in g) for g in groups])
    return list(shapely.convex_hull(shapely.multipoints(coords, indices=ids)))


def compute_coverage(poses: Sequence[Pose], area: SearchArea, camera: Camera | None = None, *,
                     settings: CoverageSettings | None = None, **overrides: Any) -> CoverageResult:
    """Coverage, gaps and POD of one sortie's poses over ``area``.

    ``overrides`` are :class:`CoverageSettings` fields (``min_alt_m``, ``cell_m``,
    ``target_pod``, ``terrain``, ``mount`` …) applied on top of ``settings``.
    """
    return compute_coverage_sorties([poses], area, camera, settings=settings, **overrides)


def compute_coverage_sorties(sorties: Iterable[Sequence[Pose]], area: SearchArea, camera: Camera | None = None,
                             *, settings: CoverageSettings | None = None, **overrides: Any) -> CoverageResult:
    """Coverage of several sorties (vehicles or flights) over one area; POD = 1 − Π(1 − PODᵢ)."""
    base = settings or CoverageSettings()
    if camera is not None:
        overrides["camera"] = camera
    try:
        st = replace(base, **overrides)
    except TypeError as exc:
        raise InputError(str(exc), where="coverage settings") from None
    tracker = CoverageTracker(area, st)
    for i, poses in enumerate(sorties):
        if i:
            tracker.new_sortie()
        tracker.add_many(list(poses))
    return tracker.result()

