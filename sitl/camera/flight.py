"""Camera poses along a simulated search flight, for training runs, tests and benchmarks."""

from __future__ import annotations

import math
from collections.abc import Iterator

from search_patterns.geo import LocalProjection
from search_patterns.pose import Pose


def lawnmower_poses(center: tuple[float, float], width_m: float, length_m: float, spacing_m: float,
                    alt_m: float = 50.0, speed_ms: float = 5.0, frame_rate: float = 2.0, t0: float = 0.0,
                    gimbal_pitch: float = -90.0) -> Iterator[Pose]:
    """Poses at ``frame_rate`` along north-south legs ``spacing_m`` apart covering a
    ``width_m`` × ``length_m`` box centred on ``center``; yaw follows the leg direction."""
    proj = LocalProjection(*center)
    n_legs = max(1, int(math.floor(width_m / spacing_m)) + 1)
    step = speed_ms / frame_rate
    t = t0
    for leg in range(n_legs):
        x = -width_m / 2 + leg * spacing_m
        north = leg % 2 == 0
        n_steps = max(1, int(length_m / step))
        for k in range(n_steps + 1):
            y = -length_m / 2 + k * step
            if not north:
                y = -y
            lat, lon = proj.to_latlon(x, y)
            yield Pose(lat, lon, alt_m, yaw=0.0 if north else 180.0, gimbal_pitch=gimbal_pitch, time=t)
            t += 1.0 / frame_rate
