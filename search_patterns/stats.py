"""Plan statistics: what a coordinator judges a plan by before it flies.

Length and time decide whether it fits a battery; the fraction of the area within half a
swath of the path says whether the pattern leaves holes; POD says what a negative result
is worth. Time is length at cruise speed plus a fixed cost for every real turn, because a
multicopter slows down to round each waypoint and that, not distance, dominates short legs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from search_patterns.plan import PlanStats
from search_patterns.spacing import SpacingInfo

DEFAULT_TURN_COST_S = 4.0
# heading changes below this are a gentle bend, not a turn that costs time
TURN_THRESHOLD_DEG = 15.0


def path_length(xy: np.ndarray) -> float:
    """Length in metres of a local polyline given as an (n, 2) array."""
    if len(xy) < 2:
        return 0.0
    return float(np.hypot(*np.diff(xy, axis=0).T).sum())


def count_turns(xy: np.ndarray, threshold_deg: float = TURN_THRESHOLD_DEG) -> int:
    """Number of interior waypoints where the heading changes by more than ``threshold_deg``."""
    if len(xy) < 3:
        return 0
    d = np.diff(xy, axis=0)
    keep = np.hypot(d[:, 0], d[:, 1]) > 1e-9
    d = d[keep]
    if len(d) < 2:
        return 0
    h = np.arctan2(d[:, 1], d[:, 0])
    dh = np.abs((np.diff(h) + np.pi) % (2 * np.pi) - np.pi)
    return int(np.count_nonzero(dh > math.radians(threshold_deg)))


def flight_time_s(xy: np.ndarray, speed_m_s: float, turn_cost_s: float = DEFAULT_TURN_COST_S) -> float:
    """Estimated time to fly a local polyline: length / speed + turn_cost_s per turn."""
    return path_length(xy) / speed_m_s + turn_cost_s * count_turns(xy)


def swath(line: BaseGeometry, half_width_m: float, quad_segs: int = 4) -> BaseGeometry:
    """The ground within ``half_width_m`` of a path, as a valid polygon.

    A path that doubles back on itself (a spur out and back) can make GEOS buffer a
    polygon that later overlay operations reject; we repair it rather than fail a plan.
    """
    out = shapely.buffer(line, half_width_m, quad_segs=quad_segs)
    return out if shapely.is_valid(out) else shapely.make_valid(out)


def covered_fraction(xy: np.ndarray, region_local: BaseGeometry, half_width_m: float) -> float:
    """Fraction of ``region_local`` within ``half_width_m`` of the polyline ``xy``."""
    total = region_local.area
    if total <= 0:
        return 0.0
    if len(xy) == 0:
        return 0.0
    line = Point(xy[0]) if len(xy) == 1 else LineString(xy)
    return float(min(1.0, shapely.intersection(region_local, swath(line, half_width_m)).area / total))


def plan_stats(xy: np.ndarray, region_local: BaseGeometry, spacing: SpacingInfo, *, speed_m_s: float,
               turn_cost_s: float = DEFAULT_TURN_COST_S, endurance_min: float | None = None,
               extra: dict[str, Any] | None = None) -> PlanStats:
    """Statistics for a path ``xy`` (local metres) searching ``region_local``.

    With ``endurance_min`` the stats say whether one battery is enough and, if not, how
    many sorties (or drones) to split the search into, keeping a 20 % reserve per battery.
    """
    length = path_length(xy)
    duration = flight_time_s(xy, speed_m_s, turn_cost_s)
    ex: dict[str, Any] = dict(spacing.as_dict())
    ex.pop("spacing_m", None)
    ex.pop("pod", None)
    ex["turns"] = count_turns(xy)
    ex["speed_m_s"] = speed_m_s
    if endurance_min is not None:
        usable_s = endurance_min * 60.0 * 0.8
        ex["endurance_min"] = endurance_min
        ex["fits_endurance"] = duration <= usable_s
        ex["sorties_needed"] = max(1, math.ceil(duration / usable_s)) if usable_s > 0 else None
    if extra:
        ex.update(extra)
    return PlanStats(waypoints=len(xy), length_m=length, duration_s=duration, area_m2=float(region_local.area),
                     coverage_fraction=covered_fraction(xy, region_local, spacing.spacing_m / 2.0),
                     spacing_m=spacing.spacing_m, pod=spacing.pod, extra=ex)
