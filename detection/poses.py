"""Where the camera was at a frame's capture time: poses interpolated from telemetry.

The pipeline asks a pose provider ``f(time) -> Pose | None``. :class:`PoseTrack` is one, built
from a list of poses (live telemetry snapshots appended as they arrive) or from a MAVLink
telemetry log (.tlog). Positions and angles are interpolated linearly between the two samples
around the time (angles the short way round); outside the track, or across a gap, the pose
is unknown rather than guessed.
"""

from __future__ import annotations

import bisect
import math
import threading
from pathlib import Path

from search_patterns.errors import InputError
from search_patterns.pose import Pose


def _lerp_angle(a: float, b: float, f: float) -> float:
    d = (b - a + 180.0) % 360.0 - 180.0
    return a + d * f


class PoseTrack:
    """Time-ordered poses; call it with a time to get the interpolated pose (or ``None``)."""

    def __init__(self, poses: list[Pose] | None = None, *, max_gap_s: float = 2.0, tolerance_s: float = 0.5) -> None:
        self._poses: list[Pose] = sorted(poses or [], key=lambda p: p.time)
        self._times = [p.time for p in self._poses]
        self.max_gap_s, self.tolerance_s = max_gap_s, tolerance_s
        self._lock = threading.Lock()

    def append(self, pose: Pose) -> None:
        """Add a pose (usually the newest telemetry); out-of-order ones are inserted in place."""
        with self._lock:
            i = bisect.bisect_right(self._times, pose.time)
            self._times.insert(i, pose.time)
            self._poses.insert(i, pose)

    def __len__(self) -> int:
        return len(self._poses)

    @property
    def span(self) -> tuple[float, float] | None:
        return (self._times[0], self._times[-1]) if self._times else None

    def __call__(self, t: float) -> Pose | None:
        with self._lock:
            if not self._poses:
                return None
            i = bisect.bisect_left(self._times, t)
            if i == 0:
                p = self._poses[0]
                return p if p.time - t <= self.tolerance_s else None
            if i == len(self._poses):
                p = self._poses[-1]
                return p if t - p.time <= self.tolerance_s else None
            a, b = self._poses[i - 1], self._poses[i]
        if b.time - a.time > self.max_gap_s:
            return None
        f = 0.0 if b.time == a.time else (t - a.time) / (b.time - a.time)
        return Pose(a.lat + (b.lat - a.lat) * f, a.lon + (b.lon - a.lon) * f,
                    a.alt_agl_m + (b.alt_agl_m - a.alt_agl_m) * f,
                    a.roll + (b.roll - a.roll) * f, a.pitch + (b.pitch - a.pitch) * f,
                    _lerp_angle(a.yaw, b.yaw, f) % 360.0, a.gimbal_pitch + (b.gimbal_pitch - a.gimbal_pitch) * f,
                    _lerp_angle(a.gimbal_yaw, b.gimbal_yaw, f), t)

    @classmethod
    def from_tlog(cls, path: str | Path, *, gimbal_pitch: float = -90.0) -> PoseTrack:
        """Poses from a MAVLink .tlog: GLOBAL_POSITION_INT for position and height above home,
        ATTITUDE for roll/pitch/yaw, MOUNT_STATUS or GIMBAL_DEVICE_ATTITUDE_STATUS for the
        gimbal when present (otherwise ``gimbal_pitch``)."""
        from pymavlink import mavutil

        p = Path(path)
        if not p.is_file():
            raise InputError("telemetry log not found", where=str(p))
        try:
            conn = mavutil.mavlink_connection(str(p), notimestamps=False)
        except Exception as exc:
            raise InputError(f"cannot read as a MAVLink log ({exc})", where=str(p)) from exc
        roll = pitch = 0.0
        att_yaw: float | None = None
        gp, gy = gimbal_pitch, 0.0
        poses: list[Pose] = []
        types = ["GLOBAL_POSITION_INT", "ATTITUDE", "MOUNT_STATUS", "GIMBAL_DEVICE_ATTITUDE_STATUS"]
        while True:
            try:
                m = conn.recv_match(type=types)
            except Exception as exc:
                raise InputError(f"corrupt MAVLink log after {len(poses)} positions ({exc})", where=str(p)) from exc
            if m is None:
                break
            kind = m.get_type()
            if kind == "ATTITUDE":
                roll, pitch = math.degrees(m.roll), math.degrees(m.pitch)
                att_yaw = math.degrees(m.yaw) % 360.0
            elif kind == "MOUNT_STATUS":
                gp, gy = m.pointing_a / 100.0, m.pointing_c / 100.0
            elif kind == "GIMBAL_DEVICE_ATTITUDE_STATUS":
                w, x, y, z = m.q
                gp = math.degrees(math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x)))))
            elif kind == "GLOBAL_POSITION_INT":
                if m.lat == 0 and m.lon == 0:
                    continue
                yaw = att_yaw if att_yaw is not None else ((m.hdg / 100.0) if m.hdg != 65535 else 0.0)
                poses.append(Pose(m.lat / 1e7, m.lon / 1e7, m.relative_alt / 1000.0, roll, pitch, yaw, gp, gy,
                                  float(getattr(m, "_timestamp", 0.0))))
        if not poses:
            raise InputError("no GLOBAL_POSITION_INT positions in the log", where=str(p))
        return cls(poses)
