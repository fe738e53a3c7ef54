"""Sector search (IAMSAR "VS") around a datum.

For a small, well-located target (a person seen at a spot, a dropped item): every leg
passes over the datum, where detection is most likely. Each of three triangles is an
outbound leg of length R, a cross leg of R after a 120° turn, and an inbound leg of R back
over the datum; flying straight on over the datum starts the next triangle. The legs
then radiate every 60°. A second pattern rotated 30° fills between them (rays every 30°).
"""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import Point

from search_patterns.area import Datum, SearchArea
from search_patterns.errors import InputError
from search_patterns.geo import LocalProjection
from search_patterns.plan import Plan, Waypoint
from search_patterns.spacing import spacing_info
from search_patterns.stats import DEFAULT_TURN_COST_S, plan_stats
from search_patterns.validate import (
    DEFAULT_LIMITS,
    Limits,
    check_altitude,
    check_datum_in_area,
    check_home,
    check_speed,
)


def sector_vertices(radius_m: float, first_bearing_deg: float, *, second_pattern: bool = False,
                    turn: str = "right") -> np.ndarray:
    """Vertices (local metres, datum at the origin) of one or two sector patterns.

    >>> v = sector_vertices(100, 0)
    >>> len(v), [round(float(d)) for d in np.hypot(v[:, 0], v[:, 1])]
    (10, [0, 100, 100, 0, 100, 100, 0, 100, 100, 0])
    """
    sign = 1.0 if turn == "right" else -1.0
    pts = [(0.0, 0.0)]
    patterns = [first_bearing_deg] + ([first_bearing_deg + sign * 30.0] if second_pattern else [])
    for start in patterns:
        heading = start
        x, y = 0.0, 0.0
        for leg in range(9):  # 3 triangles × (out, across, back)
            x += radius_m * math.sin(math.radians(heading))
            y += radius_m * math.cos(math.radians(heading))
            pts.append((x, y))
            if leg % 3 != 2:  # 120° turns inside a triangle; straight on over the datum into the next
                heading += sign * 120.0
        # after the 9th leg we are back over the datum, heading on the first bearing again
    arr = np.asarray(pts)
    arr[np.abs(arr) < 1e-9] = 0.0
    # pin the returns over the datum exactly (floating error from 9 legs)
    d = np.hypot(arr[:, 0], arr[:, 1])
    arr[d < 1e-6 * max(radius_m, 1.0)] = 0.0
    keep = np.ones(len(arr), bool)
    keep[1:] = np.any(np.diff(arr, axis=0) != 0, axis=1)
    return arr[keep]


def sector_track_spacing(radius_m: float, second_pattern: bool) -> float:
    """Largest gap between neighbouring legs (at the outer end): R for rays every 60°, 0.52·R for 30°."""
    step = 30.0 if second_pattern else 60.0
    return 2.0 * radius_m * math.sin(math.radians(step / 2.0))


def plan_sector(datum: Datum, *, radius_m: float, alt_m: float, first_bearing_deg: float = 0.0,
                second_pattern: bool = False, turn: str = "right", area: SearchArea | None = None,
                home: tuple[float, float] | None = None, speed_m_s: float = 5.0,
                turn_cost_s: float = DEFAULT_TURN_COST_S, sweep_width_m: float | None = None,
                endurance_min: float | None = None, limits: Limits = DEFAULT_LIMITS,
                name: str | None = None) -> Plan:
    """Plan a sector search of radius ``radius_m`` around ``datum``.

    Stats describe the disc of radius R; ``spacing_m`` there is the widest gap between
    legs, and POD uses ``sweep_width_m`` (default: that gap) with it.
    """
    check_altitude(alt_m, limits)
    check_speed(speed_m_s)
    check_home(home)
    if radius_m is None or not radius_m > 0 or not math.isfinite(radius_m):
        raise InputError(f"radius must be > 0 m, got {radius_m}", where="sector search")
    if turn not in ("right", "left"):
        raise InputError(f"turn must be 'right' or 'left', got {turn!r}", where="sector search")
    if area is not None:
        check_datum_in_area(datum, area)
    proj = LocalProjection(datum.lat, datum.lon)
    xy = sector_vertices(radius_m, first_bearing_deg, second_pattern=second_pattern, turn=turn)
    lats, lons = proj.many_to_latlon(xy[:, 0], xy[:, 1])
    wps = tuple(Waypoint(float(a), float(b), float(alt_m)) for a, b in zip(lats, lons, strict=True))
    gap = sector_track_spacing(radius_m, second_pattern)
    region = Point(0, 0).buffer(radius_m, quad_segs=32)
    info = spacing_info(gap, sweep_width_m, source="widest gap between sector legs")
    stats = plan_stats(xy, region, info, speed_m_s=speed_m_s, turn_cost_s=turn_cost_s, endurance_min=endurance_min,
                       extra={"radius_m": radius_m, "patterns": 2 if second_pattern else 1})
    params = {"datum": [datum.lat, datum.lon], "radius_m": radius_m, "alt_m": alt_m,
              "first_bearing_deg": first_bearing_deg, "second_pattern": second_pattern, "turn": turn,
              "speed_m_s": speed_m_s}
    return Plan(waypoints=wps, pattern="sector", params=params, stats=stats,
                home=home if home is not None else (datum.lat, datum.lon), takeoff_alt=alt_m,
                speed_m_s=speed_m_s, name=name or f"sector search at {datum.name}")
