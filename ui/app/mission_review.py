"""Read a mission folder for review, without Qt (runs on a worker thread).

A folder written by ``sargc mission``, by this app, or on another laptop holds the area, the
plan(s), one tlog per vehicle, the detection store and the coverage layers. What is missing
is skipped with a note, so a folder from a crashed flight still opens; coverage is computed
from the tlogs when the folder has none yet.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from search_patterns.area import SearchArea
from search_patterns.errors import InputError
from search_patterns.plan import Plan
from ui.app.models import MapMarker, Shape
from ui.mission.folder import MissionFolder


@dataclass(frozen=True)
class MissionReview:
    """Everything the coordinator view shows about one mission folder."""

    root: Path
    area: SearchArea | None = None
    plans: tuple[Plan, ...] = ()
    tracks: tuple[tuple[tuple[float, float], ...], ...] = ()
    coverage: tuple[Shape, ...] = ()
    gaps: tuple[Shape, ...] = ()
    gap_geometry: BaseGeometry | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    sightings: tuple[MapMarker, ...] = ()
    notes: tuple[str, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)


def _rings(geom: BaseGeometry, value: float) -> list[Shape]:
    polys = getattr(geom, "geoms", [geom])
    out = []
    for p in polys:
        if p.geom_type == "Polygon" and not p.is_empty:
            out.append(Shape(tuple(p.exterior.coords), value))
        elif hasattr(p, "geoms"):
            out.extend(_rings(p, value))
    return out


def read_geojson_shapes(path: Path, value_keys: tuple[str, ...] = ("pod", "value", "coverage")) -> list[Shape]:
    """Polygons of a GeoJSON FeatureCollection, coloured by the first numeric property found."""
    data = json.loads(path.read_text(encoding="utf-8"))
    feats = data.get("features", []) if data.get("type") == "FeatureCollection" else [data]
    out: list[Shape] = []
    for f in feats:
        props = f.get("properties") or {}
        value = next((float(props[k]) for k in value_keys if isinstance(props.get(k), (int, float))), 1.0)
        geom = f.get("geometry")
        if geom:
            out.extend(_rings(shape(geom), value))
    return out


def _read_tracks(folder: MissionFolder, notes: list[str]) -> tuple[list, list]:
    tracks, poses_all = [], []
    try:
        track_mod = importlib.import_module("groundcontrol.track")
    except ImportError:
        notes.append("tracks not read: groundcontrol.track is not available")
        return tracks, poses_all
    reader = getattr(track_mod, "read_tlog", None) or getattr(track_mod, "read_poses", None)
    for tlog in folder.tlogs():
        try:
            poses = list(reader(tlog))
        except Exception as exc:  # noqa: BLE001 - one bad tlog must not hide the others
            notes.append(f"{tlog.name}: {exc}")
            continue
        poses_all.extend(poses)
        tracks.append(tuple((p.lat, p.lon) for p in poses))
    return tracks, poses_all


def _read_sightings(folder: MissionFolder, notes: list[str]) -> list[MapMarker]:
    if not folder.store.exists():
        return []
    from ui.app.sightings_model import read_sightings

    try:
        return [s.marker() for s in read_sightings(folder.store)]
    except Exception as exc:  # noqa: BLE001
        notes.append(f"{folder.store.name}: {exc}")
        return []


def load_mission(root: str | Path) -> MissionReview:
    """Read everything reviewable from a mission folder; raises InputError if it is no folder at all."""
    root = Path(root)
    if not root.is_dir():
        raise InputError("not a folder", where=str(root))
    folder = MissionFolder(root)
    notes: list[str] = []
    info: dict[str, Any] = {}
    if folder.mission_json.exists():
        try:
            info = folder.read_json()
        except InputError as exc:
            notes.append(str(exc))
    formats = importlib.import_module("search_patterns.formats")
    area = None
    if folder.area.exists():
        try:
            area = formats.read_area(folder.area)
        except Exception as exc:  # noqa: BLE001
            notes.append(f"area.geojson: {exc}")
    plans = []
    for p in sorted(root.glob("plan*.plan")):
        try:
            plans.append(formats.read_plan(p))
        except Exception as exc:  # noqa: BLE001
            notes.append(f"{p.name}: {exc}")
    tracks, poses = _read_tracks(folder, notes)

    coverage: list[Shape] = []
    gaps: list[Shape] = []
    gap_geom = None
    summary: dict[str, Any] = {}
    cov_dir = folder.coverage
    if (cov_dir / "summary.json").exists():
        summary = json.loads((cov_dir / "summary.json").read_text(encoding="utf-8"))
    for name in ("pod.geojson", "coverage.geojson"):
        if (cov_dir / name).exists():
            coverage = read_geojson_shapes(cov_dir / name)
            break
    if (cov_dir / "gaps.geojson").exists():
        gaps = read_geojson_shapes(cov_dir / "gaps.geojson")
        from shapely.geometry import Polygon
        from shapely.ops import unary_union

        gap_geom = unary_union([Polygon(g.ring) for g in gaps]) if gaps else None
    if not coverage and area is not None and poses:
        summary, coverage, gaps, gap_geom = _compute_coverage(poses, area, notes)
    return MissionReview(root, area, tuple(plans), tuple(tracks), tuple(coverage), tuple(gaps), gap_geom,
                         summary, tuple(_read_sightings(folder, notes)), tuple(notes), info)


def _compute_coverage(poses, area: SearchArea, notes: list[str]):
    try:
        cov = importlib.import_module("search_patterns.coverage")
        from search_patterns.camera import Camera

        result = cov.compute_coverage(poses, area, Camera())
    except Exception as exc:  # noqa: BLE001
        notes.append(f"coverage not computed: {exc}")
        return {}, [], [], None
    summary_obj = getattr(result, "summary", result)
    summary = summary_obj.as_dict() if hasattr(summary_obj, "as_dict") else dict(getattr(summary_obj, "__dict__", {}))
    covered = getattr(result, "covered", None) or getattr(result, "covered_geometry", None)
    gaps_geom = getattr(result, "gaps", None)
    if gaps_geom is None and hasattr(summary_obj, "gaps"):
        gaps_geom = summary_obj.gaps
    coverage = _rings(covered, 1.0) if covered is not None else []
    gaps = _rings(gaps_geom, 1.0) if isinstance(gaps_geom, BaseGeometry) else []
    return summary, coverage, gaps, gaps_geom if isinstance(gaps_geom, BaseGeometry) else None
