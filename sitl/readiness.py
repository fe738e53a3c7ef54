"""Boot and readiness timeline, as measured on ArduCopter SITL (facts §2).

"realistic" replays the measured sim-time timeline (GPS at 9.7 s, EKF origin at 19.9 s,
STABILIZE armable at 24 s, EKF using GPS and GUIDED armable at ≈42 s). "fast" keeps the
same order and texts at 1/20 of the times (ready after about 2 s of sim time), which is
what tests and training usually want.
"""

from __future__ import annotations

from dataclasses import dataclass

FAST_SCALE = 0.05

# EKF_STATUS_REPORT flag values seen on the wire.
EKF_UNINITIALISED, EKF_ATTITUDE_ONLY, EKF_GPS = 0x400, 0xA7, 0x33F


@dataclass(frozen=True)
class Event:
    t: float                         # realistic sim seconds after boot
    texts: tuple[tuple[int, str], ...] = ()
    change: str = ""                 # which readiness state this event switches on


def timeline(field_elevation_m: float) -> tuple[Event, ...]:
    """The measured boot sequence; ``change`` names the state that becomes true."""
    elev = f"Field Elevation Set: {round(field_elevation_m)}m"
    return (
        Event(0.11, ((7, "RCInput: decoding UDP (Pulses)"),)),
        Event(0.22, ((6, "Calibrating barometer"),)),
        Event(1.83, ((6, "Barometer 1 calibration complete"), (6, "Barometer 2 calibration complete"))),
        Event(2.35, ((6, "ArduPilot Ready"), (6, "AHRS: DCM active")), "booted"),
        Event(2.65, ((6, "RC7: SaveWaypoint LOW"),)),
        Event(4.0, (), "ekf_uninit"),
        Event(4.35, ((6, "EKF3 IMU0 initialised"), (6, "EKF3 IMU1 initialised"), (6, "AHRS: EKF3 active"))),
        Event(5.5, (), "ekf_zero"),
        Event(5.7, ((6, "EKF3 IMU0 tilt alignment complete"), (6, "EKF3 IMU1 tilt alignment complete"))),
        Event(5.8, ((6, "EKF3 IMU0 MAG0 initial yaw alignment complete"),
                    (6, "EKF3 IMU1 MAG0 initial yaw alignment complete"))),
        Event(6.0, (), "ekf_attitude"),
        Event(9.71, ((6, "GPS 1: probing for u-blox at 230400 baud"), (6, "GPS 1: detected u-blox")), "gps"),
        Event(14.0, (), "accels_ok"),
        Event(19.93, ((6, "EKF3 IMU0 origin set"), (6, elev)), "origin"),
        Event(20.12, ((6, "EKF3 IMU1 origin set"),)),
        Event(24.0, (), "sensors_ok"),
        Event(41.53, ((6, "EKF3 IMU0 is using GPS"), (6, "EKF3 IMU1 is using GPS")), "ekf_gps"),
        Event(42.0, (), "position_ok"),
    )


class Readiness:
    """Which boot stages have passed; ``due(now)`` returns the events that just happened."""

    def __init__(self, kind: str, field_elevation_m: float) -> None:
        if kind not in ("fast", "realistic"):
            raise ValueError(f"readiness must be 'fast' or 'realistic', got {kind!r}")
        self.scale = FAST_SCALE if kind == "fast" else 1.0
        self._events = list(timeline(field_elevation_m))
        self._next = 0
        self.state: set[str] = set()

    def due(self, now: float) -> list[Event]:
        out = []
        while self._next < len(self._events) and self._events[self._next].t * self.scale <= now:
            ev = self._events[self._next]
            self._next += 1
            if ev.change:
                self.state.add(ev.change)
            out.append(ev)
        return out

    def has(self, stage: str) -> bool:
        return stage in self.state

    @property
    def ekf_flags(self) -> int:
        if self.has("ekf_gps"):
            return EKF_GPS
        if self.has("ekf_attitude"):
            return EKF_ATTITUDE_ONLY
        if self.has("ekf_zero"):
            return 0
        if self.has("ekf_uninit"):
            return EKF_UNINITIALISED
        return 0

    def sensor_failure(self) -> str | None:
        """The "Arm: …" reason from the inertial sensors while they settle, or None."""
        if self.has("sensors_ok"):
            return None
        return "Gyros inconsistent" if self.has("accels_ok") else "Accels inconsistent"
