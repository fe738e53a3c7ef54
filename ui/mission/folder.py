"""The mission folder: where a run writes everything, and how to read it back.

Layout (see ARCHITECTURE.md)::

    area.geojson  plan.plan (plan-N.plan with several vehicles)  vehicle-N.tlog
    detections.sqlite  coverage/  report.html  mission.json  scenario.yaml

``mission.json`` is rewritten atomically at every milestone (planned, flying, finished), so a
crash or a flat laptop battery leaves a folder that says how far the mission got, and what is
left to fly (the ``resume`` block).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from shapely.geometry import mapping

from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError

MISSION_JSON = "mission.json"
SCENARIO_COPY = "scenario.yaml"
STORE_NAME = "detections.sqlite"
COVERAGE_DIR = "coverage"


def utc_now() -> str:
    """ISO 8601 UTC with seconds, as written in mission.json and the report."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def new_mission_dir(parent: str | Path = "missions") -> Path:
    """A fresh ``missions/<date-time>/`` folder (a suffix is added if two start in one second)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H-%M-%S")
    base = Path(parent) / stamp
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{stamp}-{n}")
    path.mkdir(parents=True)
    return path


@dataclass(frozen=True)
class MissionFolder:
    """Paths inside one mission folder."""

    root: Path

    @property
    def mission_json(self) -> Path:
        return self.root / MISSION_JSON

    @property
    def store(self) -> Path:
        return self.root / STORE_NAME

    @property
    def coverage(self) -> Path:
        return self.root / COVERAGE_DIR

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def area(self) -> Path:
        return self.root / "area.geojson"

    def plan_file(self, vehicle_index: int, n_vehicles: int, sortie: int = 1) -> Path:
        base = "plan" if n_vehicles == 1 else f"plan-{vehicle_index + 1}"
        return self.root / (f"{base}.plan" if sortie == 1 else f"{base}-sortie-{sortie}.plan")

    def tlog(self, vehicle_index: int, sortie: int = 1) -> Path:
        base = f"vehicle-{vehicle_index + 1}"
        return self.root / (f"{base}.tlog" if sortie == 1 else f"{base}-sortie-{sortie}.tlog")

    def tlogs(self) -> list[Path]:
        return sorted(self.root.glob("vehicle-*.tlog"))

    def read_json(self) -> dict[str, Any]:
        """``mission.json`` as a dict; an error naming the folder when it is missing or broken."""
        try:
            return json.loads(self.mission_json.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("not a mission folder (no mission.json)", where=str(self.root)) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"mission.json is not valid JSON: {exc}", where=str(self.root)) from None

    def write_json(self, data: dict[str, Any]) -> Path:
        return write_atomic(self.mission_json, json.dumps(data, indent=2, sort_keys=False, default=str))


def write_area_geojson(area: SearchArea, path: Path) -> Path:
    """The area and its no-fly zones as a GeoJSON FeatureCollection (CalTopo and QGIS open it)."""
    try:  # the planner's writer, when it has one, is the one every other tool reads
        from search_patterns import formats

        writer = getattr(formats, "write_area", None)
        if writer is not None:
            writer(area, path)
            return path
    except ImportError:
        pass
    features = [{"type": "Feature", "properties": {"name": area.name, "role": "search area"},
                 "geometry": mapping(area.polygon)}]
    features += [{"type": "Feature", "properties": {"name": f"exclusion {i + 1}", "role": "exclusion"},
                  "geometry": mapping(ex)} for i, ex in enumerate(area.exclusions)]
    return write_atomic(path, json.dumps({"type": "FeatureCollection", "features": features}, indent=1))


def versions() -> dict[str, str]:
    """Versions of what ran, for mission.json (a report is only as good as knowing what made it)."""
    out = {"python": platform.python_version()}
    for pkg in ("sar-ground-control", "pymavlink", "shapely", "opencv-python-headless"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out
