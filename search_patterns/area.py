"""The search area: where to look, and where not to fly."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import unary_union

from search_patterns.geo import LocalProjection


@dataclass(frozen=True)
class SearchArea:
    """A polygon (lon/lat, WGS84) with holes, plus exclusion (no-fly) zones.

    Holes are parts of the outline not to be searched (a lake, a village) and may be
    overflown; exclusion zones must never be entered by the path.
    """

    polygon: Polygon
    exclusions: tuple[Polygon, ...] = ()
    name: str = "search area"
    source: str | None = None

    def projection(self) -> LocalProjection:
        """The local metric frame all planning for this area happens in."""
        return LocalProjection.around(self.polygon)

    def searchable(self) -> Polygon | MultiPolygon:
        """The part of the polygon that is to be searched (exclusions removed), lon/lat."""
        if not self.exclusions:
            return self.polygon
        return self.polygon.difference(unary_union(list(self.exclusions)))

    def area_m2(self) -> float:
        """Area of the polygon (holes removed, exclusions not) in square metres."""
        return self.projection().geometry_to_local(self.polygon).area


@dataclass(frozen=True)
class Datum:
    """A point search origin (last known position) for expanding-square and sector searches."""

    lat: float
    lon: float
    name: str = "datum"
    extra: dict = field(default_factory=dict, compare=False)
