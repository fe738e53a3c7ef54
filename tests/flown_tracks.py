"""Helpers for coverage tests: areas in metres, and poses along a path flown at constant speed.

The synthetic flight is a kinematic stand-in (straight lines at cruise speed, nose along
the track) used where a test is about geometry; the end-to-end test flies the real
simulated vehicle instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from shapely.geometry import Polygon, box

from search_patterns.area import SearchArea
from search_patterns.geo import LocalProjection
from search_patterns.pose import Pose

LAT0, LON0 = -35.3632, 149.1652
PROJ = LocalProjection(LAT0, LON0)


def area_from_local(poly: Polygon, name: str = "test area") -> SearchArea:
    """A SearchArea from a polygon given in metres around (LAT0, LON0)."""
    ring = [PROJ.to_latlon(x, y)[::-1] for x, y in poly.exterior.coords]
    holes = [[PROJ.to_latlon(x, y)[::-1] for x, y in h.coords] for h in poly.interiors]
    return SearchArea(Polygon(ring, holes), name=name)


def rect_area(w: float, h: float) -> SearchArea:
    return area_from_local(box(-w / 2, -h / 2, w / 2, h / 2))


def fly_path(points_local: Sequence[tuple[float, float]], *, alt: float = 50.0, speed: float = 10.0,
             rate_hz: float = 4.0, t0: float = 0.0, **angles: float) -> list[Pose]:
    """Poses every 1/rate_hz seconds along a polyline (metres), nose pointing along the path."""
    poses: list[Pose] = []
    t = t0
    dt = 1.0 / rate_hz
    carry = 0.0
    for (x0, y0), (x1, y1) in zip(points_local, points_local[1:], strict=False):
        d = math.hypot(x1 - x0, y1 - y0)
        if d == 0:
            continue
        yaw = math.degrees(math.atan2(x1 - x0, y1 - y0)) % 360.0
        s = carry
        while s < d:
            x, y = x0 + (x1 - x0) * s / d, y0 + (y1 - y0) * s / d
            lat, lon = PROJ.to_latlon(x, y)
            poses.append(Pose(lat, lon, alt, yaw=yaw, time=t, **angles))
            t += dt
            s += speed * dt
        carry = s - d
    x, y = points_local[-1]
    lat, lon = PROJ.to_latlon(x, y)
    poses.append(Pose(lat, lon, alt, yaw=poses[-1].yaw if poses else 0.0, time=t, **angles))
    return poses


def lawnmower_lines(w: float, h: float, spacing: float, *, overshoot: float = 0.0) -> list[tuple[float, float]]:
    """East–west legs ``spacing`` apart over a w × h rectangle centred on the origin."""
    n = max(1, math.ceil(h / spacing - 0.02))
    first = -h / 2 + (h - (n - 1) * spacing) / 2
    pts: list[tuple[float, float]] = []
    for k in range(n):
        y = first + k * spacing
        xa, xb = -w / 2 - overshoot, w / 2 + overshoot
        pts += [(xa, y), (xb, y)] if k % 2 == 0 else [(xb, y), (xa, y)]
    return pts


def write_tlog(path, poses: Sequence[Pose], *, gimbal: str | None = None,
               recording: Sequence[bool] | None = None) -> None:
    """Write poses as a real .tlog (GLOBAL_POSITION_INT + ATTITUDE, optional gimbal and recording).

    ``gimbal``: None (no gimbal messages), "mount_status" or "gimbal_device" (earth-frame yaw).
    Packets are encoded by pymavlink and stamped with the pose time, as the link layer logs them.
    """
    from pymavlink.dialects.v20 import ardupilotmega as mav

    from groundcontrol.tlog import TlogWriter

    m = mav.MAVLink(None, srcSystem=1, srcComponent=1)
    gcs = mav.MAVLink(None, srcSystem=255, srcComponent=190)
    w = TlogWriter(path)
    try:
        for i, p in enumerate(poses):
            t = 1_700_000_000.0 + p.time
            boot = int(p.time * 1000)
            if i % 4 == 0:
                w.write(gcs.heartbeat_encode(6, 8, 0, 0, 4).pack(gcs), t)
            if recording is not None:
                w.write(m.camera_capture_status_encode(boot, 0, 1 if recording[i] else 0, 0, 0, 0).pack(m), t)
            w.write(m.attitude_encode(boot, math.radians(p.roll), math.radians(p.pitch),
                                      math.radians((p.yaw + 180) % 360 - 180), 0, 0, 0).pack(m), t)
            if gimbal == "mount_status":
                w.write(m.mount_status_encode(255, 190, int(p.gimbal_pitch * 100), 0,
                                              int(p.gimbal_yaw * 100), 3).pack(m), t)
            elif gimbal == "gimbal_device":
                yaw_e = math.radians(p.yaw + p.gimbal_yaw)
                pitch = math.radians(p.gimbal_pitch)
                cy, sy, cp, sp = math.cos(yaw_e / 2), math.sin(yaw_e / 2), math.cos(pitch / 2), math.sin(pitch / 2)
                q = [cy * cp, -sy * sp, cy * sp, sy * cp]  # roll 0: yaw then pitch
                w.write(m.gimbal_device_attitude_status_encode(255, 190, boot, 64, q, 0, 0, 0, 0).pack(m), t)
            w.write(m.global_position_int_encode(boot, int(round(p.lat * 1e7)), int(round(p.lon * 1e7)),
                                                 int((584 + p.alt_agl_m) * 1000), int(p.alt_agl_m * 1000),
                                                 0, 0, 0, int(p.yaw * 100) % 36000).pack(m), t)
    finally:
        w.close()
