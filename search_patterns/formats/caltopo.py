"""CalTopo / SARTopo GeoJSON: assignments in, coverage and sightings out.

Why this shape: SAR coordinators plan in CalTopo (SARTopo). Its map export is a GeoJSON
FeatureCollection whose features carry ``properties.class``: ``Assignment`` (a search segment,
a polygon with ``letter``, ``number``, ``status``, ``resourceType``, ``priority`` and PODs),
``Marker`` (a point with ``marker-color`` and ``marker-symbol``), ``Shape`` (a line or polygon with
``stroke`` and ``fill``), ``Folder`` and others. Importing that file gives the pilot the assigned
area; exporting in the same shape lets the coordinator import the flown coverage, gaps and
sightings back into the same map, next to the assignment they belong to.

Features of other classes (folders, tracks, operational periods) are skipped on import and kept in
``CaltopoMap.skipped`` so a pilot can be told what was left out.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, mapping, shape
from shapely.validation import explain_validity

from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError

#: A CalTopo map export is kilobytes to a few megabytes; refuse what cannot be one before reading it.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: More vertices than any hand-drawn segment has; beyond this planning would crawl anyway.
MAX_VERTICES = 200_000

STATUSES = ("DRAFT", "PREPARED", "INPROGRESS", "COMPLETED")
LEVELS = ("LOW", "MEDIUM", "HIGH")
#: Colours CalTopo shows for our sighting review states (hex, no '#', as CalTopo writes marker colours).
REVIEW_COLORS = {"pending": "FFFF00", "confirmed": "FF0000", "rejected": "808080"}


@dataclass(frozen=True)
class Assignment:
    """A CalTopo area assignment: the polygon a team (here, a drone) is to search.

    ``letter`` and ``number`` are what CalTopo titles it by ("AB 12"); ``status`` is one of DRAFT,
    PREPARED, INPROGRESS, COMPLETED. ``properties`` keeps every property as read, so an
    exported assignment carries back what we did not change.
    """

    polygon: Polygon
    letter: str = ""
    number: str = ""
    status: str = "DRAFT"
    resource_type: str = "AIR"
    priority: str = ""
    description: str = ""
    responsive_pod: str = ""
    feature_id: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def title(self) -> str:
        return " ".join(p for p in (self.letter, self.number.strip()) if p) or "assignment"

    def to_area(self) -> SearchArea:
        """The search area this assignment asks us to cover."""
        return SearchArea(polygon=self.polygon, name=self.title, source=self.properties.get("_source"))


@dataclass(frozen=True)
class CaltopoMarker:
    """A point on the CalTopo map (a sighting, a clue, a datum). ``color`` is hex RRGGBB."""

    lat: float
    lon: float
    title: str
    description: str = ""
    color: str = "FF0000"
    symbol: str = "point"
    feature_class: str = "Marker"
    feature_id: str = ""


@dataclass(frozen=True)
class CaltopoShape:
    """A line or polygon drawn on the map (flown coverage, gaps, the flight path)."""

    geometry: Polygon | MultiPolygon | LineString
    title: str
    description: str = ""
    stroke: str = "#FF0000"
    fill: str = "#FF0000"
    fill_opacity: float = 0.1
    stroke_width: int = 2
    feature_id: str = ""


@dataclass(frozen=True)
class CaltopoMap:
    """What one CalTopo GeoJSON file held, in our terms."""

    assignments: tuple[Assignment, ...] = ()
    markers: tuple[CaltopoMarker, ...] = ()
    shapes: tuple[CaltopoShape, ...] = ()
    skipped: tuple[str, ...] = ()
    source: str | None = None

    def assignment(self, title: str) -> Assignment:
        """The assignment titled ``title`` ("A 1", or just its letter or number)."""
        want = title.strip().upper()
        for a in self.assignments:
            if want in (a.title.upper(), a.letter.upper(), a.number.strip().upper(), a.feature_id.upper()):
                return a
        known = ", ".join(a.title for a in self.assignments) or "none"
        raise InputError(f"no assignment {title!r} (assignments: {known})", where=self.source)


# -- reading ---------------------------------------------------------------------------------------
def _count_vertices(coords: Any, limit: int) -> int:
    """Count coordinate pairs without building geometry, stopping once past ``limit``."""
    stack, n = [coords], 0
    while stack:
        c = stack.pop()
        if isinstance(c, list) and c and isinstance(c[0], (int, float)):
            n += 1
            if n > limit:
                return n
        elif isinstance(c, list):
            stack.extend(c)
    return n


def _geometry(feat: Mapping[str, Any], where: str) -> Any:
    geom = feat.get("geometry")
    if not isinstance(geom, Mapping) or "type" not in geom:
        raise InputError("feature has no geometry", where=where)
    if _count_vertices(geom.get("coordinates"), MAX_VERTICES) > MAX_VERTICES:
        raise InputError(f"geometry has more than {MAX_VERTICES:,} vertices; simplify it in CalTopo first",
                         where=where)
    try:
        g = shape(geom)
    except Exception as exc:  # shapely raises several types on malformed coordinates
        raise InputError(f"malformed {geom.get('type')} geometry ({exc})", where=where) from None
    if g.is_empty:
        raise InputError(f"empty {g.geom_type}", where=where)
    g = shapely.force_2d(g)  # CalTopo writes elevations; they mean nothing for a search area
    minx, miny, maxx, maxy = g.bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)) or \
            not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputError(f"coordinates outside longitude/latitude range: {g.bounds}", where=where)
    return g


def _text(props: Mapping[str, Any], key: str, default: str = "") -> str:
    v = props.get(key, default)
    return default if v is None else str(v)


def _polygon(g: Any, where: str) -> Polygon:
    if isinstance(g, MultiPolygon) and len(g.geoms) == 1:
        g = g.geoms[0]
    if not isinstance(g, Polygon):
        raise InputError(f"an assignment must be a polygon, not a {g.geom_type} (line assignments are not "
                         f"supported)", where=where)
    if not g.is_valid:
        raise InputError(f"invalid polygon: {explain_validity(g)}", where=where)
    if g.area <= 0:
        raise InputError("polygon has no area", where=where)
    return g


def parse_caltopo(data: str | bytes | Mapping[str, Any], *, source: str | None = None) -> CaltopoMap:
    """Read CalTopo/SARTopo GeoJSON (text or an already-parsed dict) into assignments, markers, shapes."""
    name = source or "CalTopo GeoJSON"
    if isinstance(data, (str, bytes)):
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"{len(data):,} bytes is larger than a CalTopo export can be", where=name)
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"not JSON ({exc})", where=name) from None
    else:
        doc = data
    if not isinstance(doc, Mapping):
        raise InputError("top level is not a JSON object", where=name)
    if doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    feats = doc.get("features")
    if doc.get("type") != "FeatureCollection" or not isinstance(feats, list):
        raise InputError("not a GeoJSON FeatureCollection", where=name)
    assignments, markers, shapes, skipped = [], [], [], []
    total = 0
    for i, feat in enumerate(feats):
        where = f"{name}, feature {i + 1}"
        if not isinstance(feat, Mapping):
            raise InputError("feature is not an object", where=where)
        props = feat.get("properties") or {}
        if not isinstance(props, Mapping):
            raise InputError("properties is not an object", where=where)
        cls = _text(props, "class")
        title = _text(props, "title") or _text(props, "name")
        where = f"{name}, feature {i + 1} ({cls or 'no class'} {title!r})"
        fid = _text(feat, "id")
        if cls == "Assignment" or (not cls and isinstance(feat.get("geometry"), Mapping)
                                   and feat["geometry"].get("type") in ("Polygon", "MultiPolygon")
                                   and "letter" in props):
            g = _geometry(feat, where)
            total += _count_vertices(feat["geometry"].get("coordinates"), MAX_VERTICES)
            if total > MAX_VERTICES:
                raise InputError(f"the file has more than {MAX_VERTICES:,} vertices in all", where=name)
            status = _text(props, "status", "DRAFT").upper()
            kept = dict(props)
            kept["_source"] = source
            assignments.append(Assignment(
                polygon=_polygon(g, where), letter=_text(props, "letter"), number=_text(props, "number"),
                status=status if status in STATUSES else "DRAFT", resource_type=_text(props, "resourceType"),
                priority=_text(props, "priority"), description=_text(props, "description"),
                responsive_pod=_text(props, "responsivePOD"), feature_id=fid, properties=kept))
        elif cls in ("Marker", "Clue") or (not cls and isinstance(feat.get("geometry"), Mapping)
                                            and feat["geometry"].get("type") == "Point"):
            g = _geometry(feat, where)
            if g.geom_type != "Point":
                raise InputError(f"a marker must be a point, not a {g.geom_type}", where=where)
            markers.append(CaltopoMarker(lat=g.y, lon=g.x, title=title, description=_text(props, "description"),
                                         color=_text(props, "marker-color", "FF0000").lstrip("#"),
                                         symbol=_text(props, "marker-symbol", "point"),
                                         feature_class=cls or "Marker", feature_id=fid))
        elif cls == "Shape" or (not cls and isinstance(feat.get("geometry"), Mapping)):
            g = _geometry(feat, where)
            total += _count_vertices(feat["geometry"].get("coordinates"), MAX_VERTICES)
            if total > MAX_VERTICES:
                raise InputError(f"the file has more than {MAX_VERTICES:,} vertices in all", where=name)
            if not isinstance(g, (Polygon, MultiPolygon, LineString)):
                skipped.append(f"{cls or 'feature'} {title!r} ({g.geom_type})")
                continue
            shapes.append(CaltopoShape(geometry=g, title=title, description=_text(props, "description"),
                                       stroke=_text(props, "stroke", "#FF0000"), fill=_text(props, "fill", "#FF0000"),
                                       feature_id=fid))
        else:
            skipped.append(f"{cls or 'feature'} {title!r}")
    return CaltopoMap(tuple(assignments), tuple(markers), tuple(shapes), tuple(skipped), source)


def read_caltopo(path: str | os.PathLike[str]) -> CaltopoMap:
    """Read a CalTopo/SARTopo GeoJSON export from disk (size-checked before reading)."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(p)) from None
    if size > MAX_FILE_BYTES:
        raise InputError(f"{size / 2**20:,.0f} MiB is larger than a CalTopo export can be "
                         f"({MAX_FILE_BYTES / 2**20:.0f} MiB at most)", where=str(p))
    try:
        text = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(p)) from None
    return parse_caltopo(text, source=str(p))


