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

from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

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


def shapes_from_collection(data: dict, value_keys: tuple[str, ...] = ("pod", "value", "coverage")) -> list[Shape]:
    """Polygons of a GeoJSON FeatureCollection, coloured by the first numeric property found."""
    feats = data.get("features", []) if data.get("type") == "FeatureCollection" else [data]
    out: list[Shape] = []
    for f in feats:
        props = f.get("properties") or {}
        value = next((float(props[k]) for k in value_keys if isinstance(props.get(k), (int, float))), 1.0)
        geom = f.get("geometry")
        if geom:
            out.extend(_rings(shape(geom), value))
    return out


def read_geojson_shapes(path: Path) -> list[Shape]:
    return shapes_from_collection(json.loads(path.read_text(encoding="utf-8")))


def read_area_file(path: Path) -> SearchArea:
    """The mission's area: the planner's reader when it has one, else the GeoJSON the runner writes."""
    formats = importlib.import_module("search_patterns.formats")
    reader = getattr(formats, "read_area", None)
    if reader is not None:
        return reader(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    outline, exclusions = None, []
    for f in data.get("features", []):
        geom = shape(f["geometry"])
        if (f.get("properties") or {}).get("role") == "exclusion":
            exclusions.append(geom)
        elif outline is None:
            outline = geom
    if outline is None:
        raise InputError("no search area polygon in it", where=str(path))
    name = (data.get("features")[0].get("properties") or {}).get("name", "search area")
    return SearchArea(outline, tuple(exclusions), name, str(path))


def _read_tracks(folder: MissionFolder, notes: list[str]) -> tuple[list, list]:
    tracks, poses_all = [], []
    try:
        track_mod = importlib.import_module("groundcontrol.track")
    except ImportError:
        notes.append("tracks not read: groundcontrol.track is not available")
        return tracks, poses_all
    for tlog in folder.tlogs():
        try:
            poses = list(track_mod.read_poses(tlog))
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
            area = read_area_file(folder.area)
        except Exception as exc:  # noqa: BLE001
            notes.append(f"area.geojson: {exc}")
    plans = []
    plan_reader = getattr(formats, "read_plan", None)
    for p in sorted(root.glob("plan*.plan")):
        if plan_reader is None:
            notes.append(f"{p.name}: plan files cannot be read yet")
            break
        try:
            plans.append(plan_reader(p))
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
        gap_geom = unary_union([Polygon(g.ring) for g in gaps]) if gaps else None
    if not coverage and area is not None and poses:
        summary, coverage, gaps, gap_geom = _compute_coverage(poses, area, notes)
    return MissionReview(root, area, tuple(plans), tuple(tracks), tuple(coverage), tuple(gaps), gap_geom,
                         summary, tuple(_read_sightings(folder, notes)), tuple(notes), info)


def _compute_coverage(poses, area: SearchArea, notes: list[str]):
    """Coverage from the flown poses when the folder has no coverage layers yet."""
    try:
        from search_patterns.coverage import compute_coverage
        from search_patterns.formats.coverage_layers import build_layers

        result = compute_coverage(poses, area)
        layers = build_layers(result)
    except Exception as exc:  # noqa: BLE001 - the rest of the review is still worth showing
        notes.append(f"coverage not computed: {exc}")
        return {}, [], [], None
    coverage = shapes_from_collection(layers["pod"]) or shapes_from_collection(layers["coverage"])
    gaps = shapes_from_collection(layers["gaps"])
    gap_geom = unary_union([g.polygon_lonlat for g in result.gaps]) if result.gaps else None
    return dict(result.summary), coverage, gaps, gap_geom
