"""Reading areas and plans from, and writing them to, the files SAR teams exchange.

The format is chosen by the file extension:

=============  ======================  ==========================
extension      areas (read / write)    plans (read / write)
=============  ======================  ==========================
.kml, .kmz     yes / yes               yes / yes
.geojson,.json yes / yes               yes / yes
.wkt           yes / yes               –
.plan (QGC)    yes (geofence) / –      yes / yes
.waypoints     –                       yes / yes (Mission Planner)
.poly          yes / yes               –
.gpx           –                       yes / yes
=============  ======================  ==========================

Every writer writes atomically and every plan writer has a reader that gives back the
same waypoints.
"""

from __future__ import annotations

from pathlib import Path

from shapely.geometry import Polygon

from search_patterns import mission_items as mi
from search_patterns.area import SearchArea
from search_patterns.errors import InputError
from search_patterns.formats import geojson, gpx, kml, mission_planner, qgc, wkt
from search_patterns.formats.common import PathLike, check_item_values, check_plan_values
from search_patterns.plan import Plan
from search_patterns.validate import check_polygon

AREA_READERS = {".kml": kml.read_area_kml, ".kmz": kml.read_area_kml, ".geojson": geojson.read_area_geojson,
                ".json": geojson.read_area_geojson, ".wkt": wkt.read_area_wkt, ".plan": qgc.read_area_qgc,
                ".poly": mission_planner.read_area_poly}
AREA_WRITERS = {".kml": kml.write_area_kml, ".kmz": kml.write_area_kml, ".geojson": geojson.write_area_geojson,
                ".json": geojson.write_area_geojson, ".wkt": wkt.write_area_wkt,
                ".poly": mission_planner.write_area_poly}
PLAN_WRITERS = {".plan": qgc.write_plan_qgc, ".waypoints": mission_planner.write_plan_waypoints,
                ".txt": mission_planner.write_plan_waypoints, ".kml": kml.write_plan_kml,
                ".kmz": kml.write_plan_kml, ".geojson": geojson.write_plan_geojson,
                ".json": geojson.write_plan_geojson, ".gpx": gpx.write_plan_gpx}
PLAN_READERS = {".plan": qgc.read_plan_qgc, ".waypoints": mission_planner.read_plan_waypoints,
                ".txt": mission_planner.read_plan_waypoints, ".mission": mission_planner.read_plan_waypoints,
                ".kml": kml.read_plan_kml, ".kmz": kml.read_plan_kml, ".geojson": geojson.read_plan_geojson,
                ".json": geojson.read_plan_geojson, ".gpx": gpx.read_plan_gpx}

POLYGON_READERS = {".kml": kml.polygons_from_kml, ".kmz": kml.polygons_from_kml,
                   ".geojson": geojson.polygons_from_geojson, ".json": geojson.polygons_from_geojson,
                   ".wkt": wkt.polygons_from_wkt, ".plan": qgc.polygons_from_qgc,
                   ".poly": mission_planner.polygons_from_poly}

__all__ = ["read_area", "write_area", "read_plan", "write_plan", "read_mission_items", "read_exclusions",
           "plan_formats", "area_formats"]


def _ext(path: PathLike, table: dict, what: str) -> str:
    ext = Path(path).suffix.lower()
    if ext not in table:
        known = ", ".join(sorted(table))
        raise InputError(f"cannot {what} '{ext or '(no extension)'}' files; use one of {known}", where=str(path))
    return ext


def plan_formats() -> list[str]:
    """Extensions a plan can be written to."""
    return sorted(PLAN_WRITERS)


def area_formats() -> list[str]:
    """Extensions an area can be read from."""
    return sorted(AREA_READERS)


def read_area(path: PathLike, name: str | None = None) -> SearchArea:
    """Read a search area (with holes and no-fly zones) from a file; ``name`` picks a polygon."""
    return AREA_READERS[_ext(path, AREA_READERS, "read areas from")](path, name)


def read_exclusions(path: PathLike) -> tuple[Polygon, ...]:
    """Every polygon in a file, as no-fly zones (for ``--exclude NOFLY.geojson``)."""
    polys = POLYGON_READERS[_ext(path, POLYGON_READERS, "read no-fly zones from")](path)
    if not polys:
        raise InputError("no polygon found", where=str(path))
    for p in polys:
        check_polygon(p.polygon, f"{path}: no-fly zone {p.name!r}")
    return tuple(p.polygon for p in polys)


def write_area(area: SearchArea, path: PathLike) -> None:
    """Write an area (outline, holes, no-fly zones) to GeoJSON, KML/KMZ, WKT or .poly."""
    AREA_WRITERS[_ext(path, AREA_WRITERS, "write areas to")](area, path)


def write_plan(plan: Plan, path: PathLike, area: SearchArea | None = None) -> None:
    """Write a plan in the format its extension names; ``area`` adds the area where the format can hold it."""
    if not plan.waypoints:
        raise InputError("plan has no waypoints to write", where=str(path))
    PLAN_WRITERS[_ext(path, PLAN_WRITERS, "write plans to")](plan, path, area)


def read_plan(path: PathLike) -> Plan:
    """Read the waypoints (and home, takeoff altitude, speed where stored) of a plan file."""
    plan = PLAN_READERS[_ext(path, PLAN_READERS, "read plans from")](path)
    check_plan_values(plan.waypoints, plan.home, path)
    return plan


def read_mission_items(path: PathLike) -> list[mi.MissionItem]:
    """MAVLink mission items (seq 0 = home) from a .plan or .waypoints file, or built from any plan file."""
    ext = Path(path).suffix.lower()
    if ext == ".plan":
        items = qgc.read_mission_items_qgc(path)
    elif ext in (".waypoints", ".txt", ".mission"):
        items = mission_planner.read_mission_items_wpl(path)
    else:
        return read_plan(path).mission_items()
    check_item_values(items, path)
    return items
