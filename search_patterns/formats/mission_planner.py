"""Mission Planner files: ``.waypoints`` (QGC WPL 110) missions and ``.poly`` polygons.

``.waypoints`` is one tab-separated line per mission item after a ``QGC WPL 110`` header:
index, current, frame, command, param1-4, lat, lon, alt, autocontinue. Row 0 is home
(frame 0, absolute). Mission Planner writes params with 8 decimals and altitude with 6; we
do the same so its users see familiar files, and read tabs or spaces, CRLF or LF.

``.poly`` is Mission Planner's polygon file: ``#`` comment lines, then ``lat lon`` per line.
"""

from __future__ import annotations

from pathlib import Path

from search_patterns import mission_items as mi
from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError
from search_patterns.formats.common import NamedPolygon, PathLike, choose_area, make_polygon, read_text
from search_patterns.formats.qgc import plan_from_items
from search_patterns.plan import Plan

HEADER = "QGC WPL 110"


def items_to_wpl(items: list[mi.MissionItem]) -> str:
    lines = [HEADER]
    for seq, it in enumerate(items):
        params = "\t".join(f"{p:.8f}" for p in (it.param1, it.param2, it.param3, it.param4, it.x, it.y))
        lines.append(f"{seq}\t{1 if seq == 0 else 0}\t{it.frame}\t{it.command}\t{params}\t{it.z:.6f}\t{it.autocontinue}")
    return "\r\n".join(lines) + "\r\n"


def write_plan_waypoints(plan: Plan, path: PathLike, area: SearchArea | None = None) -> None:
    items = plan.mission_items()
    if not items:
        raise InputError("plan has no waypoints", where=plan.name)
    write_atomic(path, items_to_wpl(items))


def read_mission_items_wpl(path: PathLike) -> list[mi.MissionItem]:
    text = read_text(path)
    lines = text.splitlines()
    if not lines or not lines[0].strip().startswith("QGC WPL"):
        raise InputError("not a waypoint file: the first line must be 'QGC WPL 110'", where=str(path))
    version = lines[0].split()[-1]
    if version != "110":
        raise InputError(f"unsupported waypoint file version {version} (only 110)", where=str(path))
    items = []
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        f = line.split("\t") if "\t" in line else line.split()
        f = [x.strip() for x in f]
        if len(f) != 12:
            raise InputError(f"line {n}: expected 12 fields, got {len(f)}", where=str(path))
        try:
            seq = int(f[0])
            item = mi.MissionItem(int(f[3]), int(f[2]), float(f[4]), float(f[5]), float(f[6]), float(f[7]),
                                  float(f[8]), float(f[9]), float(f[10]), int(float(f[11])))
        except ValueError as exc:
            raise InputError(f"line {n}: {exc}", where=str(path)) from exc
        if seq != len(items):
            raise InputError(f"line {n}: index {seq}, expected {len(items)}", where=str(path))
        items.append(item)
    if not items:
        raise InputError("no mission items", where=str(path))
    return items


def read_plan_waypoints(path: PathLike) -> Plan:
    return plan_from_items(read_mission_items_wpl(path), name=Path(path).stem)


def polygons_from_poly(path: PathLike) -> list[NamedPolygon]:
    pts = []
    for n, line in enumerate(read_text(path).splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        f = s.replace(",", " ").split()
        try:
            lat, lon = float(f[0]), float(f[1])
        except (ValueError, IndexError) as exc:
            raise InputError(f"line {n}: expected 'lat lon', got {s!r}", where=str(path)) from exc
        pts.append((lon, lat))
    return [NamedPolygon(make_polygon(pts, (), str(path)), Path(path).stem, False)]


def read_area_poly(path: PathLike, name: str | None = None) -> SearchArea:
    return choose_area(polygons_from_poly(path), path, None)


def write_area_poly(area: SearchArea, path: PathLike) -> None:
    multi = hasattr(area.polygon, "geoms")
    if area.exclusions or multi or len(area.polygon.interiors):
        raise InputError("a .poly file holds one outline only; use GeoJSON or KML to keep holes and no-fly zones",
                         where=str(path))
    coords = list(area.polygon.exterior.coords)
    body = "\n".join(f"{lat:.8f} {lon:.8f}" for lon, lat in coords)
    write_atomic(path, f"#saved by SAR Ground Control\n{body}\n")
