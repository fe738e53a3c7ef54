"""The flown track from a telemetry log: camera poses for coverage.

Why read the ``.tlog`` rather than the plan: coverage must say what the camera *actually*
saw, including the leg the wind pushed sideways and the ten minutes the link dropped.

Each GLOBAL_POSITION_INT from the vehicle becomes one :class:`Pose`, with the latest
ATTITUDE and, when the vehicle reports a gimbal (MOUNT_STATUS, MOUNT_ORIENTATION or
GIMBAL_DEVICE_ATTITUDE_STATUS), the latest gimbal angles. Altitude is ``relative_alt``
(above home), the best "above ground" the log has over flat ground. Pose times follow the
vehicle's own clock (``time_boot_ms``) anchored to the log's wall-clock stamp of the first
position, so gaps in the track are measured in flight time even when the log was written
by a simulator running faster than real time (re-anchored when the vehicle reboots). If the log carries
CAMERA_CAPTURE_STATUS, only poses while video was recording are kept; otherwise the
camera is taken to be recording whenever the vehicle flies.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from pymavlink import mavutil

from search_patterns.errors import InputError
from search_patterns.pose import Pose

_MAV_TYPE_GCS = 6
_YAW_IN_EARTH_FRAME = 64
_YAW_LOCK = 16
_KINDS = ["GLOBAL_POSITION_INT", "ATTITUDE", "MOUNT_STATUS", "MOUNT_ORIENTATION",
          "GIMBAL_DEVICE_ATTITUDE_STATUS", "CAMERA_CAPTURE_STATUS", "HEARTBEAT"]


@dataclass(frozen=True)
class FlownTrack:
    """Poses read from one log, and what the log told us about the camera."""

    path: str
    sysid: int | None
    poses: tuple[Pose, ...]
    had_gimbal: bool
    had_recording_status: bool
    dropped_not_recording: int

    @property
    def duration_s(self) -> float:
        return self.poses[-1].time - self.poses[0].time if len(self.poses) > 1 else 0.0


def _quat_to_euler_deg(q: list[float]) -> tuple[float, float, float]:
    w, x, y, z = q
    roll = math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x))))
    yaw = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return math.degrees(roll), math.degrees(pitch), math.degrees(yaw)


#: A day of flying logs tens of megabytes; beyond this it is not one flight's log (split it first).
MAX_TLOG_BYTES = 1024 * 1024 * 1024
_SNIFF_BYTES = 64 * 1024


def _check_plausible_tlog(p: Path) -> None:
    """Refuse, in bounded time and memory, files that cannot be a flight's log (pymavlink would
    otherwise scan gigabytes of noise byte by byte)."""
    size = p.stat().st_size
    if size > MAX_TLOG_BYTES:
        raise InputError(f"{size / 2**30:.1f} GiB is larger than a flight's telemetry log can be "
                         f"({MAX_TLOG_BYTES / 2**30:.0f} GiB at most); split it by flight first", where=str(p))
    if size <= _SNIFF_BYTES * 256:  # up to 16 MB of noise is scanned quickly: read it (it yields no poses)
        return
    with open(p, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if b"\xfd" not in head and b"\xfe" not in head:
        raise InputError(f"no MAVLink packet in the first {len(head):,} bytes: not a telemetry log", where=str(p))


def read_track(path: str | os.PathLike[str], *, sysid: int | None = None, camera_pitch_deg: float = -90.0
               ) -> FlownTrack:
    """Read a ``.tlog`` into camera poses.

    ``sysid`` picks one vehicle in a log with several (default: the first that reports a
    position). ``camera_pitch_deg`` is the camera angle to assume when the log reports no
    gimbal (−90 = straight down).
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("no such telemetry log", where=str(p))
    _check_plausible_tlog(p)
    try:
        conn = mavutil.mavlink_connection(str(p), dialect="ardupilotmega", robust_parsing=True)
    except Exception as exc:  # pymavlink raises bare Exceptions for unreadable files
        raise InputError(f"cannot open as a MAVLink telemetry log: {exc}", where=str(p)) from None
    poses: list[Pose] = []
    att: tuple[float, float, float] | None = None
    gimbal: tuple[float, float] | None = None  # (pitch, yaw relative to nose)
    gimbal_earth_yaw: float | None = None
    recording: bool | None = None
    dropped = 0
    chosen = sysid
    had_gimbal = False
    anchor: tuple[float, int] | None = None  # (wall seconds, time_boot_ms) of the first position
    last_boot_ms = -1
    try:
        while True:
            msg = conn.recv_match(type=_KINDS)
            if msg is None:
                break
            src = msg.get_srcSystem()
            kind = msg.get_type()
            if kind == "HEARTBEAT" or (chosen is not None and src != chosen):
                continue
            if kind == "GLOBAL_POSITION_INT":
                if msg.lat == 0 and msg.lon == 0:
                    continue  # no GPS fix yet
                if chosen is None:
                    chosen = src
                roll, pitch, yaw = att if att is not None else (0.0, 0.0, (msg.hdg / 100.0) if msg.hdg != 65535 else 0.0)
                gp, gy = gimbal if gimbal is not None else (camera_pitch_deg, 0.0)
                if gimbal_earth_yaw is not None:
                    gy = (gimbal_earth_yaw - yaw + 180.0) % 360.0 - 180.0
                if anchor is None or msg.time_boot_ms < last_boot_ms:
                    anchor = (float(msg._timestamp), int(msg.time_boot_ms))
                last_boot_ms = int(msg.time_boot_ms)
                if recording is False:
                    dropped += 1
                    continue
                t = anchor[0] + (msg.time_boot_ms - anchor[1]) / 1000.0
                poses.append(Pose(msg.lat / 1e7, msg.lon / 1e7, msg.relative_alt / 1000.0, roll, pitch, yaw % 360.0,
                                  gp, gy, t))
            elif kind == "ATTITUDE":
                att = (math.degrees(msg.roll), math.degrees(msg.pitch), math.degrees(msg.yaw))
            elif kind == "MOUNT_STATUS":
                gimbal, gimbal_earth_yaw, had_gimbal = (msg.pointing_a / 100.0, msg.pointing_c / 100.0), None, True
            elif kind == "MOUNT_ORIENTATION":
                gimbal, gimbal_earth_yaw, had_gimbal = (float(msg.pitch), float(msg.yaw)), None, True
            elif kind == "GIMBAL_DEVICE_ATTITUDE_STATUS":
                if any(math.isnan(v) for v in msg.q):
                    continue
                _, gpitch, gyaw = _quat_to_euler_deg(list(msg.q))
                had_gimbal = True
                if msg.flags & (_YAW_IN_EARTH_FRAME | _YAW_LOCK):
                    gimbal, gimbal_earth_yaw = (gpitch, 0.0), gyaw
                else:
                    gimbal, gimbal_earth_yaw = (gpitch, gyaw), None
            elif kind == "CAMERA_CAPTURE_STATUS":
                recording = msg.video_status == 1
    finally:
        conn.close()
    return FlownTrack(str(p), chosen, tuple(poses), had_gimbal, recording is not None, dropped)


def read_poses(path: str | os.PathLike[str], **kwargs: object) -> list[Pose]:
    """Just the poses of :func:`read_track`."""
    return list(read_track(path, **kwargs).poses)  # type: ignore[arg-type]
