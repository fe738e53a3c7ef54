"""The simulated drone camera: renders what a camera at a pose sees of a :class:`Scene`.

The ground is warped into the image with one homography (flat ground), then people and
objects are drawn in perspective with their shadows, then lens blur and sensor noise. Each
render also returns the ground truth: every subject in view with its pixel box and lat/lon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from search_patterns.camera import Camera
from search_patterns.pose import Pose
from sitl.camera.bodies import draw_thing, object_capsules, person_capsules
from sitl.camera.projection import Projector
from sitl.scene import Scene

SKY_BGR = (235, 215, 190)
MAX_RANGE_M = 400.0


@dataclass(frozen=True)
class SubjectInView:
    """Ground truth for one subject in one frame. ``box`` is (x, y, w, h) in pixels."""

    id: str
    box: tuple[int, int, int, int]
    lat: float
    lon: float
    posture: str
    clothing: tuple[int, int, int]
    bright: bool

    def __iter__(self):  # (id, box, (lat, lon)) unpacking, as the API promises
        return iter((self.id, self.box, (self.lat, self.lon)))


def _rgb_to_bgr(c: tuple[int, int, int]) -> tuple[int, int, int]:
    return (int(c[2]), int(c[1]), int(c[0]))


class SimCamera:
    """A camera looking at a scene. ``stabilized`` means the gimbal holds pitch and roll level."""

    def __init__(self, scene: Scene, camera: Camera, *, stabilized: bool = True, noise_sigma: float = 2.5,
                 blur_sigma: float = 0.6, seed: int = 0) -> None:
        self.scene = scene
        self.camera = camera
        self.stabilized = stabilized
        self.noise_sigma = noise_sigma
        self.blur_sigma = blur_sigma
        self._rng = np.random.default_rng(seed)
        self._subject_ne = [scene.local_ne(s.lat, s.lon) for s in scene.subjects]
        self._distractor_ne = [scene.local_ne(d.lat, d.lon) for d in scene.distractors]

    def projector(self, pose: Pose) -> Projector:
        return Projector(self.camera, pose, self.scene.local_ne(pose.lat, pose.lon), self.stabilized)

    def render(self, pose: Pose) -> tuple[np.ndarray, list[SubjectInView]]:
        """The BGR image the camera takes at ``pose`` and the subjects in it."""
        if pose.alt_agl_m <= 0.5:
            raise ValueError(f"camera altitude must be above the ground, got {pose.alt_agl_m} m")
        cam = self.camera
        w, h = cam.image_width_px, cam.image_height_px
        proj = self.projector(pose)
        img = self._ground(proj, pose)
        sun = self.scene.sun_direction()
        things = []
        for (n, e), d in zip(self._distractor_ne, self.scene.distractors, strict=False):
            parts = object_capsules(d.kind, d.size_m, _rgb_to_bgr(d.rgb()), d.heading_deg)
            things.append((n, e, parts, None))
        for (n, e), s in zip(self._subject_ne, self.scene.subjects, strict=False):
            parts = person_capsules(s.posture, _rgb_to_bgr(s.clothing), _rgb_to_bgr(s.trousers),
                                    s.heading_deg, s.height_m)
            things.append((n, e, parts, s))
        truth: list[SubjectInView] = []
        cn, ce = proj.C[0], proj.C[1]
        reach = pose.alt_agl_m * 3 + 50
        # far first, so nearer things are drawn over farther ones
        things.sort(key=lambda t: -math.hypot(t[0] - cn, t[1] - ce))
        for n, e, parts, subject in things:
            if abs(n - cn) > MAX_RANGE_M or abs(e - ce) > MAX_RANGE_M:
                continue
            _, depth = proj.project(np.array([[n, e, 0.0]]))
            if depth[0] <= 0.5 or (math.hypot(n - cn, e - ce) > reach and pose.gimbal_pitch < -60):
                continue
            box = draw_thing(img, proj, (n, e), parts, sun)
            if box is not None and subject is not None:
                truth.append(SubjectInView(subject.id, box, subject.lat, subject.lon, subject.posture,
                                           subject.clothing, subject.bright))
        if self.blur_sigma > 0:
            img = cv2.GaussianBlur(img, (0, 0), self.blur_sigma)
        if self.noise_sigma > 0:
            noise = self._rng.normal(0, self.noise_sigma, (h, w, 1)).astype(np.float32)
            img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
        # a box that lies on the image edge with most of the person outside is not a fair target
        truth = [t for t in truth if t.box[2] >= 2 and t.box[3] >= 2]
        return img, truth

    def _ground(self, proj: Projector, pose: Pose) -> np.ndarray:
        cam = self.camera
        w, h = cam.image_width_px, cam.image_height_px
        # where the image border meets the ground (clipped to MAX_RANGE_M)
        border = np.array([[u, v] for u in np.linspace(0, w, 9) for v in (0, h)]
                          + [[u, v] for v in np.linspace(0, h, 5) for u in (0, w)], float)
        rays = proj.pixel_rays(border)
        alt = pose.alt_agl_m
        pts = []
        for d in rays:
            if d[2] > 1e-3:
                t = alt / d[2]
                horiz = t * math.hypot(d[0], d[1])
                if horiz > MAX_RANGE_M:
                    t *= MAX_RANGE_M / horiz
            else:
                hn = math.hypot(d[0], d[1]) or 1.0
                t = MAX_RANGE_M / hn
            pts.append((proj.C[0] + t * d[0], proj.C[1] + t * d[1]))
        pts.append((proj.C[0], proj.C[1]))
        ns = [p[0] for p in pts]
        es = [p[1] for p in pts]
        # level of detail from the ground pixel size near the image centre
        centre = proj.pixel_rays(np.array([[w / 2, h / 2]]))[0]
        rng = alt / max(centre[2], 0.2)
        gsd = rng / cam.focal_px
        level = self.scene.terrain.level_for(gsd)
        mosaic, x_west, y_north = self.scene.terrain.mosaic(level, min(es) - 2, min(ns) - 2, max(es) + 2, max(ns) + 2)
        mpp = self.scene.terrain.mpp(level)
        H = proj.ground_homography(x_west, y_north, mpp)
        img = cv2.warpPerspective(mosaic, H, (w, h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=SKY_BGR)
        # above the horizon: sky (the homography would mirror the ground there)
        us, vs = np.meshgrid(np.arange(0, w, 8, dtype=np.float32), np.arange(0, h, 8, dtype=np.float32))
        dz = proj.pixel_rays(np.stack([us.ravel(), vs.ravel()], axis=1))[:, 2].reshape(us.shape)
        if (dz < 1e-3).any():
            sky = cv2.resize((dz < 1e-3).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
            img[sky] = SKY_BGR
        return img


# streaming and flights live beside the camera; re-exported here for one import line
from sitl.camera.flight import lawnmower_poses  # noqa: E402
from sitl.camera.stream import UdpH264Streamer, read_stamp, stamp_frame  # noqa: E402

__all__ = ["SimCamera", "SubjectInView", "UdpH264Streamer", "lawnmower_poses", "read_stamp", "stamp_frame"]
