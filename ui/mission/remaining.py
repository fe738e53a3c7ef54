"""How far along its plan a vehicle got, and what is left to fly.

Shared by the mission runner (the resume block of an interrupted sortie) and ``sargc fly``
(re-uploading the rest of the plan when a vehicle comes back from a restart without it), so
both count waypoints and pick the restart point the same way.
"""

from __future__ import annotations

import dataclasses

from search_patterns.plan import Plan


def waypoints_reached(plan: Plan, seq: int | None) -> int:
    """Mission seq reached → count of the plan's waypoints reached (0 = none yet)."""
    if seq is None:
        return 0
    return max(0, min(len(plan.waypoints), seq - plan.first_waypoint_seq + 1))


def rest_of_plan(plan: Plan, reached: int) -> tuple[int, Plan]:
    """What is left after ``reached`` waypoints: the plan from the start of the leg the vehicle was
    on (its last waypoint reached), so the part of that leg it never flew is searched too.

    Returns the index of the first waypoint kept (0-based, in ``plan``) and the shorter plan.
    """
    start = max(0, min(reached - 1, len(plan.waypoints) - 1))
    return start, dataclasses.replace(plan, waypoints=plan.waypoints[start:])
