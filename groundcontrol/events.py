"""Typed events a vehicle publishes to its observers.

Events are called from the link thread, in the order the vehicle's messages arrived.
Observers must return quickly (queue the event, or post it to the GUI thread); the
desktop app turns them into Qt signals in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """Base: which vehicle (MAVLink system id) and when (time.monotonic())."""

    system_id: int
    time: float


@dataclass(frozen=True)
class VehicleDiscovered(Event):
    vehicle_type: int
    autopilot: int


@dataclass(frozen=True)
class ModeChanged(Event):
    old: str | None
    new: str


@dataclass(frozen=True)
class ArmedChanged(Event):
    armed: bool


@dataclass(frozen=True)
class StatusText(Event):
    """A STATUSTEXT from the vehicle. ``severity`` is MAV_SEVERITY (0 emergency … 7 debug)."""

    severity: int
    text: str


@dataclass(frozen=True)
class WaypointReached(Event):
    seq: int


@dataclass(frozen=True)
class MissionProgress(Event):
    """The item being flown changed (MISSION_CURRENT). ``total`` excludes home, as ArduPilot counts."""

    seq: int
    total: int


@dataclass(frozen=True)
class MissionFinished(Event):
    """The last mission item completed (MISSION_CURRENT state COMPLETE)."""

    seq: int


@dataclass(frozen=True)
class LandedChanged(Event):
    in_air: bool


@dataclass(frozen=True)
class HomeChanged(Event):
    lat: float
    lon: float
    alt_amsl: float


@dataclass(frozen=True)
class LinkLost(Event):
    """No heartbeat for the link timeout. ``last_heartbeat_age`` is seconds since the last one."""

    last_heartbeat_age: float


@dataclass(frozen=True)
class LinkRestored(Event):
    """Heartbeats are back; ``outage_s`` is how long the vehicle was silent."""

    outage_s: float


@dataclass(frozen=True)
class VehicleRebooted(Event):
    """The vehicle's boot clock went back: it restarted (a brownout, a crash, someone power-cycled it).

    What it held in RAM may be gone and its flight is over; check its mission before resuming.
    ``previous_boot_s`` and ``boot_s`` are its seconds-since-boot before and after.
    """

    previous_boot_s: float
    boot_s: float


@dataclass(frozen=True)
class ReserveWarning(Event):
    """Battery is approaching what is needed to get home (see ``groundcontrol.reserve``)."""

    remaining_pct: float
    needed_pct: float
    message: str


@dataclass(frozen=True)
class ReserveRTL(Event):
    """The station commanded RTL because the return-home reserve was reached."""

    remaining_pct: float
    needed_pct: float
    message: str


@dataclass(frozen=True)
class SnapshotUpdated(Event):
    """A new snapshot, at most ``snapshot_rate_hz`` times a second (for maps and coverage)."""

    snapshot: object  # VehicleSnapshot; typed loosely to keep this module import-free