# -- writing ---------------------------------------------------------------------------------------
def _fid(given: str) -> str:
    return given or str(uuid.uuid4())


def _geojson(g: Any) -> dict[str, Any]:
    """GeoJSON geometry with coordinates rounded to 7 decimals (1 cm): smaller files, same map."""
    def rnd(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), 7) for v in c[:2]]
        return [rnd(x) for x in c]

    m = mapping(g)
    return {"type": m["type"], "coordinates": rnd(m["coordinates"])}


def assignment_feature(a: Assignment) -> dict[str, Any]:
    props = {k: v for k, v in a.properties.items() if not k.startswith("_")}
    props.update({"class": "Assignment", "title": a.title, "letter": a.letter, "number": a.number,
                  "status": a.status, "resourceType": a.resource_type, "description": a.description})
    if a.priority:
        props["priority"] = a.priority
    if a.responsive_pod:
        props["responsivePOD"] = a.responsive_pod
    return {"type": "Feature", "id": _fid(a.feature_id), "geometry": _geojson(a.polygon), "properties": props}


def marker_feature(m: CaltopoMarker) -> dict[str, Any]:
    return {"type": "Feature", "id": _fid(m.feature_id), "geometry": _geojson_point(m.lon, m.lat),
            "properties": {"class": m.feature_class, "title": m.title, "description": m.description,
                           "marker-color": m.color.lstrip("#").upper(), "marker-symbol": m.symbol,
                           "marker-size": "1"}}


