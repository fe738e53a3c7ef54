"""Coverage as map layers: GeoJSON files and one KML, plus the JSON summary.

Why these formats: coordinators look at coverage in CalTopo/SARTopo (imports GeoJSON and
KML, and honours the "simplestyle" ``stroke``/``fill`` properties) and Google Earth (KML
with folders). Each layer is its own GeoJSON file so it can be imported or hidden on its
own; ``coverage.kml`` carries them all as folders.

The POD grid is written as polygons of cells merged by POD band (0.1 wide), each with its
area-weighted ``pod`` and the band's ``pod_min``/``pod_max``. Cell-by-cell polygons
would be 160,000 features for a 4 km² area at 5 m, more than a web map can draw.

Every file goes through :func:`search_patterns.atomic.write_atomic`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from lxml import etree
from shapely.geometry import LineString, MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from search_patterns.atomic import write_atomic
from search_patterns.coverage import CoverageResult
from search_patterns.replan import under_target_regions

KML_NS = "http://www.opengis.net/kml/2.2"
LAYER_FILES = {
    "coverage": "coverage.geojson",
    "gaps": "gaps.geojson",
    "pod": "pod.geojson",
    "track": "track.geojson",
    "under_target": "under_target.geojson",
}
COVERAGE_COLOR = "#2e7dd7"
GAP_COLOR = "#e0261b"
TRACK_COLOR = "#ffb000"
TRANSIT_COLOR = "#9a9a9a"
UNDER_COLOR = "#ff7f00"


def pod_color(pod: float) -> str:
    """Red (0) → yellow (0.5) → green (1), as #rrggbb."""
    p = float(np.clip(pod, 0.0, 1.0))
    r = 1.0 if p < 0.5 else 2.0 * (1.0 - p)
    g = 2.0 * p if p < 0.5 else 1.0 - 0.35 * (p - 0.5) * 2
    return f"#{int(r * 220):02x}{int(g * 200):02x}{40:02x}"


def _round(geom: BaseGeometry, digits: int = 7) -> BaseGeometry:
    return shapely.transform(geom, lambda c: np.round(c, digits))


def _feature(geom: BaseGeometry, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(_round(geom)), "properties": props}


def _polys(geom: BaseGeometry) -> list[Polygon]:
    return [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]


def pod_band_polygons(res: CoverageResult, step: float = 0.1) -> list[tuple[Polygon, dict[str, float]]]:
    """POD grid cells merged by band into polygons (local metres) with their POD numbers."""
    grid, pod = res.grid, res.pod
    inside = grid.weight > 0
    band = np.minimum((pod / step).astype(int), int(round(1 / step)) - 1)
    out: list[tuple[Polygon, dict[str, float]]] = []
    for b in np.unique(band[inside]):
        rows, cols = np.nonzero(inside & (band == b))
        merged = shapely.coverage_union_all(grid.cell_boxes(rows, cols))
        clipped = merged.intersection(res.searchable_local)
        cx = grid.x0 + (cols + 0.5) * grid.cell_m
        cy = grid.y0 + (rows + 0.5) * grid.cell_m
        for part in _polys(clipped):
            shapely.prepare(part)
            sel = shapely.contains_xy(part.buffer(grid.cell_m * 0.01), cx, cy)
            w = grid.weight[rows[sel], cols[sel]]
            vals = pod[rows[sel], cols[sel]]
            mean = float((vals * w).sum() / w.sum()) if w.sum() > 0 else float(b * step)
            out.append((part, {"pod": round(mean, 4), "pod_min": round(b * step, 2),
                               "pod_max": round(min(1.0, (b + 1) * step), 2)}))
    return out


