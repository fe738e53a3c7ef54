"""Well-known text areas: ``POLYGON ((lon lat, ...))`` or ``MULTIPOLYGON``, as GIS tools copy them."""

from __future__ import annotations

from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon

from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError
from search_patterns.formats.common import NamedPolygon, PathLike, choose_area, read_text


def polygons_from_wkt(path: PathLike) -> list[NamedPolygon]:
    text = read_text(path).strip()
    try:
        g = shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        raise InputError(f"not valid WKT: {exc}", where=str(path)) from exc
    stem = Path(path).stem
    if isinstance(g, Polygon):
        return [NamedPolygon(shapely.force_2d(g), stem)]
    if isinstance(g, MultiPolygon):
        parts = list(shapely.force_2d(g).geoms)
        return [NamedPolygon(p, f"{stem} {k}") for k, p in enumerate(parts, start=1)]
    raise InputError(f"WKT holds a {g.geom_type}, not a POLYGON or MULTIPOLYGON", where=str(path))


def read_area_wkt(path: PathLike, name: str | None = None) -> SearchArea:
    polys = polygons_from_wkt(path)
    if len(polys) > 1 and name is None:
        # one multipolygon is one area in several pieces
        return choose_area([NamedPolygon(MultiPolygon([p.polygon for p in polys]), Path(path).stem)], path, None)
    return choose_area(polys, path, name)


def write_area_wkt(area: SearchArea, path: PathLike) -> None:
    if area.exclusions:
        raise InputError("WKT holds one polygon; use GeoJSON or KML to keep the no-fly zones", where=str(path))
    write_atomic(path, shapely.to_wkt(area.polygon, rounding_precision=9) + "\n")
