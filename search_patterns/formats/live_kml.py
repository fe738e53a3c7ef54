"""A live map file that Google Earth or QGIS keep re-reading during a mission.

Why files and not a server: a command post laptop often has Google Earth or QGIS already, and both
can watch a file on disk (Google Earth through a KML NetworkLink that refreshes on an interval,
QGIS through a GeoJSON layer with auto-refresh). We write ``live.kml`` and ``live.geojson`` with
vehicles, their tracks, sightings, markers, the search area and the coverage so far, each time
atomically, so a reader never sees half a file; ``live-link.kml`` is the small file a person opens
once in Google Earth.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from shapely.geometry import MultiPolygon, Polygon, mapping

from search_patterns.atomic import write_atomic

KML_NS = "http://www.opengis.net/kml/2.2"
#: KML colours are aabbggrr.
_STYLES = {
    "vehicle": ("ff00ffff", None),
    "pending": ("ff00ffff", None),
    "confirmed": ("ff0000ff", None),
    "rejected": ("ff808080", None),
    "marker": ("ffffffff", None),
    "area": ("ff0000ff", "200000ff"),
    "coverage": ("ff00aa00", "6000aa00"),
    "track": ("ff00ffff", None),
}


@dataclass(frozen=True)
class LiveVehicle:
    """One vehicle now: where, which way, and the track flown so far as (lat, lon) pairs."""

    uid: str
    name: str
    lat: float
    lon: float
    alt: float = 0.0
    heading: float = 0.0
    track: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class LivePoint:
    """A sighting or a marker. ``style`` is pending / confirmed / rejected / marker."""

    uid: str
    name: str
    lat: float
    lon: float
    description: str = ""
    style: str = "marker"


@dataclass(frozen=True)
class LiveState:
    """Everything the live map shows at one moment."""

    title: str = "SAR mission"
    vehicles: tuple[LiveVehicle, ...] = ()
    points: tuple[LivePoint, ...] = ()
    area: Polygon | MultiPolygon | None = None
    coverage: Polygon | MultiPolygon | None = None
    updated: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, f"{{{KML_NS}}}{tag}", **attrs)
    if text is not None:
        e.text = text
    return e


def _coords(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{lon:.7f},{lat:.7f}" for lat, lon in points)


def _polys(g: Polygon | MultiPolygon) -> list[Polygon]:
    return list(g.geoms) if isinstance(g, MultiPolygon) else [g]


def _polygon(pm: etree._Element, poly: Polygon) -> None:
    pg = _el(pm, "Polygon")
    outer = _el(_el(pg, "outerBoundaryIs"), "LinearRing")
    _el(outer, "coordinates", " ".join(f"{x:.7f},{y:.7f}" for x, y in poly.exterior.coords))
    for hole in poly.interiors:
        ring = _el(_el(pg, "innerBoundaryIs"), "LinearRing")
        _el(ring, "coordinates", " ".join(f"{x:.7f},{y:.7f}" for x, y in hole.coords))


def render_kml(state: LiveState) -> str:
    """The whole live map as one KML document."""
    root = etree.Element(f"{{{KML_NS}}}kml", nsmap={None: KML_NS})
    doc = _el(root, "Document")
    _el(doc, "name", state.title)
    if state.updated:
        _el(doc, "description", f"updated {state.updated}")
    for sid, (line, fill) in _STYLES.items():
        st = _el(doc, "Style", id=sid)
        if sid in ("vehicle", "pending", "confirmed", "rejected", "marker"):
            icon = _el(st, "IconStyle")
            _el(icon, "color", line)
            _el(icon, "scale", "1.2" if sid in ("vehicle", "confirmed") else "1.0")
        ls = _el(st, "LineStyle")
        _el(ls, "color", line)
        _el(ls, "width", "2")
        if fill:
            _el(_el(st, "PolyStyle"), "color", fill)
    if state.area is not None:
        for poly in _polys(state.area):
            pm = _el(doc, "Placemark")
            _el(pm, "name", "Search area")
            _el(pm, "styleUrl", "#area")
            _polygon(pm, poly)
    if state.coverage is not None and not state.coverage.is_empty:
        for poly in _polys(state.coverage):
            pm = _el(doc, "Placemark")
            _el(pm, "name", "Covered")
            _el(pm, "styleUrl", "#coverage")
            _polygon(pm, poly)
    for v in state.vehicles:
        pm = _el(doc, "Placemark", id=v.uid)
        _el(pm, "name", v.name)
        _el(pm, "styleUrl", "#vehicle")
        _el(pm, "description", f"alt {v.alt:.0f} m, heading {v.heading:.0f}°")
        st = _el(pm, "Style")
        _el(_el(st, "IconStyle"), "heading", f"{v.heading:.0f}")
        pt = _el(pm, "Point")
        _el(pt, "coordinates", f"{v.lon:.7f},{v.lat:.7f}")
        if len(v.track) >= 2:
            tr = _el(doc, "Placemark", id=f"{v.uid}-track")
            _el(tr, "name", f"{v.name} track")
            _el(tr, "styleUrl", "#track")
            _el(_el(tr, "LineString"), "coordinates", _coords(v.track))
    for p in state.points:
        pm = _el(doc, "Placemark", id=p.uid)
        _el(pm, "name", p.name)
        _el(pm, "styleUrl", f"#{p.style if p.style in _STYLES else 'marker'}")
        if p.description:
            _el(pm, "description", p.description)
        _el(_el(pm, "Point"), "coordinates", f"{p.lon:.7f},{p.lat:.7f}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def render_geojson(state: LiveState) -> str:
    """The same map as a GeoJSON FeatureCollection (``kind`` property tells the layers apart in QGIS)."""
    feats: list[dict[str, Any]] = []
    if state.area is not None:
        feats.append({"type": "Feature", "geometry": mapping(state.area), "properties": {"kind": "area",
                                                                                          "name": "Search area"}})
    if state.coverage is not None and not state.coverage.is_empty:
        feats.append({"type": "Feature", "geometry": mapping(state.coverage),
                      "properties": {"kind": "coverage", "name": "Covered"}})
    for v in state.vehicles:
        feats.append({"type": "Feature", "id": v.uid, "geometry": {"type": "Point", "coordinates": [v.lon, v.lat]},
                      "properties": {"kind": "vehicle", "name": v.name, "alt": v.alt, "heading": v.heading}})
        if len(v.track) >= 2:
            feats.append({"type": "Feature", "id": f"{v.uid}-track",
                          "geometry": {"type": "LineString", "coordinates": [[lon, lat] for lat, lon in v.track]},
                          "properties": {"kind": "track", "name": f"{v.name} track"}})
    for p in state.points:
        feats.append({"type": "Feature", "id": p.uid, "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                      "properties": {"kind": p.style, "name": p.name, "description": p.description}})
    return json.dumps({"type": "FeatureCollection", "name": state.title, "updated": state.updated,
                       "features": feats})


def network_link_kml(href: str, *, refresh_s: float = 5.0, name: str = "SAR mission (live)") -> str:
    """The KML a person opens once in Google Earth: it re-reads ``href`` every ``refresh_s`` seconds."""
    root = etree.Element(f"{{{KML_NS}}}kml", nsmap={None: KML_NS})
    nl = _el(root, "NetworkLink")
    _el(nl, "name", name)
    _el(nl, "refreshVisibility", "0")
    _el(nl, "flyToView", "0")
    link = _el(nl, "Link")
    _el(link, "href", href)
    _el(link, "refreshMode", "onInterval")
    _el(link, "refreshInterval", f"{max(1.0, refresh_s):g}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


class LiveMapWriter:
    """Keeps ``live.kml``, ``live.geojson`` and ``live-link.kml`` in ``folder`` up to date.

    ``update`` rewrites both data files atomically; call it at the rate the map should move
    (about once a second). The link file is written once, pointing at ``live.kml`` by its file
    name so the folder can be moved or shared as a whole.
    """

    def __init__(self, folder: str | os.PathLike[str], *, refresh_s: float = 5.0, title: str = "SAR mission") -> None:
        self.folder = Path(folder)
        self.kml_path = self.folder / "live.kml"
        self.geojson_path = self.folder / "live.geojson"
        self.link_path = self.folder / "live-link.kml"
        self.updates = 0
        write_atomic(self.link_path, network_link_kml(self.kml_path.name, refresh_s=refresh_s,
                                                      name=f"{title} (live)"))

    def update(self, state: LiveState) -> None:
        write_atomic(self.kml_path, render_kml(state))
        write_atomic(self.geojson_path, render_geojson(state))
        self.updates += 1
