"""Turning a scenario into one plan per vehicle, and writing the plan files.

With several vehicles the area is split first (``search_patterns.split``) and each vehicle
gets a lawnmower over its own part, entered from the corner nearest its launch point. The
legs run on to the area's edge (``overshoot`` of half a spacing) so that the ends of the
legs, which the turn alone would leave half-seen, are searched too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from search_patterns.area import SearchArea
from search_patterns.plan import Plan
from sitl.scenario import Scenario
from ui.mission.folder import MissionFolder

AUTOPILOT_DEFAULT_SPEED_M_S = 10.0  # ArduCopter WPNAV_SPEED default (1000 cm/s)


def _areas(scenario: Scenario) -> list[SearchArea]:
    n = len(scenario.vehicles)
    if n == 1:
        return [scenario.area]
    from search_patterns.split import split_area

    parts = list(split_area(scenario.area, n))
    if len(parts) != n:
        raise ValueError(f"split_area gave {len(parts)} parts for {n} vehicles")
    return parts


def plan_for_vehicles(scenario: Scenario) -> list[Plan]:
    """One lawnmower plan per vehicle (deterministic: the same scenario always gives the same plans)."""
    from search_patterns.lawnmower import plan_lawnmower
    from search_patterns.pod import SweepWidthTable

    p = scenario.pattern
    # the same effective sweep width the coverage report scores the flight with, so that
    # planned and achieved POD are comparable
    sweep = SweepWidthTable().width_m(p.alt_m, "open")
    plans = []
    for i, area in enumerate(_areas(scenario)):
        home = scenario.vehicle_home(i)
        name = scenario.vehicles[i].name
        plan = plan_lawnmower(area, spacing_m=p.spacing_m, alt_m=p.alt_m, angle_deg=p.angle_deg,
                              home=(home.lat, home.lon), speed_m_s=p.speed_m_s,
                              overshoot_m=p.spacing_m / 2.0, sweep_width_m=sweep, name=f"{area.name} – {name}")
        if abs(p.speed_m_s - AUTOPILOT_DEFAULT_SPEED_M_S) < 0.05:
            plan = replace(plan, speed_m_s=None)  # no DO_CHANGE_SPEED item for the speed it flies anyway
        plans.append(plan)
    return plans


def write_plans(plans: Sequence[Plan], folder: MissionFolder, *, sortie: int = 1,
                indices: Sequence[int] | None = None, n_vehicles: int | None = None,
                area: SearchArea | None = None) -> list[Path]:
    """QGC ``.plan`` files into the mission folder: ``plan.plan`` or ``plan-N.plan`` per vehicle."""
    try:
        from search_patterns.formats import write_plan
    except ImportError:  # the planner's file formats are not installed: the plan still flies
        return []
    indices = list(indices) if indices is not None else list(range(len(plans)))
    n = n_vehicles if n_vehicles is not None else len(plans)
    out = []
    for i, plan in zip(indices, plans, strict=False):
        path = folder.plan_file(i, n, sortie)
        write_plan(plan, path, area)
        out.append(path)
    return out
