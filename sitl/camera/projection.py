"""Where a point on or above the ground lands in the simulated camera's image.

World frame: north, east, down (metres) relative to the scene centre. Camera frame: OpenCV's
(x right, y down, z forward). Written here on its own, not shared with ``detection``'s
geolocation, so that each checks the other in the tests.
"""

from __future__ import annotations

import math

import numpy as np

from search_patterns.camera import Camera
from search_patterns.pose import Pose

# camera axes (x right, y down, z forward) expressed in a level, north-looking body frame
_LEVEL = np.array([[0.0, 0.0, 1.0],
                   [1.0, 0.0, 0.0],
                   [0.0, 1.0, 0.0]])


def _rx(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]], float)


def _ry(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]], float)


def _rz(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], float)


def camera_to_ned(pose: Pose, stabilized: bool = True) -> np.ndarray:
    """Rotation taking camera-frame vectors to north-east-down.

    A stabilised gimbal holds its pitch against the horizon and only follows the vehicle's yaw;
    a fixed mount also tilts with the vehicle's roll and pitch.
    """
    r = math.radians
    gimbal = _ry(r(pose.gimbal_pitch)) @ _LEVEL
    if stabilized:
        return _rz(r(pose.yaw + pose.gimbal_yaw)) @ gimbal
    body = _rz(r(pose.yaw)) @ _ry(r(pose.pitch)) @ _rx(r(pose.roll))
    return body @ _rz(r(pose.gimbal_yaw)) @ gimbal


def intrinsics(camera: Camera) -> np.ndarray:
    f = camera.focal_px
    return np.array([[f, 0, camera.image_width_px / 2.0],
                     [0, f, camera.image_height_px / 2.0],
                     [0, 0, 1.0]])


class Projector:
    """Projects north-east-down points (relative to the scene centre) into one pose's image."""

    def __init__(self, camera: Camera, pose: Pose, cam_ne: tuple[float, float], stabilized: bool = True) -> None:
        self.camera = camera
        self.K = intrinsics(camera)
        self.R = camera_to_ned(pose, stabilized)
        self.C = np.array([cam_ne[0], cam_ne[1], -pose.alt_agl_m])

    def to_camera(self, ned: np.ndarray) -> np.ndarray:
        """(N, 3) NED points → (N, 3) camera-frame points."""
        return (np.atleast_2d(ned) - self.C) @ self.R

    def project(self, ned: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 3) NED points → (N, 2) pixels and (N,) depths (≤ 0 means behind the camera)."""
        pc = self.to_camera(ned)
        z = pc[:, 2]
        zs = np.where(z > 1e-6, z, 1e-6)
        u = self.K[0, 0] * pc[:, 0] / zs + self.K[0, 2]
        v = self.K[1, 1] * pc[:, 1] / zs + self.K[1, 2]
        return np.stack([u, v], axis=1), z

    def pixel_rays(self, uv: np.ndarray) -> np.ndarray:
        """(N, 2) pixels → (N, 3) unit NED ray directions."""
        uv = np.atleast_2d(uv).astype(float)
        d = np.stack([(uv[:, 0] - self.K[0, 2]) / self.K[0, 0],
                      (uv[:, 1] - self.K[1, 2]) / self.K[1, 1],
                      np.ones(len(uv))], axis=1)
        d = d @ self.R.T
        return d / np.linalg.norm(d, axis=1, keepdims=True)

    def ground_homography(self, x_west: float, y_north: float, mpp: float) -> np.ndarray:
        """Homography from ground-mosaic pixels (column 0 at ``x_west`` east, row 0 at ``y_north``)
        to image pixels, for flat ground at height 0."""
        # ground point relative to camera, in NED, as a linear function of (u, v, 1)
        m = np.array([[0.0, -mpp, y_north - 0.5 * mpp - self.C[0]],
                      [mpp, 0.0, x_west + 0.5 * mpp - self.C[1]],
                      [0.0, 0.0, -self.C[2]]])
        return self.K @ self.R.T @ m
