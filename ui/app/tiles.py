"""Offline map tiles and Web-Mercator arithmetic (no Qt).

Field laptops are often offline, so tiles come from disk: an XYZ folder
(``{z}/{x}/{y}.png``, the layout most tile downloaders write) or an MBTiles file (SQLite,
TMS row order). When neither is installed the map draws a generated grid instead; the grid
math lives here too, so it can be tested without a screen.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Protocol

from search_patterns.errors import InputError

TILE_PX = 256
MAX_LAT = 85.05112878


def world_px(lat: float, lon: float, zoom: float) -> tuple[float, float]:
    """Latitude/longitude → Web-Mercator pixel position at a (fractional) zoom level."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    n = TILE_PX * 2.0**zoom
    x = (lon + 180.0) / 360.0 * n
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n
    return x, y


def latlon_at(x: float, y: float, zoom: float) -> tuple[float, float]:
    """Web-Mercator pixel position at ``zoom`` → latitude/longitude."""
    n = TILE_PX * 2.0**zoom
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lat, lon


def metres_per_px(lat: float, zoom: float) -> float:
    """Ground metres covered by one screen pixel at this latitude and zoom."""
    return 40075016.686 * math.cos(math.radians(lat)) / (TILE_PX * 2.0**zoom)


def nice_length(max_m: float) -> float:
    """The largest 1-2-5 × 10^k length not above ``max_m`` (for scale bars and grid spacing)."""
    if max_m <= 0:
        return 1.0
    k = math.floor(math.log10(max_m))
    for m in (5, 2, 1):
        if m * 10**k <= max_m:
            return float(m * 10**k)
    return float(10**k)


def nice_degrees(max_deg: float) -> float:
    """A round grid step in degrees (…, 0.001, 0.002, 0.005, 0.01, …) not above ``max_deg``."""
    return nice_length(max_deg)


def format_latlon(lat: float, lon: float) -> str:
    """Human coordinates the way SAR teams read them aloud: 5 decimals, hemisphere letters."""
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{abs(lat):.5f}°{ns} {abs(lon):.5f}°{ew}"


class TileSource(Protocol):
    """Something that returns encoded tile images (PNG/JPEG bytes) or ``None`` if it has none."""

    name: str
    min_zoom: int
    max_zoom: int

    def tile(self, z: int, x: int, y: int) -> bytes | None: ...


class XyzFolderSource:
    """Tiles in ``root/{z}/{x}/{y}.{png,jpg,jpeg,webp}`` (XYZ, row 0 at the north)."""

    EXTS = (".png", ".jpg", ".jpeg", ".webp")

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise InputError("not a folder of tiles", where=str(self.root))
        zooms = sorted(int(p.name) for p in self.root.iterdir() if p.is_dir() and p.name.isdigit())
        if not zooms:
            raise InputError("no zoom-level folders (0, 1, 2, …) inside; expected {z}/{x}/{y}.png",
                             where=str(self.root))
        self.name = self.root.name
        self.min_zoom, self.max_zoom = zooms[0], zooms[-1]

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        base = self.root / str(z) / str(x) / str(y)
        for ext in self.EXTS:
            p = base.with_suffix(ext)
            if p.is_file():
                return p.read_bytes()
        return None


class MBTilesSource:
    """Tiles from an MBTiles file (SQLite; ``tile_row`` counts from the south, TMS order)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError("no such MBTiles file", where=str(self.path))
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            row = self._db.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
            meta = dict(self._db.execute("SELECT name, value FROM metadata").fetchall())
        except sqlite3.DatabaseError as exc:
            raise InputError(f"not an MBTiles file ({exc})", where=str(self.path)) from exc
        if row is None or row[0] is None:
            raise InputError("MBTiles file holds no tiles", where=str(self.path))
        self.min_zoom, self.max_zoom = int(row[0]), int(row[1])
        self.name = str(meta.get("name") or self.path.stem)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        tms_y = (1 << z) - 1 - y
        with self._lock:
            row = self._db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                (z, x, tms_y)).fetchone()
        return bytes(row[0]) if row else None

    def close(self) -> None:
        self._db.close()


def open_tile_source(path: str | Path) -> TileSource:
    """An XYZ folder or an MBTiles file, chosen by what ``path`` is."""
    p = Path(path)
    if p.is_dir():
        return XyzFolderSource(p)
    if p.suffix.lower() == ".mbtiles":
        return MBTilesSource(p)
    raise InputError("expected an XYZ tile folder or an .mbtiles file", where=str(p))


class LruCache:
    """A small least-recently-used cache for decoded tiles (any value type)."""

    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._d: OrderedDict = OrderedDict()

    def get(self, key):
        if key in self._d:
            self._d.move_to_end(key)
            return self._d[key]
        return None

    def put(self, key, value) -> None:
        self._d[key] = value
        self._d.move_to_end(key)
        while len(self._d) > self.capacity:
            self._d.popitem(last=False)

    def __contains__(self, key) -> bool:
        return key in self._d
