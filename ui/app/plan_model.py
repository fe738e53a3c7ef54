"""The plan being edited: area, exclusions, pattern parameters and the resulting plan (no Qt).

The planner (``search_patterns``) is pure and quick for field-sized areas, so the model
re-plans on every parameter or geometry change and tells observers ``"plan"``; the plan panel
and the map only render what this model holds.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field, replace
from typing import Any

from shapely.geometry import Polygon

from search_patterns.area import Datum, SearchArea
from search_patterns.camera import Camera
from search_patterns.errors import SargcError
from search_patterns.plan import Plan
from search_patterns.spacing import SpacingInfo, spacing_for_target, spacing_from_camera, spacing_info
from ui.app.observable import Observable

PATTERNS = {
    "lawnmower": ("search_patterns.lawnmower", "plan_lawnmower"),
    "expanding_square": ("search_patterns.expanding_square", "plan_expanding_square"),
    "sector": ("search_patterns.sector", "plan_sector"),
}


@dataclass(frozen=True)
class PlanParams:
    """What the pilot chose in the plan panel. ``angle_deg`` None means "choose the best"."""

    pattern: str = "lawnmower"
    spacing_m: float = 30.0
    alt_m: float = 50.0
    speed_m_s: float = 10.0
    angle_deg: float | None = None
    vehicles: int = 1
    radius_m: float = 300.0  # expanding square / sector: the disc around the datum to sweep
    spacing_mode: str = "spacing"  # "spacing" (metres given), "camera" (footprint − overlap), "pod"
    side_overlap: float = 0.2
    sweep_width_m: float = 30.0
    target_pod: float = 0.8


def _call_planner(func: Any, first: Any, kwargs: dict[str, Any]) -> Plan:
    """Call a planner with only the keyword arguments it declares (patterns differ a little)."""
    sig = inspect.signature(func)
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    usable = {k: v for k, v in kwargs.items() if accepts_any or k in sig.parameters}
    return func(first, **usable)


@dataclass
class PlanModel(Observable):
    """Holds the area being planned and the plan(s) made from it.

    Events: ``"area"`` (the SearchArea or None), ``"datum"``, ``"params"``, ``"plan"`` (list of
    plans, one per vehicle), ``"error"`` (a sentence to show, or None).
    """

    area: SearchArea | None = None
    datum: Datum | None = None
    params: PlanParams = field(default_factory=PlanParams)
    plans: list[Plan] = field(default_factory=list)
    error: str | None = None
    home: tuple[float, float] | None = None
    camera: Camera = field(default_factory=Camera)
    spacing_used: SpacingInfo | None = None

    def __post_init__(self) -> None:
        Observable.__init__(self)

    # ---- inputs -------------------------------------------------------------------------
    def set_area(self, area: SearchArea | None) -> None:
        """Replace the search area (from drawing or a file) and re-plan."""
        if area is self.area:
            return
        self.area = area
        self.emit("area", area)
        self.replan()

    def set_outline(self, vertices: list[tuple[float, float]], name: str = "drawn area") -> None:
        """A drawn outline as (lat, lon) vertices becomes the search area (exclusions kept)."""
        if len(vertices) < 3:
            self._set_error("an area needs at least 3 corners")
            return
        poly = Polygon([(lon, lat) for lat, lon in vertices])
        excl = self.area.exclusions if self.area else ()
        self.set_area(SearchArea(poly, excl, name))

    def add_exclusion(self, vertices: list[tuple[float, float]]) -> None:
        """Add a no-fly zone drawn as (lat, lon) vertices."""
        if self.area is None:
            self._set_error("draw or import the search area before adding exclusion zones")
            return
        if len(vertices) < 3:
            self._set_error("an exclusion zone needs at least 3 corners")
            return
        poly = Polygon([(lon, lat) for lat, lon in vertices])
        self.set_area(replace(self.area, exclusions=(*self.area.exclusions, poly)))

    def move_vertex(self, ring: int, index: int, lat: float, lon: float) -> None:
        """Drag a corner: ring 0 is the outline, ring k ≥ 1 is exclusion k-1."""
        if self.area is None:
            return
        rings = [list(self.area.polygon.exterior.coords)[:-1]]
        rings += [list(e.exterior.coords)[:-1] for e in self.area.exclusions]
        if not (0 <= ring < len(rings) and 0 <= index < len(rings[ring])):
            return
        rings[ring][index] = (lon, lat)
        outline = Polygon(rings[0], [list(i.coords) for i in self.area.polygon.interiors])
        self.set_area(replace(self.area, polygon=outline, exclusions=tuple(Polygon(r) for r in rings[1:])))

    def set_datum(self, lat: float, lon: float) -> None:
        """The last-known position for an expanding-square search."""
        self.datum = Datum(lat, lon)
        self.emit("datum", self.datum)
        self.replan()

    def set_params(self, **changes: Any) -> None:
        """Change pattern parameters (``spacing_m=40``…); re-plans only if something changed."""
        new = replace(self.params, **changes)
        if new == self.params:
            return
        self.params = new
        self.emit("params", new)
        self.replan()

    def set_home(self, home: tuple[float, float] | None) -> None:
        """The planned launch point; plans start and end there when the planner supports it."""
        if home != self.home:
            self.home = home
            self.replan()

    def show_plans(self, plans: list[Plan]) -> None:
        """Show plans loaded from a file (not made from the area here)."""
        self.plans = list(plans)
        self._set_error(None)
        self.emit("plan", self.plans)

    def clear(self) -> None:
        self.area, self.datum, self.plans = None, None, []
        self.emit("area", None)
        self.emit("datum", None)
        self.emit("plan", [])
        self._set_error(None)

    # ---- planning -----------------------------------------------------------------------
    def replan(self) -> None:
        """Make the plan(s) for the current inputs; a planner error becomes ``self.error``."""
        p = self.params
        try:
            plans = self._make_plans(p)
        except SargcError as exc:
            self.plans = []
            self.emit("plan", [])
            self._set_error(str(exc))
            return
        except ImportError as exc:
            self.plans = []
            self.emit("plan", [])
            self._set_error(f"planner not available: {exc}")
            return
        self.plans = plans
        self._set_error(None)
        self.emit("plan", plans)

    def spacing_info(self, p: PlanParams) -> SpacingInfo:
        """The track spacing the pilot asked for: in metres, from the camera, or from a target POD."""
        if p.spacing_mode == "camera":
            return spacing_from_camera(self.camera, p.alt_m, p.side_overlap)
        if p.spacing_mode == "pod":
            return spacing_for_target(sweep_width_m=p.sweep_width_m, target_pod=p.target_pod)
        return spacing_info(p.spacing_m, source="given")

    def _make_plans(self, p: PlanParams) -> list[Plan]:
        mod_name, fn_name = PATTERNS[p.pattern]
        func = getattr(importlib.import_module(mod_name), fn_name)
        info = self.spacing_info(p)
        self.spacing_used = info
        kwargs = dict(spacing_m=info.spacing_m, spacing=info, alt_m=p.alt_m, speed_m_s=p.speed_m_s, home=self.home)
        if p.pattern == "lawnmower":
            if self.area is None:
                return []
            kwargs["angle_deg"] = p.angle_deg
            if p.vehicles > 1:
                from search_patterns.split import split_area

                return [_call_planner(func, part, kwargs) for part in split_area(self.area, p.vehicles)]
            return [_call_planner(func, self.area, kwargs)]
        if self.datum is None:
            return []
        kwargs["radius_m"] = p.radius_m
        if self.area is not None:
            kwargs["area"] = self.area  # clipped to the area and routed around its no-fly zones
        return [_call_planner(func, self.datum, kwargs)]

    def report(self, message: str | None) -> None:
        """Show a sentence to the user in the plan panel (or clear it with None)."""
        self._set_error(message)

    def _set_error(self, message: str | None) -> None:
        if message != self.error:
            self.error = message
            self.emit("error", message)

    @property
    def plan(self) -> Plan | None:
        """The first (or only) plan."""
        return self.plans[0] if self.plans else None