def build_layers(res: CoverageResult) -> dict[str, dict[str, Any]]:
    """All layers as GeoJSON FeatureCollections (lon/lat), keyed like :data:`LAYER_FILES`."""
    proj = res.projection
    s = res.summary
    # 10 cm simplification: the union of swath pieces carries thousands of collinear vertices
    cov = proj.geometry_to_lonlat(shapely.simplify(res.covered_local, 0.1))
    layers: dict[str, dict[str, Any]] = {}
    cov_feats = []
    if not cov.is_empty:
        cov_feats.append(_feature(cov, {"layer": "coverage", "title": "Seen by the camera",
                                        "covered_fraction": s["covered_fraction"], "flown_length_m": s["flown_length_m"],
                                        "stroke": COVERAGE_COLOR, "fill": COVERAGE_COLOR, "fill-opacity": 0.25}))
    layers["coverage"] = {"type": "FeatureCollection", "features": cov_feats}
    layers["gaps"] = {"type": "FeatureCollection", "features": [
        _feature(g.polygon_lonlat, {"layer": "gap", "title": f"Gap {i + 1}", **g.as_dict(i + 1),
                                    "stroke": GAP_COLOR, "fill": GAP_COLOR, "fill-opacity": 0.35})
        for i, g in enumerate(res.gaps)]}
    pod_feats = []
    for poly, props in pod_band_polygons(res):
        color = pod_color(props["pod"])
        pod_feats.append(_feature(proj.geometry_to_lonlat(poly), {
            "layer": "pod", "title": f"POD {props['pod']:.2f}", **props,
            "stroke": color, "stroke-width": 0, "fill": color, "fill-opacity": 0.45}))
    layers["pod"] = {"type": "FeatureCollection", "features": pod_feats}
    under = under_target_regions(res.grid, res.pod, res.settings.target_pod, min_size_m=res.settings.min_gap_m)
    layers["under_target"] = {"type": "FeatureCollection", "features": [
        _feature(proj.geometry_to_lonlat(p), {"layer": "under_target", "title": f"Below POD {res.settings.target_pod}",
                                              "target_pod": res.settings.target_pod, "area_m2": round(p.area, 1),
                                              "stroke": UNDER_COLOR, "fill": UNDER_COLOR, "fill-opacity": 0.2})
        for p in under]}
    track_feats = []
    for sortie, tr in enumerate(res.tracks, start=1):
        if len(tr.lat) < 2:
            continue
        # split where the segment number or the searching flag changes
        key = tr.segment * 2 + tr.searching.astype(int)
        cuts = np.flatnonzero(np.diff(key)) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(key)], strict=True):
            if b - a < 2:
                continue
            searching = bool(tr.searching[a])
            line = LineString(np.c_[tr.lon[a:b], tr.lat[a:b]])
            track_feats.append(_feature(line, {
                "layer": "track", "title": f"Sortie {sortie}" + ("" if searching else " (not searching)"),
                "sortie": sortie, "searching": searching, "start_time": float(tr.time[a]),
                "end_time": float(tr.time[b - 1]), "stroke": TRACK_COLOR if searching else TRANSIT_COLOR,
                "stroke-width": 2}))
    layers["track"] = {"type": "FeatureCollection", "features": track_feats}
    return layers


# --- KML -------------------------------------------------------------------------------------

def _kml_color(hex_rgb: str, alpha: float) -> str:
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"{int(alpha * 255):02x}{b}{g}{r}"


