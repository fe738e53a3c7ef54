"""MAVLink mission items as plain values.

The planner produces these so that the link layer (``groundcontrol``) and the file
formats share one description of a mission. Numbers are MAVLink's own (MAV_CMD, MAV_FRAME),
so nothing here needs pymavlink.
"""

from __future__ import annotations

from dataclasses import dataclass

# MAV_CMD numbers used by search missions.
MAV_CMD_NAV_WAYPOINT = 16
MAV_CMD_NAV_LOITER_TIME = 19
MAV_CMD_NAV_RETURN_TO_LAUNCH = 20
MAV_CMD_NAV_LAND = 21
MAV_CMD_NAV_TAKEOFF = 22
MAV_CMD_DO_CHANGE_SPEED = 178
MAV_CMD_DO_SET_ROI = 201
MAV_CMD_DO_MOUNT_CONTROL = 205

# MAV_FRAME numbers.
MAV_FRAME_GLOBAL = 0
MAV_FRAME_GLOBAL_RELATIVE_ALT = 3
MAV_FRAME_GLOBAL_RELATIVE_ALT_INT = 6

NAV_COMMANDS = frozenset(
    {MAV_CMD_NAV_WAYPOINT, MAV_CMD_NAV_LOITER_TIME, MAV_CMD_NAV_RETURN_TO_LAUNCH, MAV_CMD_NAV_LAND,
     MAV_CMD_NAV_TAKEOFF}
)


@dataclass(frozen=True)
class MissionItem:
    """One mission item. ``x``/``y`` are latitude/longitude in degrees, ``z`` metres."""

    command: int
    frame: int = MAV_FRAME_GLOBAL_RELATIVE_ALT
    param1: float = 0.0
    param2: float = 0.0
    param3: float = 0.0
    param4: float = 0.0
    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    autocontinue: int = 1

    @property
    def is_nav(self) -> bool:
        """True for items that move the vehicle (waypoints, takeoff, RTL, land)."""
        return self.command in NAV_COMMANDS
