"""KML and KMZ: areas from CalTopo and Google Earth, plans for Google Earth and CalTopo.

Reading uses lxml and accepts KML 2.2 with or without the namespace, polygons directly in
a Placemark or inside a MultiGeometry, and closed LineStrings (how some tools save drawn
areas). A Placemark whose name says "no-fly" or "exclusion" is a no-fly zone. Writing
produces a Document with the path (altitude relative to ground, which is how the drone
flies it), numbered waypoints, the launch point and the area with its no-fly zones.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from lxml import etree

from search_patterns.area import SearchArea
from search_patterns.atomic import write_atomic
from search_patterns.errors import InputError
from search_patterns.formats.common import (
    EXCLUSION_NAME,
    MAX_FILE_BYTES,
    NamedPolygon,
    PathLike,
    choose_area,
    make_polygon,
    read_bytes,
)
from search_patterns.plan import Plan, Waypoint

KML_NS = "http://www.opengis.net/kml/2.2"


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _kml_bytes(path: PathLike) -> bytes:
    data = read_bytes(path)
    if data[:2] == b"PK":  # KMZ: a zip whose main document is doc.kml (or the first .kml)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = [n for n in z.namelist() if n.lower().endswith(".kml")]
                if not names:
                    raise InputError("KMZ archive holds no .kml document", where=str(path))
                main = "doc.kml" if "doc.kml" in names else sorted(names)[0]
                # a zip bomb says (or lies about) its size: read at most the limit plus one byte
                with z.open(main) as member:
                    kml = member.read(MAX_FILE_BYTES + 1)
                if len(kml) > MAX_FILE_BYTES:
                    raise InputError(f"{main} inside the KMZ unpacks to more than {MAX_FILE_BYTES // 2**20} MiB",
                                     where=str(path))
                return kml
        except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, NotImplementedError, RuntimeError,
                OSError) as exc:  # zipfile raises all of these on damaged archives
            raise InputError(f"damaged KMZ (zip) archive ({exc})", where=str(path)) from exc
    return data


def _parse(path: PathLike) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        return etree.fromstring(_kml_bytes(path), parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"not valid KML/XML: {exc.msg} (line {exc.lineno})", where=str(path)) from exc


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c.tag) == name]


def _descendants(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el.iter() if _local(c.tag) == name]


def _coords(text: str | None, where: str) -> list[tuple[float, ...]]:
    out = []
    for k, tok in enumerate((text or "").split(), start=1):
        parts = tok.split(",")
        try:
            vals = tuple(float(v) for v in parts if v != "")
        except ValueError as exc:
            raise InputError(f"coordinate {k} {tok!r} is not lon,lat[,alt]", where=where) from exc
        if len(vals) < 2:
            raise InputError(f"coordinate {k} {tok!r} is not lon,lat[,alt]", where=where)
        out.append(vals)
    return out


def _name(pm: etree._Element, default: str) -> str:
    for c in pm:
        if _local(c.tag) == "name" and (c.text or "").strip():
            return c.text.strip()
    return default


def polygons_from_kml(path: PathLike) -> list[NamedPolygon]:
    root = _parse(path)
    out: list[NamedPolygon] = []
    for i, pm in enumerate(_descendants(root, "Placemark"), start=1):
        name = _name(pm, f"placemark {i}")
        where = f"{path}: placemark {name!r}"
        excl = bool(EXCLUSION_NAME.search(name))
        polys = _descendants(pm, "Polygon")
        for k, poly in enumerate(polys):
            outer = [r for b in _children(poly, "outerBoundaryIs") for r in _descendants(b, "coordinates")]
            if not outer:
                raise InputError("polygon without outerBoundaryIs coordinates", where=where)
            shell = [c[:2] for c in _coords(outer[0].text, where)]
            holes = [[c[:2] for c in _coords(r.text, where)]
                     for b in _children(poly, "innerBoundaryIs") for r in _descendants(b, "coordinates")]
            label = name if len(polys) == 1 else f"{name} {k + 1}"
            out.append(NamedPolygon(make_polygon(shell, holes, where), label, excl))
        if not polys:
            for ls in _descendants(pm, "LineString"):
                pts = [c[:2] for c in _coords(" ".join(x.text or "" for x in _descendants(ls, "coordinates")), where)]
                if len(pts) >= 4 and pts[0] == pts[-1]:
                    out.append(NamedPolygon(make_polygon(pts, (), where), name, excl))
    return out


def read_area_kml(path: PathLike, name: str | None = None) -> SearchArea:
    return choose_area(polygons_from_kml(path), path, name)


# ---------------------------------------------------------------- writing

def _E(tag: str, *children: etree._Element, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.Element(f"{{{KML_NS}}}{tag}", nsmap={None: KML_NS}, **attrs)
    if text is not None:
        el.text = text
    el.extend(children)
    return el


def _ring(coords: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.9f},{y:.9f},0" for x, y in coords)


def _polygon_placemark(poly, name: str, style: str) -> etree._Element:
    boundaries = [_E("outerBoundaryIs", _E("LinearRing", _E("coordinates", text=_ring(list(poly.exterior.coords)))))]
    boundaries += [_E("innerBoundaryIs", _E("LinearRing", _E("coordinates", text=_ring(list(r.coords)))))
                   for r in poly.interiors]
    return _E("Placemark", _E("name", text=name), _E("styleUrl", text=f"#{style}"), _E("Polygon", *boundaries))


def _area_placemarks(area: SearchArea) -> list[etree._Element]:
    polys = list(getattr(area.polygon, "geoms", [area.polygon]))
    out = [_polygon_placemark(p, area.name if len(polys) == 1 else f"{area.name} {i + 1}", "area")
           for i, p in enumerate(polys)]
    out += [_polygon_placemark(e, f"no-fly zone {k}", "nofly") for k, e in enumerate(area.exclusions, start=1)]
    return out


def _styles() -> list[etree._Element]:
    def style(sid: str, line: str, width: str, poly: str | None) -> etree._Element:
        parts = [_E("LineStyle", _E("color", text=line), _E("width", text=width))]
        if poly:
            parts.append(_E("PolyStyle", _E("color", text=poly)))
        return _E("Style", *parts, id=sid)
    return [style("path", "ffb45014", "3", None), style("area", "ff3c823c", "2", "4050c850"),
            style("nofly", "ff1e1ec8", "2", "601e1ec8")]


def area_kml(area: SearchArea) -> bytes:
    doc = _E("Document", _E("name", text=area.name), *_styles(), *_area_placemarks(area))
    return _serialise(_E("kml", doc))


def _serialise(root: etree._Element) -> bytes:
    etree.cleanup_namespaces(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def plan_kml(plan: Plan, area: SearchArea | None = None) -> bytes:
    path_pm = _E("Placemark", _E("name", text="path"),
                 _E("description", text=f"{plan.pattern}: {plan.stats.waypoints} waypoints, "
                                        f"{plan.stats.length_m:.0f} m, {plan.stats.duration_s / 60:.1f} min"),
                 _E("styleUrl", text="#path"),
                 _E("LineString", _E("tessellate", text="1"), _E("altitudeMode", text="relativeToGround"),
                    _E("coordinates", text=" ".join(f"{w.lon:.9f},{w.lat:.9f},{w.alt:.3f}" for w in plan.waypoints))))
    wps = _E("Folder", _E("name", text="waypoints"),
             *[_E("Placemark", _E("name", text=f"WP {i}"),
                  _E("Point", _E("altitudeMode", text="relativeToGround"),
                     _E("coordinates", text=f"{w.lon:.9f},{w.lat:.9f},{w.alt:.3f}")))
               for i, w in enumerate(plan.waypoints, start=1)])
    items = [_E("name", text=plan.name), *_styles(), path_pm, wps]
    if plan.home:
        items.append(_E("Placemark", _E("name", text="home"),
                        _E("Point", _E("coordinates", text=f"{plan.home[1]:.9f},{plan.home[0]:.9f},0"))))
    if area is not None:
        items.append(_E("Folder", _E("name", text="area"), *_area_placemarks(area)))
    return _serialise(_E("kml", _E("Document", *items)))


def _write(path: PathLike, kml: bytes) -> None:
    if str(path).lower().endswith(".kmz"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("doc.kml", kml)
        write_atomic(path, buf.getvalue())
    else:
        write_atomic(path, kml)


def write_area_kml(area: SearchArea, path: PathLike) -> None:
    _write(path, area_kml(area))


def write_plan_kml(plan: Plan, path: PathLike, area: SearchArea | None = None) -> None:
    _write(path, plan_kml(plan, area))


def read_plan_kml(path: PathLike) -> Plan:
    """The path LineString (the one named 'path', else the first) and the 'home' point."""
    root = _parse(path)
    line = None
    home = None
    name = "plan"
    for pm in _descendants(root, "Placemark"):
        pname = _name(pm, "")
        ls = _descendants(pm, "LineString")
        if ls and (line is None or pname.lower() == "path"):
            line = ls[0]
        if pname.lower() in ("home", "launch", "h") and _descendants(pm, "Point"):
            c = _coords(_descendants(pm, "coordinates")[0].text, f"{path}: home")
            home = (c[0][1], c[0][0])
    for d in _descendants(root, "Document")[:1]:
        name = _name(d, name)
    if line is None:
        raise InputError("no LineString path found", where=str(path))
    coords = _coords(" ".join(c.text or "" for c in _descendants(line, "coordinates")), f"{path}: path")
    wps = tuple(Waypoint(c[1], c[0], c[2] if len(c) > 2 else 0.0) for c in coords)
    return Plan(waypoints=wps, pattern="custom", home=home, name=name)
