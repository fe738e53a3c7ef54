"""Helpers for planner tests: build areas in local metres around a fixed place, read paths back."""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from search_patterns.area import SearchArea
from search_patterns.geo import LocalProjection
from search_patterns.plan import Plan

# Somewhere on a Cumbrian fell: the tests' areas are built here in metres.
ORIGIN = LocalProjection(54.45, -3.05)


def lonlat(geom: BaseGeometry) -> BaseGeometry:
    """Local metres around ORIGIN → lon/lat."""
    return ORIGIN.geometry_to_lonlat(geom)


def area_from_local(poly: Polygon, exclusions: tuple[Polygon, ...] = (), name: str = "test area") -> SearchArea:
    return SearchArea(lonlat(poly), tuple(lonlat(e) for e in exclusions), name=name)


def path_local(plan: Plan, proj: LocalProjection = ORIGIN) -> np.ndarray:
    """The plan's waypoints as an (n, 2) array of local metres."""
    x, y = proj.many_to_local([w.lat for w in plan.waypoints], [w.lon for w in plan.waypoints])
    return np.stack([x, y], axis=1)


def path_line(plan: Plan, proj: LocalProjection = ORIGIN) -> LineString:
    xy = path_local(plan, proj)
    return LineString(xy) if len(xy) > 1 else LineString([xy[0], xy[0]])
