"""Where a camera was and which way it looked."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pose:
    """Vehicle and gimbal pose at one instant.

    ``alt_agl_m`` is height above the ground (above home when no terrain is known).
    Angles in degrees: ``roll``/``pitch``/``yaw`` of the vehicle (yaw clockwise from
    north), ``gimbal_pitch`` (−90 = straight down, 0 = level) and ``gimbal_yaw`` relative
    to the vehicle's nose. ``time`` is seconds (Unix time or sim time, consistently).
    """

    lat: float
    lon: float
    alt_agl_m: float
    roll: float = 0.0
    pitch: float = 0.0
    yaw: float = 0.0
    gimbal_pitch: float = -90.0
    gimbal_yaw: float = 0.0
    time: float = 0.0
