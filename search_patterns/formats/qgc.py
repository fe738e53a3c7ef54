"""QGroundControl ``.plan`` files (JSON, ``fileType: "Plan"``).

Written the way QGroundControl writes them for ArduPilot (firmwareType 3, multirotor
vehicleType 2): NAV_TAKEOFF, optional DO_CHANGE_SPEED, NAV_WAYPOINTs in frame 3 (altitude
relative to home), NAV_RETURN_TO_LAUNCH; ``plannedHomePosition`` [lat, lon, alt]; the area
as an inclusion geofence polygon and each no-fly zone as an exclusion polygon.

Read back: SimpleItems and the items inside ComplexItems (a QGC survey keeps its generated
waypoints under ``TransectStyleComplexItem.Items``); areas from geofence polygons or, if
there are none, from a survey's polygon.
"""

from __future__ import annotations

import json
import math
from typing import Any

from search_patterns import mission_items as mi
from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError
from search_patterns.formats.common import (
    NamedPolygon,
    PathLike,
    choose_area,
    make_polygon,
    read_text,
    ring_from_latlon,
)
from search_patterns.plan import Plan, Waypoint

MAV_AUTOPILOT_ARDUPILOTMEGA = 3
MAV_TYPE_QUADROTOR = 2
ALTITUDE_MODE_RELATIVE = 1


def _load(path: PathLike) -> dict:
    try:
        doc = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                         where=str(path)) from exc
    if not isinstance(doc, dict) or doc.get("fileType") != "Plan":
        raise InputError("not a QGroundControl plan (fileType is not \"Plan\")", where=str(path))
    return doc


def _num(v: Any) -> float:
    return math.nan if v is None else float(v)


def _simple_item(item: mi.MissionItem, seq: int) -> dict:
    params = [item.param1, item.param2, item.param3, item.param4, item.x, item.y, item.z]
    d: dict[str, Any] = {"autoContinue": bool(item.autocontinue), "command": item.command, "doJumpId": seq,
                         "frame": item.frame,
                         "params": [None if isinstance(p, float) and math.isnan(p) else p for p in params],
                         "type": "SimpleItem"}
    if item.command in (mi.MAV_CMD_NAV_WAYPOINT, mi.MAV_CMD_NAV_TAKEOFF):
        d.update({"AMSLAltAboveTerrain": None, "Altitude": item.z, "AltitudeMode": ALTITUDE_MODE_RELATIVE})
    return dict(sorted(d.items()))


def plan_document(plan: Plan, area: SearchArea | None = None) -> dict:
    items = plan.mission_items()
    if not items:
        raise InputError("plan has no waypoints", where=plan.name)
    home_item, rest = items[0], items[1:]
    simple = []
    for seq, it in enumerate(rest, start=1):
        if it.command == mi.MAV_CMD_NAV_TAKEOFF:  # QGC shows the takeoff at the launch point
            it = mi.MissionItem(it.command, it.frame, it.param1, it.param2, it.param3, it.param4,
                                home_item.x, home_item.y, it.z, it.autocontinue)
        simple.append(_simple_item(it, seq))
    polygons = []
    if area is not None:
        for p in getattr(area.polygon, "geoms", [area.polygon]):
            polygons.append({"inclusion": True, "polygon": [[y, x] for x, y in list(p.exterior.coords)[:-1]],
                             "version": 1})
        for e in area.exclusions:
            polygons.append({"inclusion": False, "polygon": [[y, x] for x, y in list(e.exterior.coords)[:-1]],
                             "version": 1})
    speed = plan.speed_m_s or 5.0
    return {
        "fileType": "Plan",
        "geoFence": {"circles": [], "polygons": polygons, "version": 2},
        "groundStation": "QGroundControl",
        "mission": {"cruiseSpeed": speed, "firmwareType": MAV_AUTOPILOT_ARDUPILOTMEGA,
                    "globalPlanAltitudeMode": ALTITUDE_MODE_RELATIVE, "hoverSpeed": speed, "items": simple,
                    "plannedHomePosition": [home_item.x, home_item.y, 0], "vehicleType": MAV_TYPE_QUADROTOR,
                    "version": 2},
        "rallyPoints": {"points": [], "version": 2},
        "version": 1,
    }


def write_plan_qgc(plan: Plan, path: PathLike, area: SearchArea | None = None) -> None:
    write_atomic(path, json.dumps(plan_document(plan, area), indent=4))