def _k(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{KML_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _coords(xy: np.ndarray) -> str:
    return " ".join(f"{x:.7f},{y:.7f},0" for x, y in xy)


def _kml_geometry(parent: etree._Element, geom: dict[str, Any]) -> None:
    t = geom["type"]
    if t in ("MultiPolygon", "MultiLineString"):
        multi = _k(parent, "MultiGeometry")
        for part in geom["coordinates"]:
            _kml_geometry(multi, {"type": t[5:], "coordinates": part})
    elif t == "Polygon":
        poly = _k(parent, "Polygon")
        for i, ring in enumerate(geom["coordinates"]):
            b = _k(poly, "outerBoundaryIs" if i == 0 else "innerBoundaryIs")
            _k(_k(b, "LinearRing"), "coordinates", _coords(np.asarray(ring)))
    elif t == "LineString":
        ls = _k(parent, "LineString")
        _k(ls, "tessellate", "1")
        _k(ls, "coordinates", _coords(np.asarray(geom["coordinates"])))


def layers_to_kml(layers: dict[str, dict[str, Any]], name: str) -> bytes:
    """One KML document with a folder per layer, styled like the GeoJSON."""
    root = etree.Element(f"{{{KML_NS}}}kml", nsmap={None: KML_NS})
    doc = _k(root, "Document")
    _k(doc, "name", name)
    titles = {"coverage": "Coverage (seen)", "gaps": "Gaps", "pod": "POD", "under_target": "Below target POD",
              "track": "Flown track"}
    for key in ("pod", "coverage", "under_target", "gaps", "track"):
        folder = _k(doc, "Folder")
        _k(folder, "name", titles[key])
        if key == "pod":
            _k(folder, "visibility", "1")
        for feat in layers[key]["features"]:
            p = feat["properties"]
            pm = _k(folder, "Placemark")
            _k(pm, "name", str(p.get("title", key)))
            desc = ", ".join(f"{k}={v}" for k, v in p.items()
                             if k not in ("title", "stroke", "fill", "fill-opacity", "stroke-width", "layer"))
            _k(pm, "description", desc)
            style = _k(pm, "Style")
            ls = _k(style, "LineStyle")
            _k(ls, "color", _kml_color(p.get("stroke", "#000000"), 1.0))
            _k(ls, "width", str(p.get("stroke-width", 2) or 0.5))
            if "fill" in p:
                _k(_k(style, "PolyStyle"), "color", _kml_color(p["fill"], float(p.get("fill-opacity", 0.3))))
            ext = _k(pm, "ExtendedData")
            for k, v in p.items():
                if k in ("pod", "pod_min", "pod_max", "area_m2", "covered_fraction", "sortie", "searching", "id"):
                    d = _k(ext, "Data")
                    d.set("name", k)
                    _k(d, "value", str(v))
            _kml_geometry(pm, feat["geometry"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_coverage_outputs(res: CoverageResult, out_dir: str | os.PathLike[str], *,
                           extra_summary: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ``summary.json``, the GeoJSON layers and ``coverage.kml`` into ``out_dir``.

    Returns the paths written, keyed by layer name (plus ``summary`` and ``kml``). The
    summary lists the layer files by name so a reader (``sargc plan gaps``) finds them.
    """
    out = Path(out_dir)
    layers = build_layers(res)
    written: dict[str, Path] = {}
    for key, fname in LAYER_FILES.items():
        written[key] = write_atomic(out / fname, json.dumps(layers[key], separators=(",", ":")))
    written["kml"] = write_atomic(out / "coverage.kml", layers_to_kml(layers, f"Coverage: {res.area.name}"))
    summary = dict(res.summary)
    summary["layers"] = {**LAYER_FILES, "kml": "coverage.kml"}
    summary["area"] = {"name": res.area.name, "polygon": mapping(_round(res.area.polygon)),
                       "exclusions": [mapping(_round(e)) for e in res.area.exclusions]}
    if extra_summary:
        summary.update(extra_summary)
    written["summary"] = write_atomic(out / "summary.json", json.dumps(summary, indent=2))
    return written


def read_polygons(path: str | os.PathLike[str]) -> list[Polygon]:
    """Polygons (lon/lat) of a GeoJSON layer we wrote (gaps, under-target regions)."""
    from shapely.geometry import shape

    from search_patterns.errors import InputError

    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        polys: list[Polygon] = []
        for f in data["features"]:
            g = shape(f["geometry"])
            polys.extend(_polys(g) if isinstance(g, MultiPolygon | Polygon) else [])
        return polys
    except FileNotFoundError:
        raise InputError("layer file not found", where=str(p)) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a GeoJSON layer: {exc}", where=str(p)) from None