def _geojson_point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(float(lon), 7), round(float(lat), 7)]}


def shape_feature(s: CaltopoShape) -> dict[str, Any]:
    return {"type": "Feature", "id": _fid(s.feature_id), "geometry": _geojson(s.geometry),
            "properties": {"class": "Shape", "title": s.title, "description": s.description, "stroke": s.stroke,
                           "stroke-width": s.stroke_width, "stroke-opacity": 1, "fill": s.fill,
                           "fill-opacity": s.fill_opacity}}


def to_caltopo(*, assignments: Iterable[Assignment] = (), markers: Iterable[CaltopoMarker] = (),
               shapes: Iterable[CaltopoShape] = ()) -> dict[str, Any]:
    """A FeatureCollection in the shape CalTopo exports and imports."""
    feats = [assignment_feature(a) for a in assignments]
    feats += [shape_feature(s) for s in shapes]
    feats += [marker_feature(m) for m in markers]
    return {"type": "FeatureCollection", "features": feats}


def write_caltopo(path: str | os.PathLike[str], **parts: Any) -> Path:
    """Write ``to_caltopo(**parts)`` atomically to ``path``."""
    return write_atomic(path, json.dumps(to_caltopo(**parts), indent=1))


def sighting_marker(lat: float, lon: float, *, sighting_id: str | int, score: float, review: str = "pending",
                    picture: str = "", when: str = "") -> CaltopoMarker:
    """A sighting as a CalTopo marker: colour by review state, score and picture in the description."""
    if review not in REVIEW_COLORS:
        raise InputError(f"review state {review!r} is not one of {sorted(REVIEW_COLORS)}",
                         where=f"sighting {sighting_id}")
    title = f"{'CONFIRMED ' if review == 'confirmed' else ''}Sighting {sighting_id}"
    parts = [f"score {score:.2f}", review]
    if when:
        parts.append(when)
    if picture:
        parts.append(f"picture: {picture}")
    return CaltopoMarker(lat=lat, lon=lon, title=title, description="; ".join(parts),
                         color=REVIEW_COLORS[review], symbol="point", feature_id=f"sargc-sighting-{sighting_id}")


