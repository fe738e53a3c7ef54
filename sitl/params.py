"""The vehicle's parameters: the ones a SAR ground station reads or sets, with ArduCopter 4.7's
names, defaults and MAVLink types.

Only these exist; PARAM_SET or PARAM_REQUEST_READ on any other name is ignored without an
answer, as ArduPilot does for names it does not know.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

# MAV_PARAM_TYPE numbers ArduPilot uses.
INT8, INT16, INT32, REAL32 = 2, 4, 6, 9

# name -> (default, type). Order is the order of PARAM_REQUEST_LIST (ArduPilot sends sorted names).
_DEFAULTS: dict[str, tuple[float, int]] = {
    "ANGLE_MAX": (3000, INT16),
    "ARMING_CHECK": (1, INT32),
    "AUTO_OPTIONS": (0, INT32),
    "BATT_CAPACITY": (3300, INT32),
    "BATT_CRT_MAH": (0, REAL32),
    "BATT_CRT_VOLT": (0, REAL32),
    "BATT_FS_CRT_ACT": (0, INT8),
    "BATT_FS_LOW_ACT": (0, INT8),
    "BATT_FS_VOLTSRC": (0, INT8),
    "BATT_LOW_MAH": (0, REAL32),
    "BATT_LOW_TIMER": (10, INT8),
    "BATT_LOW_VOLT": (10.5, REAL32),
    "BATT_MONITOR": (4, INT8),
    "CAM1_TYPE": (0, INT8),
    "DISARM_DELAY": (10, INT8),
    "FENCE_ALT_MAX": (100, REAL32),
    "FENCE_ENABLE": (0, INT8),
    "FENCE_RADIUS": (150, REAL32),
    "FENCE_TYPE": (7, INT8),
    "FS_CRASH_CHECK": (1, INT8),
    "FS_DR_ENABLE": (2, INT8),
    "FS_EKF_ACTION": (1, INT8),
    "FS_EKF_THRESH": (0.8, REAL32),
    "FS_GCS_ENABLE": (0, INT8),
    "FS_GCS_TIMEOUT": (5, REAL32),
    "FS_OPTIONS": (16, INT32),
    "FS_THR_ENABLE": (1, INT8),
    "FS_THR_VALUE": (975, INT16),
    "FS_VIBE_ENABLE": (1, INT8),
    "GUID_TIMEOUT": (3, REAL32),
    "LAND_ALT_LOW": (1000, INT16),
    "LAND_SPEED": (50, INT16),
    "LAND_SPEED_HIGH": (0, INT16),
    "LOIT_SPEED": (1250, REAL32),
    "MAV_GCS_SYSID": (255, INT16),
    "MAV_SYSID": (1, INT16),
    "MIS_OPTIONS": (0, INT16),
    "MIS_RESTART": (0, INT8),
    "MIS_TOTAL": (0, INT16),
    "MNT1_TYPE": (0, INT8),
    "PILOT_SPEED_DN": (0, INT16),
    "PILOT_SPEED_UP": (250, INT16),
    "RTL_ALT": (1500, INT32),
    "RTL_ALT_FINAL": (0, INT16),
    "RTL_CLIMB_MIN": (0, INT16),
    "RTL_CONE_SLOPE": (3, REAL32),
    "RTL_LOIT_TIME": (5000, INT32),
    "RTL_SPEED": (0, INT16),
    "WPNAV_ACCEL": (250, REAL32),
    "WPNAV_RADIUS": (200, REAL32),
    "WPNAV_SPEED": (1000, REAL32),
    "WPNAV_SPEED_DN": (150, REAL32),
    "WPNAV_SPEED_UP": (250, REAL32),
    "WP_YAW_BEHAVIOR": (2, INT8),
}

STREAM_PARAM_SUFFIXES = ("RAW_SENS", "EXT_STAT", "RC_CHAN", "RAW_CTRL", "POSITION",
                         "EXTRA1", "EXTRA2", "EXTRA3", "PARAMS", "ADSB")
for _n in (1, 2, 3):
    for _s in STREAM_PARAM_SUFFIXES:
        _DEFAULTS[f"MAV{_n}_{_s}"] = (0, INT16)

_INT_TYPES = (INT8, INT16, INT32)


class ParamStore:
    """Named parameters with ArduPilot's types; integer types are stored rounded.

    ``on_change(name, value)`` is called after a value really changes, so the vehicle can
    react (and announce it) without polling.
    """

    def __init__(self, overrides: dict[str, float] | None = None) -> None:
        self._values: dict[str, float] = {k: float(v) for k, (v, _) in sorted(_DEFAULTS.items())}
        self._types = {k: t for k, (_, t) in _DEFAULTS.items()}
        self._names = list(self._values)
        self.on_change: Callable[[str, float], None] | None = None
        for k, v in (overrides or {}).items():
            self.set(k, v)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def get(self, name: str, default: float = 0.0) -> float:
        return self._values.get(name, default)

    def type_of(self, name: str) -> int:
        return self._types[name]

    def index_of(self, name: str) -> int:
        return self._names.index(name)

    def name_at(self, index: int) -> str | None:
        return self._names[index] if 0 <= index < len(self._names) else None

    def set(self, name: str, value: float) -> bool:
        """Set a known parameter; returns False (and changes nothing) for an unknown name."""
        if name not in self._values:
            return False
        if self._types[name] in _INT_TYPES:
            value = float(round(value))
        old = self._values[name]
        self._values[name] = float(value)
        if old != value and self.on_change is not None:
            self.on_change(name, float(value))
        return True