def _flatten(items: list, path: PathLike) -> list[dict]:
    out = []
    for i, it in enumerate(items, start=1):
        if not isinstance(it, dict):
            raise InputError(f"mission item {i} is not an object", where=str(path))
        if it.get("type") == "SimpleItem":
            out.append(it)
        elif it.get("type") == "ComplexItem":
            inner = (it.get("TransectStyleComplexItem") or {}).get("Items") or it.get("Items") or []
            out.extend(_flatten(inner, path))
        else:
            raise InputError(f"mission item {i} has unknown type {it.get('type')!r}", where=str(path))
    return out


def read_mission_items_qgc(path: PathLike) -> list[mi.MissionItem]:
    """Mission items of a .plan file, seq 0 being the planned home (as on the wire)."""
    doc = _load(path)
    mission = doc.get("mission") or {}
    home = mission.get("plannedHomePosition") or [0, 0, 0]
    items = [mi.MissionItem(mi.MAV_CMD_NAV_WAYPOINT, mi.MAV_FRAME_GLOBAL, x=float(home[0]), y=float(home[1]),
                            z=float(home[2]) if len(home) > 2 and home[2] is not None else 0.0)]
    for i, it in enumerate(_flatten(mission.get("items") or [], path), start=1):
        params = it.get("params")
        if not isinstance(params, list) or len(params) != 7:
            raise InputError(f"mission item {i} needs 7 params, got {params!r}", where=str(path))
        try:
            p = [_num(v) for v in params]
            items.append(mi.MissionItem(int(it["command"]), int(it.get("frame", mi.MAV_FRAME_GLOBAL_RELATIVE_ALT)),
                                        *p[:4], x=p[4], y=p[5], z=p[6],
                                        autocontinue=int(bool(it.get("autoContinue", True)))))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"mission item {i} is malformed: {exc}", where=str(path)) from exc
    return items


def plan_from_items(items: list[mi.MissionItem], name: str = "plan", *, home_known: bool = True) -> Plan:
    """Rebuild a :class:`Plan` from mission items (seq 0 = home): waypoints, takeoff, speed."""
    home = (items[0].x, items[0].y) if items and home_known else None
    takeoff = speed = None
    wps = []
    for it in items[1:]:
        if it.command == mi.MAV_CMD_NAV_TAKEOFF:
            takeoff = it.z
        elif it.command == mi.MAV_CMD_DO_CHANGE_SPEED and it.param2 > 0:
            speed = it.param2
        elif it.command in (mi.MAV_CMD_NAV_WAYPOINT, mi.MAV_CMD_NAV_LOITER_TIME):
            wps.append(Waypoint(it.x, it.y, it.z))
    return Plan(waypoints=tuple(wps), home=home, takeoff_alt=takeoff, speed_m_s=speed, name=name)


def read_plan_qgc(path: PathLike) -> Plan:
    from pathlib import Path

    known = "plannedHomePosition" in (_load(path).get("mission") or {})
    return plan_from_items(read_mission_items_qgc(path), name=Path(path).stem, home_known=known)


def polygons_from_qgc(path: PathLike) -> list[NamedPolygon]:
    doc = _load(path)
    out = []
    fence = doc.get("geoFence") or {}
    polys = fence.get("polygons") or []
    if not polys and "polygon" in fence:  # geoFence version 1: one inclusion polygon
        polys = [{"inclusion": True, "polygon": fence["polygon"]}]
    n_in = n_out = 0
    for k, p in enumerate(polys, start=1):
        incl = bool(p.get("inclusion", True))
        where = f"{path}: geofence polygon {k}"
        poly = make_polygon(ring_from_latlon(p.get("polygon") or [], where), (), where)
        if incl:
            n_in += 1
            out.append(NamedPolygon(poly, f"geofence {n_in}", False))
        else:
            n_out += 1
            out.append(NamedPolygon(poly, f"exclusion {n_out}", True))
    if not any(not p.exclusion for p in out):
        for k, it in enumerate((doc.get("mission") or {}).get("items") or [], start=1):
            if isinstance(it, dict) and it.get("type") == "ComplexItem" and it.get("polygon"):
                where = f"{path}: mission item {k} ({it.get('complexItemType', 'complex')})"
                out.append(NamedPolygon(make_polygon(ring_from_latlon(it["polygon"], where), (), where),
                                        f"{it.get('complexItemType', 'survey')} {k}", False))
    return out


def read_area_qgc(path: PathLike, name: str | None = None) -> SearchArea:
    return choose_area(polygons_from_qgc(path), path, name)
