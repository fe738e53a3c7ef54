"""ArduCopter flight modes: numbers, names, and which ones do what.

Numbers are ArduCopter's ``custom_mode`` values in HEARTBEAT. The names are the ones
ArduCopter prints in its messages ("Arm: BRAKE mode not armable").
"""

from __future__ import annotations

STABILIZE, ACRO, ALT_HOLD, AUTO, GUIDED, LOITER, RTL, CIRCLE = 0, 1, 2, 3, 4, 5, 6, 7
LAND, DRIFT, SPORT, FLIP, AUTOTUNE, POSHOLD, BRAKE, THROW = 9, 11, 13, 14, 15, 16, 17, 18
AVOID_ADSB, GUIDED_NOGPS, SMART_RTL, FLOWHOLD, FOLLOW, ZIGZAG = 19, 20, 21, 22, 23, 24
SYSTEMID, AUTOROTATE, AUTO_RTL, TURTLE = 25, 26, 27, 28

NAMES: dict[int, str] = {
    STABILIZE: "STABILIZE", ACRO: "ACRO", ALT_HOLD: "ALT_HOLD", AUTO: "AUTO", GUIDED: "GUIDED",
    LOITER: "LOITER", RTL: "RTL", CIRCLE: "CIRCLE", LAND: "LAND", DRIFT: "DRIFT", FLIP: "FLIP",
    AUTOTUNE: "AUTOTUNE", POSHOLD: "POSHOLD", BRAKE: "BRAKE", THROW: "THROW",
    AVOID_ADSB: "AVOID_ADSB", GUIDED_NOGPS: "GUIDED_NOGPS", SMART_RTL: "SMARTRTL",
    FLOWHOLD: "FLOWHOLD", FOLLOW: "FOLLOW", ZIGZAG: "ZIGZAG", SYSTEMID: "SYSTEMID",
    AUTO_RTL: "AUTO_RTL", TURTLE: "TURTLE",
}

# Modes whose entry fails on this vehicle, with the STATUSTEXT ArduCopter SITL prints (measured).
ENTRY_FAILS: dict[int, str] = {
    FLIP: "Mode change to FLIP failed: init failed",
    AUTOTUNE: "Mode change to AUTOTUNE failed: init failed",
    FLOWHOLD: "Mode change to FLOWHOLD failed: init failed",
    FOLLOW: "Set FOLL_ENABLE = 1",
    SYSTEMID: "No axis selected, SID_AXIS = 0",
    AUTO_RTL: "Unable to start landing sequence",
    TURTLE: "Mode change to TURTLE failed: init failed",
}

# Modes that run the horizontal position controller (HEARTBEAT base_mode bit 8, SYS_STATUS XY/Z bits,
# and arming needs a position estimate).
POSITION_MODES = frozenset({AUTO, GUIDED, LOITER, RTL, CIRCLE, LAND, POSHOLD, BRAKE, THROW,
                            SMART_RTL, ZIGZAG, FOLLOW, AVOID_ADSB})
NOT_ARMABLE = frozenset({BRAKE, RTL, LAND, CIRCLE, SMART_RTL, AVOID_ADSB, AUTO_RTL})
# Modes where the pilot's throttle stick sets the climb rate. SITL's throttle sits at 1000, so these sink.
PILOT_THROTTLE = frozenset({STABILIZE, ACRO, ALT_HOLD, LOITER, POSHOLD, DRIFT, CIRCLE, ZIGZAG})
# Modes that accept a user takeoff command (only GUIDED climbs; the others wait for the stick).
USER_TAKEOFF = frozenset({GUIDED, LOITER, ALT_HOLD, POSHOLD})
# Pilot-controlled modes (FS_OPTIONS bit 4 keeps flying in these on a GCS failsafe).
PILOT_CONTROLLED = frozenset({STABILIZE, ACRO, ALT_HOLD, LOITER, POSHOLD, DRIFT, ZIGZAG, CIRCLE})


def name(mode: int) -> str:
    """ArduCopter's name for a mode number (``"Mode(13)"`` for numbers that are not modes)."""
    return NAMES.get(mode, f"Mode({mode})")


def exists(mode: int) -> bool:
    return mode in NAMES
