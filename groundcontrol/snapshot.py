"""The immutable state of one vehicle at one moment.

The link thread builds a new :class:`VehicleSnapshot` whenever someone asks; it never
changes afterwards, so the GUI, the coverage tracker and the mission runner can hold one
without locks. Every part carries how old it is (``ages``), because after a link loss the
last known position is still worth showing, as long as everyone can see it is stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Names of the parts whose age is tracked (keys of VehicleSnapshot.ages).
PARTS = ("heartbeat", "position", "attitude", "vfr", "sys_status", "battery", "gps", "ekf", "home",
         "mission", "extended_state")


@dataclass(frozen=True)
class StatusLine:
    """One STATUSTEXT as received: MAV_SEVERITY, text, and the Unix time it arrived."""

    severity: int
    text: str
    wall_time: float


@dataclass(frozen=True)
class LinkHealth:
    """How the radio link is doing.

    ``loss_pct`` comes from gaps in the vehicle's packet sequence numbers over the last
    ten seconds; ``lost`` is true once no heartbeat arrived for the link timeout.
    """

    connected: bool = False
    lost: bool = False
    heartbeat_age: float | None = None
    loss_pct: float = 0.0
    packets_received: int = 0
    packets_lost: int = 0
    reconnects: int = 0
    signed: bool = False


@dataclass(frozen=True)
class VehicleSnapshot:
    """Everything we know about one vehicle. ``None`` means never received."""

    system_id: int
    time: float  # time.monotonic() when the snapshot was taken
    wall_time: float
    vehicle_time: float | None = None  # seconds since the vehicle booted, by its own clock
    link: LinkHealth = field(default_factory=LinkHealth)
    vehicle_type: int | None = None
    autopilot: int | None = None
    mode: str | None = None
    custom_mode: int | None = None
    armed: bool = False
    system_status: int | None = None
    # position (GLOBAL_POSITION_INT)
    lat: float | None = None
    lon: float | None = None
    alt_amsl: float | None = None
    alt_rel: float | None = None
    vn: float | None = None  # m/s north
    ve: float | None = None  # m/s east
    vd: float | None = None  # m/s down
    # attitude (ATTITUDE), degrees
    roll: float | None = None
    pitch: float | None = None
    yaw: float | None = None
    # VFR_HUD
    groundspeed: float | None = None
    airspeed: float | None = None
    heading: float | None = None
    climb: float | None = None
    throttle: int | None = None
    # battery (SYS_STATUS / BATTERY_STATUS)
    battery_voltage: float | None = None
    battery_pct: float | None = None
    battery_current: float | None = None
    battery_consumed_mah: float | None = None
    # GPS_RAW_INT
    gps_fix: int | None = None
    gps_satellites: int | None = None
    gps_hdop: float | None = None
    # EKF_STATUS_REPORT / SYS_STATUS
    ekf_flags: int | None = None
    ekf_ok: bool = False
    prearm_ok: bool | None = None
    # home (HOME_POSITION)
    home_lat: float | None = None
    home_lon: float | None = None
    home_alt_amsl: float | None = None
    # mission (MISSION_CURRENT / MISSION_ITEM_REACHED)
    mission_seq: int | None = None
    mission_total: int | None = None
    mission_state: int | None = None
    last_reached_seq: int | None = None
    # landed: True in the air, False on the ground, None unknown
    in_air: bool | None = None
    statustexts: tuple[StatusLine, ...] = ()
    ages: Mapping[str, float | None] = field(default_factory=dict)

    def age(self, part: str) -> float | None:
        """Seconds since ``part`` (one of ``snapshot.PARTS``) was last updated; None if never."""
        if part not in PARTS:
            raise KeyError(f"unknown snapshot part {part!r}; known: {', '.join(PARTS)}")
        return self.ages.get(part)

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lon is not None and (self.lat, self.lon) != (0.0, 0.0)

    @property
    def home(self) -> tuple[float, float, float] | None:
        if self.home_lat is None:
            return None
        return (self.home_lat, self.home_lon, self.home_alt_amsl)

    @property
    def landed(self) -> bool:
        """On the ground (or unknown and disarmed)."""
        return self.in_air is False or (self.in_air is None and not self.armed)
