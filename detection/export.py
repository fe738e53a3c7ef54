"""Sightings out to the tools search teams use: GeoJSON (CalTopo, QGIS), KML (Google Earth,
CalTopo, ATAK import) and CSV (spreadsheets). Written atomically."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from detection.types import Sighting
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError

KML_NS = "http://www.opengis.net/kml/2.2"
_STYLE_COLOURS = {"new": "ff00a5ff", "confirmed": "ff0000ff", "rejected": "ff808080"}  # aabbggrr


def _iso(t: float | None) -> str:
    if t is None:
        return ""
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).isoformat(timespec="seconds")


def _placed(sightings: Sequence[Sighting]) -> list[Sighting]:
    return [s for s in sightings if s.lat is not None and s.lon is not None]


def to_geojson(sightings: Sequence[Sighting]) -> str:
    feats = []
    for s in _placed(sightings):
        feats.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(s.lon, 7), round(s.lat, 7)]},
            "properties": {
                "id": s.id, "title": f"Sighting {s.id} ({s.state})", "score": round(s.score, 3),
                "error_m": None if s.error_m is None else round(s.error_m, 1), "detections": s.n_detections,
                "first_seen": _iso(s.first_time), "last_seen": _iso(s.last_time), "state": s.state,
                "note": s.note, "detectors": list(s.detectors)},
        })
    return json.dumps({"type": "FeatureCollection", "features": feats}, indent=1)


def to_kml(sightings: Sequence[Sighting], name: str = "Sightings") -> str:
    k = "{" + KML_NS + "}"
    root = etree.Element(k + "kml", nsmap={None: KML_NS})
    doc = etree.SubElement(root, k + "Document")
    etree.SubElement(doc, k + "name").text = name
    for state, colour in _STYLE_COLOURS.items():
        st = etree.SubElement(doc, k + "Style", id=f"sighting-{state}")
        icon = etree.SubElement(st, k + "IconStyle")
        etree.SubElement(icon, k + "color").text = colour
    for s in _placed(sightings):
        pm = etree.SubElement(doc, k + "Placemark")
        etree.SubElement(pm, k + "name").text = f"Sighting {s.id}"
        etree.SubElement(pm, k + "description").text = (
            f"state {s.state}; score {s.score:.2f}; {s.n_detections} detections; "
            f"error ±{(s.error_m or 0):.1f} m; seen {_iso(s.first_time)}" + (f"; note: {s.note}" if s.note else ""))
        etree.SubElement(pm, k + "styleUrl").text = f"#sighting-{s.state}"
        ts = etree.SubElement(pm, k + "TimeStamp")
        etree.SubElement(ts, k + "when").text = _iso(s.first_time)
        pt = etree.SubElement(pm, k + "Point")
        etree.SubElement(pt, k + "coordinates").text = f"{s.lon:.7f},{s.lat:.7f},0"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


CSV_FIELDS = ["id", "lat", "lon", "error_m", "score", "detections", "first_seen", "last_seen", "state", "note",
              "detectors"]


def to_csv(sightings: Sequence[Sighting]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_FIELDS)
    for s in sightings:
        w.writerow([s.id, "" if s.lat is None else f"{s.lat:.7f}", "" if s.lon is None else f"{s.lon:.7f}",
                    "" if s.error_m is None else f"{s.error_m:.1f}", f"{s.score:.3f}", s.n_detections,
                    _iso(s.first_time), _iso(s.last_time), s.state, s.note, "+".join(s.detectors)])
    return buf.getvalue()


def export_sightings(sightings: Sequence[Sighting], path: str | Path) -> Path:
    """Write sightings to ``path``; the format follows the suffix (.geojson/.json, .kml, .csv)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".geojson", ".json"):
        text = to_geojson(sightings)
    elif suffix == ".kml":
        text = to_kml(sightings)
    elif suffix == ".csv":
        text = to_csv(sightings)
    else:
        raise InputError("export format follows the file suffix: .geojson, .kml or .csv", where=str(p))
    return write_atomic(p, text)
