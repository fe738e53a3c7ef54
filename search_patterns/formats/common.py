"""Shared pieces of the file-format readers and writers.

Every reader turns a file into :class:`SearchArea` or :class:`Plan` and rejects anything it
cannot use with an :class:`InputError` that names the file and the place in it; every
writer goes through :func:`write_atomic` so a crash never leaves half a file.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import Polygon

from search_patterns.area import SearchArea
from search_patterns.errors import InputError
from search_patterns.validate import check_polygon

# Names that mark a polygon as a no-fly zone rather than an area to search.
EXCLUSION_NAME = re.compile(r"no[\s_-]*fly|exclu|nfz|restricted|forbidden", re.IGNORECASE)
PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class NamedPolygon:
    """A polygon read from a file (lon/lat), its name and whether the file marks it a no-fly zone."""

    polygon: Polygon
    name: str
    exclusion: bool = False


def ring_from_latlon(points: Sequence[Sequence[float]], where: str) -> list[tuple[float, float]]:
    """(lat, lon) pairs → closed-or-not list of (lon, lat) tuples, checking the numbers."""
    out = []
    for i, p in enumerate(points, start=1):
        try:
            lat, lon = float(p[0]), float(p[1])
        except (TypeError, ValueError, IndexError) as exc:
            raise InputError(f"point {i} is not a latitude, longitude pair: {p!r}", where=where) from exc
        out.append((lon, lat))
    return out


def make_polygon(shell: Sequence[tuple[float, float]], holes: Sequence[Sequence[tuple[float, float]]] = (),
                 where: str = "polygon") -> Polygon:
    """A polygon from (lon, lat) rings, refusing rings with fewer than three distinct points."""
    rings = [list(shell), *[list(h) for h in holes]]
    for k, r in enumerate(rings):
        distinct = {tuple(p) for p in r}
        if len(distinct) < 3:
            what = "outline" if k == 0 else f"hole {k}"
            raise InputError(f"{what} has {len(distinct)} distinct points; a polygon needs at least 3", where=where)
    return Polygon(rings[0], rings[1:])


def choose_area(polys: list[NamedPolygon], path: PathLike, name: str | None) -> SearchArea:
    """Pick the search polygon (by ``name`` when given) and collect the no-fly zones."""
    src = str(path)
    if not polys:
        raise InputError("no polygon found", where=src)
    if name is not None:
        wanted = [p for p in polys if p.name.strip().lower() == name.strip().lower()]
        if not wanted:
            wanted = [p for p in polys if name.strip().lower() in p.name.lower()]
        if not wanted:
            names = ", ".join(repr(p.name) for p in polys)
            raise InputError(f"no polygon named {name!r}; the file has {names}", where=src)
        if len(wanted) > 1:
            names = ", ".join(repr(p.name) for p in wanted)
            raise InputError(f"several polygons match {name!r}: {names}", where=src)
        main = wanted[0]
    else:
        candidates = [p for p in polys if not p.exclusion]
        if not candidates:
            raise InputError("the file holds only no-fly zones, no area to search", where=src)
        if len(candidates) > 1:
            names = ", ".join(repr(p.name) for p in candidates)
            raise InputError(f"{len(candidates)} polygons ({names}): choose one by name", where=src)
        main = candidates[0]
    check_polygon(main.polygon, f"{src}: polygon {main.name!r}")
    exclusions = []
    for p in polys:
        if p is main or not p.exclusion:
            continue
        check_polygon(p.polygon, f"{src}: no-fly zone {p.name!r}")
        exclusions.append(p.polygon)
    return SearchArea(main.polygon, tuple(exclusions), name=main.name or Path(src).stem, source=src)


#: Area and plan files are kilobytes to a few megabytes; a file past this is refused before it is read,
#: so a wrong file (a video, a disk image) cannot exhaust the laptop's memory.
MAX_FILE_BYTES = 64 * 1024 * 1024


def read_bytes(path: PathLike) -> bytes:
    """The file's bytes, refusing missing files and files larger than MAX_FILE_BYTES by name."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{size / 2**20:,.0f} MiB is larger than an area or plan file can be "
                             f"({MAX_FILE_BYTES / 2**20:.0f} MiB at most)", where=str(path))
        return p.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("file not found", where=str(path)) from exc
    except IsADirectoryError as exc:
        raise InputError("is a folder, not a file", where=str(path)) from exc


def read_text(path: PathLike) -> str:
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def check_plan_values(waypoints: Sequence, home: tuple[float, float] | None, path: PathLike) -> None:
    """Refuse a plan whose numbers cannot be a place: a damaged file read "successfully" must not fly."""
    where = str(path)
    for i, w in enumerate(waypoints, start=1):
        for what, v, lim in (("latitude", w.lat, 90.0), ("longitude", w.lon, 180.0), ("altitude", w.alt, 1e5)):
            if not isinstance(v, (int, float)) or not math.isfinite(v) or abs(v) > lim:
                raise InputError(f"waypoint {i}: {what} {v!r} is not a valid value", where=where)
    if home is not None:
        lat, lon = home
        if not (isinstance(lat, (int, float)) and isinstance(lon, (int, float)) and math.isfinite(lat)
                and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
            raise InputError(f"home {home!r} is not a valid latitude, longitude", where=where)


#: MAV_FRAME values whose x, y are latitude, longitude (GLOBAL, GLOBAL_RELATIVE_ALT, their _INT forms, TERRAIN_ALT).
GLOBAL_FRAMES = (0, 3, 5, 6, 10, 11)


def check_item_values(items: Sequence, path: PathLike) -> None:
    """Refuse mission items whose position cannot be a place, naming the item (seq) and the number."""
    for seq, it in enumerate(items):
        if it.frame not in GLOBAL_FRAMES:
            continue
        for what, v, lim in (("latitude", it.x, 90.0), ("longitude", it.y, 180.0), ("altitude", it.z, 1e5)):
            if not math.isfinite(v) or abs(v) > lim:
                raise InputError(f"mission item {seq}: {what} {v!r} is not a valid value", where=str(path))

