"""Where a camera's picture lands on the ground.

The footprint is the part of flat ground inside the camera's view and within a maximum
useful range. Straight down it is the familiar rectangle; tilted it becomes a trapezoid
whose far edge runs off towards the horizon, and that is where the range cap matters: a
forward-looking camera "sees" kilometres of ground in which nobody could be recognised.

Conventions (the same as :class:`search_patterns.pose.Pose`): angles in degrees, vehicle
``yaw`` clockwise from north, ``pitch`` nose up positive, ``roll`` right wing down positive,
``gimbal_pitch`` −90 straight down and 0 level, ``gimbal_yaw`` relative to the nose. The
picture's top edge points where the camera's "up" points (for a camera looking straight
down, towards the nose), so image width lies across the track, as in
:meth:`search_patterns.camera.Camera.footprint_m`.

Two mounts are modelled because they answer differently to the vehicle tilting:

- ``"gimbal"``: a stabilised gimbal holds the camera level in roll and at ``gimbal_pitch``
  relative to the horizon; only yaw (vehicle yaw + ``gimbal_yaw``) turns it.
- ``"fixed"``: the camera is bolted to the frame at ``gimbal_pitch``/``gimbal_yaw`` relative
  to the body, so every bit of vehicle roll and pitch swings the footprint over the ground.

All footprints here are in a local metric frame (x east, y north, metres), relative to the
point on the ground straight below the camera unless positions are given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from shapely import Polygon

from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.pose import Pose

Mount = Literal["gimbal", "fixed"]
MOUNTS: tuple[str, ...] = ("gimbal", "fixed")
DEFAULT_MAX_RANGE_M = 300.0
# Rays (unnormalised, |ray| between 1 and ~2) whose downward part is below this never reach the
# ground usefully; the image is clipped there before projecting so the projection stays finite.
_MIN_DOWN = 1e-3
_CAP_SEGMENTS = 32


def _rot_x(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def _rot_y(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def _rot_z(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def camera_rotations(roll: np.ndarray, pitch: np.ndarray, yaw: np.ndarray,
                     gimbal_pitch: np.ndarray, gimbal_yaw: np.ndarray, mount: Mount = "gimbal") -> np.ndarray:
    """Rotation matrices (N, 3, 3) from the camera's forward-right-down frame to north-east-down.

    Column 0 is where the optical axis points, column 1 the image's right, column 2 the
    image's down direction.
    """
    if mount not in MOUNTS:
        raise InputError(f"mount must be one of {', '.join(MOUNTS)}, got {mount!r}", where="camera mount")
    r = np.radians
    if mount == "gimbal":
        return _rot_z(r(yaw) + r(gimbal_yaw)) @ _rot_y(r(gimbal_pitch))
    body = _rot_z(r(yaw)) @ _rot_y(r(pitch)) @ _rot_x(r(roll))
    return body @ _rot_z(r(gimbal_yaw)) @ _rot_y(r(gimbal_pitch))


def _image_corners(camera: Camera) -> np.ndarray:
    """Image corners as forward-right-down rays, clockwise from the top-left seen from behind."""
    tu = camera.sensor_width_mm / (2 * camera.focal_length_mm)
    tv = camera.sensor_height_mm / (2 * camera.focal_length_mm)
    return np.array([[1.0, -tu, -tv], [1.0, tu, -tv], [1.0, tu, tv], [1.0, -tu, tv]])


def _clip_halfplane(poly: list[np.ndarray], f) -> list[np.ndarray]:
    """Sutherland–Hodgman clip of a polygon of 3-vectors against ``f(p) >= 0`` (f linear)."""
    out: list[np.ndarray] = []
    n = len(poly)
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        fa, fb = f(a), f(b)
        if fa >= 0:
            out.append(a)
        if (fa >= 0) != (fb >= 0):
            t = fa / (fa - fb)
            out.append(a + t * (b - a))
    return out


def _capped_footprint(rays_ned: np.ndarray, alt: float, max_range_m: float) -> np.ndarray | None:
    """Exact footprint for one pose whose view reaches beyond ``max_range_m`` (slow path).

    The image quadrilateral is first cut where rays stop pointing down (the horizon), then
    projected onto the ground and cut to a disc of ``max_range_m`` around the nadir point.
    """
    poly = _clip_halfplane(list(rays_ned), lambda p: p[2] - _MIN_DOWN)
    if len(poly) < 3:
        return None
    ground = np.array([[p[1] / p[2] * alt, p[0] / p[2] * alt] for p in poly])  # x east, y north
    fp = Polygon(ground)
    if not fp.is_valid or fp.area <= 0:
        return None
    ang = np.linspace(0, 2 * np.pi, _CAP_SEGMENTS, endpoint=False)
    disc = Polygon(np.c_[np.cos(ang), np.sin(ang)] * max_range_m)
    clipped = fp.intersection(disc)
    if clipped.is_empty or clipped.geom_type != "Polygon" or clipped.area <= 0:
        return None
    return np.asarray(clipped.exterior.coords)[:-1]


def footprints_local(x: np.ndarray, y: np.ndarray, alt: np.ndarray, roll: np.ndarray, pitch: np.ndarray,
                     yaw: np.ndarray, gimbal_pitch: np.ndarray, gimbal_yaw: np.ndarray, camera: Camera, *,
                     mount: Mount = "gimbal",
                     max_range_m: float = DEFAULT_MAX_RANGE_M) -> list[np.ndarray | None]:
    """Ground footprints for many camera positions at once.

    ``x``/``y`` are the camera positions in a local metric frame, ``alt`` the heights above
    ground; the rest are pose angles in degrees. Returns one (k, 2) vertex array per pose
    (k = 4 for a quadrilateral, more when the range cap cuts it), counter-clockwise or
    clockwise as the view makes it, or ``None`` where the camera sees no ground (looking at
    the sky, or on the ground itself).

    The common case (every corner ray hits the ground within range) is computed for all
    poses in a few numpy operations; only views reaching past ``max_range_m`` take the
    exact clipped slow path.
    """
    if not max_range_m > 0:
        raise InputError(f"maximum range must be > 0 m, got {max_range_m}", where="footprint")
    arrs = [np.atleast_1d(np.asarray(a, float)) for a in (x, y, alt, roll, pitch, yaw, gimbal_pitch, gimbal_yaw)]
    x, y, alt, roll, pitch, yaw, gp, gy = np.broadcast_arrays(*arrs)
    n = x.shape[0]
    rot = camera_rotations(roll, pitch, yaw, gp, gy, mount)  # (n, 3, 3)
    rays = np.einsum("nij,kj->nki", rot, _image_corners(camera))  # (n, 4, 3) NED
    down = rays[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = alt[:, None] / down
        gx = rays[..., 1] * scale  # east
        gy_ = rays[..., 0] * scale  # north
    dist2 = gx * gx + gy_ * gy_
    fast = (alt > 0) & np.all(down > _MIN_DOWN, axis=1) & np.all(dist2 <= max_range_m ** 2, axis=1)
    out: list[np.ndarray | None] = [None] * n
    quads = np.stack([gx + x[:, None], gy_ + y[:, None]], axis=-1)  # (n, 4, 2)
    for i in np.flatnonzero(fast):
        out[i] = quads[i]
    for i in np.flatnonzero(~fast & (alt > 0)):
        poly = _capped_footprint(rays[i], float(alt[i]), max_range_m)
        if poly is not None:
            out[i] = poly + np.array([x[i], y[i]])
    return out


def footprint_local(pose: Pose, camera: Camera, *, x: float = 0.0, y: float = 0.0, mount: Mount = "gimbal",
                    max_range_m: float = DEFAULT_MAX_RANGE_M) -> Polygon | None:
    """The ground footprint of one pose as a shapely polygon in metres around (``x``, ``y``).

    Returns ``None`` when the camera sees no ground (pointing at or above the horizon, or at
    zero height).

    Examples
    --------
    >>> cam = Camera(sensor_width_mm=6.0, sensor_height_mm=4.0, focal_length_mm=4.0)
    >>> fp = footprint_local(Pose(0, 0, alt_agl_m=50.0), cam)
    >>> [round(v, 6) for v in fp.bounds]   # 75 m across (east), 50 m along (north)
    [-37.5, -25.0, 37.5, 25.0]
    >>> footprint_local(Pose(0, 0, alt_agl_m=50.0, gimbal_pitch=30.0), cam) is None  # sky
    True
    >>> footprint_local(Pose(0, 0, alt_agl_m=0.0), cam) is None  # on the ground
    True
    """
    res = footprints_local(x, y, pose.alt_agl_m, pose.roll, pose.pitch, pose.yaw, pose.gimbal_pitch,
                           pose.gimbal_yaw, camera, mount=mount, max_range_m=max_range_m)[0]
    return None if res is None else Polygon(res)


def poses_to_arrays(poses: Sequence[Pose]) -> dict[str, np.ndarray]:
    """Columns of a pose list as float arrays (lat, lon, alt, roll, pitch, yaw, gimbal angles, time)."""
    names = ("lat", "lon", "alt_agl_m", "roll", "pitch", "yaw", "gimbal_pitch", "gimbal_yaw", "time")
    if not poses:
        return {k: np.zeros(0) for k in names}
    data = np.array([[getattr(p, k) for k in names] for p in poses], float)
    return {k: data[:, i] for i, k in enumerate(names)}

