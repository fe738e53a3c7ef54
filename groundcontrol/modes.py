"""Flight-mode numbers and names (HEARTBEAT.custom_mode) for ArduPilot vehicles.

Names are what pilots see in Mission Planner and QGC. Only the copter table matters
for search missions; planes get their own table so a fixed wing shows sensible names.
"""

from __future__ import annotations

COPTER_MODES: dict[int, str] = {
    0: "STABILIZE", 1: "ACRO", 2: "ALT_HOLD", 3: "AUTO", 4: "GUIDED", 5: "LOITER", 6: "RTL",
    7: "CIRCLE", 9: "LAND", 11: "DRIFT", 13: "SPORT", 14: "FLIP", 15: "AUTOTUNE", 16: "POSHOLD",
    17: "BRAKE", 18: "THROW", 19: "AVOID_ADSB", 20: "GUIDED_NOGPS", 21: "SMART_RTL", 22: "FLOWHOLD",
    23: "FOLLOW", 24: "ZIGZAG", 25: "SYSTEMID", 26: "AUTOROTATE", 27: "AUTO_RTL", 28: "TURTLE",
}

PLANE_MODES: dict[int, str] = {
    0: "MANUAL", 1: "CIRCLE", 2: "STABILIZE", 3: "TRAINING", 4: "ACRO", 5: "FBWA", 6: "FBWB",
    7: "CRUISE", 8: "AUTOTUNE", 10: "AUTO", 11: "RTL", 12: "LOITER", 13: "TAKEOFF", 15: "GUIDED",
}

# MAV_TYPE values that fly with the copter firmware (quad, coaxial, hexa, octo, tri, dodeca, heli).
COPTER_TYPES = frozenset({2, 3, 4, 13, 14, 15, 29})
PLANE_TYPES = frozenset({1})


def mode_table(mav_type: int | None) -> dict[int, str]:
    """The name table for a vehicle type; copter when unknown (our usual aircraft)."""
    if mav_type in PLANE_TYPES:
        return PLANE_MODES
    return COPTER_MODES


def mode_name(mav_type: int | None, custom_mode: int) -> str:
    """``custom_mode`` as a name, or ``MODE_<n>`` if this firmware has no such number."""
    return mode_table(mav_type).get(custom_mode, f"MODE_{custom_mode}")


def mode_number(mav_type: int | None, name: str) -> int:
    """The custom_mode for a mode name (case-insensitive); ``KeyError`` naming the known modes."""
    wanted = name.strip().upper()
    for number, known in mode_table(mav_type).items():
        if known == wanted:
            return number
    raise KeyError(f"unknown flight mode {name!r}; known: {', '.join(mode_table(mav_type).values())}")
