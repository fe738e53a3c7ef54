"""Helpers for coverage tests: areas in metres, and poses along a path flown at constant speed.

The synthetic flight is a kinematic stand-in (straight lines at cruise speed, nose along
the track) used where a test is about geometry; the end-to-end test flies the real
simulated vehicle instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from shapely.geometry import Polygon, box

from search_patterns.area import SearchArea
from search_patterns.geo import LocalProjection
from search_patterns.pose import Pose

LAT0, LON0 = -35.3632, 149.1652
PROJ = LocalProjection(LAT0, LON0)


def area_from_local(poly: Polygon, name: str = "test area") -> SearchArea:
    """A SearchArea from a polygon given in metres around (LAT0, LON0)."""
    ring = [PROJ.to_latlon(x, y)[::-1] for x, y in poly.exterior.coords]
    holes = [[PROJ.to_latlon(x, y)[::-1] for x, y in h.coords] for h in poly.interiors]
    return SearchArea(Polygon(ring, holes), name=name)


def rect_area(w: float, h: float) -> SearchArea:
    return area_from_local(box(-w / 2, -h / 2, w / 2, h / 2))


def fly_path(points_local: Sequence[tuple[float, float]], *, alt: float = 50.0, speed: float = 10.0,
             rate_hz: float = 4.0, t0: float = 0.0, **angles: float) -> list[Pose]:
    """Poses every 1/rate_hz seconds along a polyline (metres), nose pointing along the path."""
    poses: list[Pose] = []
    t = t0
    dt = 1.0 / rate_hz
    carry = 0.0
    for (x0, y0), (x1, y1) in zip(points_local, points_local[1:], strict=False):
        d = math.hypot(x1 - x0, y1 - y0)
        if d == 0:
            continue
        yaw = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0
        s = carry
        while s < d:
            x, y = x0 + (x1 - x0) * s / d, y0 + (y1 - y0) * s / d
            lat, lon = PROJ.to_latlon(x, y)
            poses.append(Pose(lat, lon, alt, yaw=yaw, time=t, **angles))
            t += dt
            s += speed * dt
        carry = s - d
    x, y = points_local[-1]
    lat, lon = PROJ.to_latlon(x, y)
    poses.append(Pose(lat, lon, alt, yaw=poses[-1].yaw if poses else 0.0, time=t, **angles))
    return poses


def lawnmower_lines(w: float, h: float, spacing: float, *, overshoot: float = 0.0) -> list[tuple[float, float]]:
    """East–west legs ``spacing`` apart over a w × h rectangle centred on the origin."""
    n = max(1, math.ceil(h / spacing - 0.02))
    first = -h / 2 + (h - (n - 1) * spacing) / 2
    pts: list[tuple[float, float]] = []
    for k in range(n):
        y = first + k * spacing
        xa, xb = -w / 2 - overshoot, w / 2 + overshoot
        pts += [(xa, y), (xb, y)] if k % 2 == 0 else [(xb, y), (xa, y)]
    return pts