def flown_assignment(a: Assignment, *, covered_fraction: float, mean_pod: float, completed: bool = True) -> Assignment:
    """The assignment as we hand it back: status and a description with what the drone achieved.

    CalTopo's POD fields take LOW/MEDIUM/HIGH; we set ``responsivePOD`` from the mean POD
    (below 0.4 LOW, below 0.7 MEDIUM, else HIGH) and write the exact numbers in the description.
    """
    level = "LOW" if mean_pod < 0.4 else "MEDIUM" if mean_pod < 0.7 else "HIGH"
    note = f"Drone search: {covered_fraction:.0%} covered, mean POD {mean_pod:.2f}."
    desc = f"{a.description}\n{note}".strip() if a.description else note
    props = dict(a.properties)
    props["responsivePOD"] = level
    return Assignment(polygon=a.polygon, letter=a.letter, number=a.number,
                      status="COMPLETED" if completed else "INPROGRESS", resource_type=a.resource_type or "AIR",
                      priority=a.priority, description=desc, responsive_pod=level, feature_id=a.feature_id,
                      properties=props)


def assignment_from_area(area: SearchArea, *, letter: str = "", number: str = "", status: str = "DRAFT",
                         resource_type: str = "AIR") -> Assignment:
    """Offer one of our search areas to CalTopo as an assignment (its outline; holes kept)."""
    if status not in STATUSES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}", where="CalTopo export")
    return Assignment(polygon=area.polygon, letter=letter or area.name[:12], number=number, status=status,
                      resource_type=resource_type)
