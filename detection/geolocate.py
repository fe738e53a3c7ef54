"""Pixel → ground: where on the ground a pixel of a frame was looking.

pixel → camera ray (pinhole intrinsics from the camera's field of view and resolution) →
rotated by the gimbal and the vehicle's attitude into north-east-down → intersected with the
ground (flat at home elevation, or a terrain function) → lat/lon. The error estimate
propagates typical uncertainties of a small drone (GPS, barometric height, attitude, gimbal,
pixel) through the same computation, so a fix far out at a shallow angle says it is poor.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from detection.types import GroundFix
from search_patterns.camera import Camera
from search_patterns.geo import offset_latlon
from search_patterns.pose import Pose

#: camera axes (x right, y down, z forward) in a level, north-looking frame (NED)
_CAM_IN_LEVEL = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])

#: terrain height (metres above home) at a lat/lon
Terrain = Callable[[float, float], float]


@dataclass(frozen=True)
class Uncertainty:
    """One-sigma errors of the inputs (metres, degrees, pixels)."""

    gps_m: float = 1.5
    alt_m: float = 1.0
    attitude_deg: float = 1.0
    yaw_deg: float = 2.0
    pixel_px: float = 3.0


def _rot(axis: str, deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]], float)
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]], float)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], float)


def camera_rotation(pose: Pose, stabilized: bool = True) -> np.ndarray:
    """Camera → north-east-down rotation. A stabilised gimbal ignores vehicle roll and pitch."""
    gimbal = _rot("y", pose.gimbal_pitch) @ _CAM_IN_LEVEL
    if stabilized:
        return _rot("z", pose.yaw + pose.gimbal_yaw) @ gimbal
    vehicle = _rot("z", pose.yaw) @ _rot("y", pose.pitch) @ _rot("x", pose.roll)
    return vehicle @ _rot("z", pose.gimbal_yaw) @ gimbal


def pixel_ray(camera: Camera, pose: Pose, u: float, v: float, stabilized: bool = True) -> np.ndarray:
    """Unit north-east-down direction of the ray through pixel (u, v)."""
    f = camera.focal_px
    d = np.array([(u - camera.image_width_px / 2.0) / f, (v - camera.image_height_px / 2.0) / f, 1.0])
    d = camera_rotation(pose, stabilized) @ d
    return d / np.linalg.norm(d)


def ground_offset(camera: Camera, pose: Pose, u: float, v: float, *, stabilized: bool = True,
                  terrain: Terrain | None = None) -> tuple[float, float, float] | None:
    """(north, east, slant range) metres from the vehicle to where pixel (u, v) meets the ground,
    or ``None`` when the ray does not reach the ground (above the horizon)."""
    d = pixel_ray(camera, pose, u, v, stabilized)
    if d[2] <= 1e-3:
        return None
    t = pose.alt_agl_m / d[2]
    if terrain is not None:
        # march: re-intersect with the terrain height under the previous estimate
        for _ in range(8):
            lat, lon = offset_latlon(pose.lat, pose.lon, t * d[0], t * d[1])
            h = terrain(lat, lon)
            t_new = (pose.alt_agl_m - h) / d[2]
            if t_new <= 0:
                return None
            if abs(t_new - t) < 0.05:
                t = t_new
                break
            t = t_new
    return float(t * d[0]), float(t * d[1]), float(t)


def locate(camera: Camera, pose: Pose, u: float, v: float, *, stabilized: bool = True,
           terrain: Terrain | None = None, sigma: Uncertainty | None = None) -> GroundFix | None:
    """Lat/lon where pixel (u, v) looked, with a one-sigma horizontal error in metres."""
    base = ground_offset(camera, pose, u, v, stabilized=stabilized, terrain=terrain)
    if base is None:
        return None
    n0, e0, rng = base
    lat, lon = offset_latlon(pose.lat, pose.lon, n0, e0)
    s = sigma or Uncertainty()
    var = s.gps_m ** 2
    perturbed = [
        (replace(pose, alt_agl_m=pose.alt_agl_m + s.alt_m), u, v),
        (replace(pose, yaw=pose.yaw + s.yaw_deg), u, v),
        (replace(pose, gimbal_pitch=pose.gimbal_pitch + s.attitude_deg), u, v),
        (replace(pose, roll=pose.roll + s.attitude_deg, gimbal_yaw=pose.gimbal_yaw), u, v),
        (pose, u + s.pixel_px, v),
        (pose, u, v + s.pixel_px),
    ]
    if stabilized:
        # roll error of a stabilised gimbal: rotate about the forward axis via a sideways pixel shift
        f = camera.focal_px
        perturbed[3] = (pose, u + f * math.radians(s.attitude_deg), v)
    for p, uu, vv in perturbed:
        q = ground_offset(camera, p, uu, vv, stabilized=stabilized, terrain=terrain)
        if q is None:
            var += (rng * 0.5) ** 2  # near the horizon: the fix is very poor
            continue
        var += (q[0] - n0) ** 2 + (q[1] - e0) ** 2
    return GroundFix(lat, lon, math.sqrt(var), rng)


def footprint_latlon(camera: Camera, pose: Pose, *, stabilized: bool = True) -> list[tuple[float, float]] | None:
    """The four image corners on the ground (lat, lon), or ``None`` if any is above the horizon."""
    w, h = camera.image_width_px, camera.image_height_px
    out = []
    for u, v in ((0, 0), (w, 0), (w, h), (0, h)):
        q = ground_offset(camera, pose, u, v, stabilized=stabilized)
        if q is None:
            return None
        out.append(offset_latlon(pose.lat, pose.lon, q[0], q[1]))
    return out
