"""GeoJSON (RFC 7946) areas and plans.

Areas: Polygon/MultiPolygon features; a feature whose ``role`` property is ``exclusion``
(or whose name says "no-fly"/"exclusion") is a no-fly zone. Plans: one LineString feature
(``role: path``) with the plan's settings and statistics in its properties, plus a Point
feature per waypoint, so that GIS tools and CalTopo show both the track and the turns.
Coordinates are [lon, lat, alt] with alt in metres above home.
"""

from __future__ import annotations

import json
from typing import Any

from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError
from search_patterns.formats.common import EXCLUSION_NAME, NamedPolygon, PathLike, choose_area, read_text
from search_patterns.plan import Plan, PlanStats, Waypoint


def _load(path: PathLike) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                         where=str(path)) from exc


def _features(doc: Any, path: PathLike) -> list[dict]:
    if not isinstance(doc, dict) or "type" not in doc:
        raise InputError("not a GeoJSON object (no 'type')", where=str(path))
    t = doc["type"]
    if t == "FeatureCollection":
        feats = doc.get("features")
        if not isinstance(feats, list):
            raise InputError("FeatureCollection has no 'features' list", where=str(path))
        return feats
    if t == "Feature":
        return [doc]
    return [{"type": "Feature", "geometry": doc, "properties": {}}]


def polygons_from_geojson(path: PathLike) -> list[NamedPolygon]:
    out: list[NamedPolygon] = []
    for i, f in enumerate(_features(_load(path), path), start=1):
        geom = (f or {}).get("geometry")
        if not geom or geom.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        props = f.get("properties") or {}
        name = str(props.get("name") or props.get("title") or f"feature {i}")
        role = str(props.get("role") or props.get("class") or "").lower()
        try:
            g = shape(geom)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            raise InputError(f"feature {i} ({name!r}) has malformed coordinates: {exc}", where=str(path)) from exc
        g = Polygon([c[:2] for c in g.exterior.coords], [[c[:2] for c in r.coords] for r in g.interiors]) \
            if isinstance(g, Polygon) else g
        excl = role in ("exclusion", "no-fly", "nofly", "nfz") or bool(EXCLUSION_NAME.search(name))
        parts = list(g.geoms) if isinstance(g, MultiPolygon) else [g]
        for k, p in enumerate(parts):
            out.append(NamedPolygon(p, name if len(parts) == 1 else f"{name} {k + 1}", excl))
    return out


def read_area_geojson(path: PathLike, name: str | None = None) -> SearchArea:
    return choose_area(polygons_from_geojson(path), path, name)


def _area_features(area: SearchArea) -> list[dict]:
    feats = [{"type": "Feature", "geometry": mapping(area.polygon),
              "properties": {"name": area.name, "role": "search"}}]
    for k, e in enumerate(area.exclusions, start=1):
        feats.append({"type": "Feature", "geometry": mapping(e),
                      "properties": {"name": f"no-fly zone {k}", "role": "exclusion"}})
    return feats


def area_to_geojson(area: SearchArea) -> dict:
    return {"type": "FeatureCollection", "features": _area_features(area)}


def write_area_geojson(area: SearchArea, path: PathLike) -> None:
    write_atomic(path, json.dumps(area_to_geojson(area), indent=1))


def plan_to_geojson(plan: Plan, area: SearchArea | None = None) -> dict:
    coords = [[w.lon, w.lat, w.alt] for w in plan.waypoints]
    props = {"role": "path", "name": plan.name, "pattern": plan.pattern, "params": plan.params,
             "stats": plan.stats.as_dict(), "home": list(plan.home) if plan.home else None,
             "takeoff_alt": plan.takeoff_alt, "speed_m_s": plan.speed_m_s}
    feats: list[dict] = [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                          "properties": props}]
    for i, c in enumerate(coords, start=1):
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": c},
                      "properties": {"role": "waypoint", "seq": i, "alt": c[2]}})
    if area is not None:
        feats.extend(_area_features(area))
    return {"type": "FeatureCollection", "features": feats}


def write_plan_geojson(plan: Plan, path: PathLike, area: SearchArea | None = None) -> None:
    write_atomic(path, json.dumps(plan_to_geojson(plan, area), indent=1, default=str))


def read_plan_geojson(path: PathLike) -> Plan:
    feats = _features(_load(path), path)
    lines = [f for f in feats if (f.get("geometry") or {}).get("type") == "LineString"]
    paths = [f for f in lines if (f.get("properties") or {}).get("role") == "path"] or lines
    if paths:
        f = paths[0]
        props = f.get("properties") or {}
        coords = f["geometry"].get("coordinates") or []
    else:  # points only: waypoints in file order (or by 'seq')
        pts = [f for f in feats if (f.get("geometry") or {}).get("type") == "Point"]
        pts.sort(key=lambda f: (f.get("properties") or {}).get("seq", 0))
        coords = [f["geometry"]["coordinates"] for f in pts]
        props = {}
    if not coords:
        raise InputError("no LineString path or Point waypoints found", where=str(path))
    wps = []
    for i, c in enumerate(coords, start=1):
        try:
            wps.append(Waypoint(float(c[1]), float(c[0]), float(c[2]) if len(c) > 2 else 0.0))
        except (TypeError, ValueError, IndexError) as exc:
            raise InputError(f"waypoint {i} has bad coordinates {c!r}", where=str(path)) from exc
    stats = props.get("stats") or {}
    base = {k: stats.get(k) for k in ("waypoints", "length_m", "duration_s", "area_m2", "coverage_fraction",
                                      "spacing_m", "pod") if isinstance(stats.get(k), (int, float))}
    extra = {k: v for k, v in stats.items() if k not in base}
    home = props.get("home")
    return Plan(waypoints=tuple(wps), pattern=str(props.get("pattern") or "custom"),
                params=dict(props.get("params") or {}), stats=PlanStats(**base, extra=extra),
                home=(float(home[0]), float(home[1])) if home else None,
                takeoff_alt=props.get("takeoff_alt"), speed_m_s=props.get("speed_m_s"),
                name=str(props.get("name") or "plan"))
