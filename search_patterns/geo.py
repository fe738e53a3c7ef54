"""Local metric projections.

Search geometry is done in metres. An area is projected with an azimuthal equidistant
projection centred on it (distances from the centre are exact, and within a few tens of
kilometres the distortion is far below a centimetre per metre), which also works across
UTM zone edges and near the poles where a UTM zone would not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class LocalProjection:
    """A metric x/y frame (x east, y north, metres) centred on ``lat0``, ``lon0``.

    Examples
    --------
    >>> p = LocalProjection(-35.3632, 149.1652)
    >>> x, y = p.to_local(-35.3632, 149.1652)
    >>> round(x, 6), round(y, 6)
    (0.0, 0.0)
    >>> lat, lon = p.to_latlon(*p.to_local(-35.36, 149.17))
    >>> round(lat, 9), round(lon, 9)
    (-35.36, 149.17)
    """

    lat0: float
    lon0: float
    _fwd: pyproj.Transformer = field(init=False, repr=False, compare=False)
    _inv: pyproj.Transformer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        crs = pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={self.lat0} +lon_0={self.lon0} +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
        )
        wgs84 = pyproj.CRS.from_epsg(4326)
        object.__setattr__(self, "_fwd", pyproj.Transformer.from_crs(wgs84, crs, always_xy=True))
        object.__setattr__(self, "_inv", pyproj.Transformer.from_crs(crs, wgs84, always_xy=True))

    @classmethod
    def around(cls, geometry_lonlat: BaseGeometry) -> LocalProjection:
        """A projection centred on the centre of a lon/lat geometry's bounds."""
        minx, miny, maxx, maxy = geometry_lonlat.bounds
        return cls((miny + maxy) / 2.0, (minx + maxx) / 2.0)

    def to_local(self, lat: float, lon: float) -> tuple[float, float]:
        """Latitude/longitude in degrees → (x east, y north) in metres."""
        x, y = self._fwd.transform(lon, lat)
        return float(x), float(y)

    def to_latlon(self, x: float, y: float) -> tuple[float, float]:
        """(x east, y north) in metres → (latitude, longitude) in degrees."""
        lon, lat = self._inv.transform(x, y)
        return float(lat), float(lon)

    def many_to_local(self, lats: Iterable[float], lons: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`to_local` for arrays of positions."""
        x, y = self._fwd.transform(np.asarray(list(lons), float), np.asarray(list(lats), float))
        return np.asarray(x), np.asarray(y)

    def many_to_latlon(self, xs: Iterable[float], ys: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`to_latlon`; returns (lats, lons)."""
        lon, lat = self._inv.transform(np.asarray(list(xs), float), np.asarray(list(ys), float))
        return np.asarray(lat), np.asarray(lon)

    def geometry_to_local(self, geometry_lonlat: BaseGeometry) -> BaseGeometry:
        """Project a shapely geometry in (lon, lat) order into this metric frame."""
        return shapely.transform(geometry_lonlat, self._fwd.transform, interleaved=False)

    def geometry_to_lonlat(self, geometry_local: BaseGeometry) -> BaseGeometry:
        """Project a shapely geometry in metres back to (lon, lat) order."""
        return shapely.transform(geometry_local, self._inv.transform, interleaved=False)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres; good to ~0.5 % which is fine for ranges and ETAs."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def offset_latlon(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """Move a position by metres north and east (flat-earth, fine below a few km)."""
    dlat = north_m / EARTH_RADIUS_M
    dlon = east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat)))
    return lat + math.degrees(dlat), lon + math.degrees(dlon)
