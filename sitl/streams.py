"""Telemetry stream rates per link, the ArduCopter way.

REQUEST_DATA_STREAM sets a stream group's rate on the link it arrives on (and the link's
``MAVn_*`` parameter); SET_MESSAGE_INTERVAL overrides one message's rate. Copter's
defaults are 0 for every group, so a link that asks for nothing gets only HEARTBEAT and
the unrequested messages. Groups and their members are the measured ones (facts §1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pymavlink.dialects.v20 import ardupilotmega as mavlink

M = mavlink
# stream id -> (MAVn_ parameter suffix, message ids)
STREAMS: dict[int, tuple[str, tuple[int, ...]]] = {
    1: ("RAW_SENS", (M.MAVLINK_MSG_ID_RAW_IMU, M.MAVLINK_MSG_ID_SCALED_IMU2, M.MAVLINK_MSG_ID_SCALED_IMU3,
                     M.MAVLINK_MSG_ID_SCALED_PRESSURE, M.MAVLINK_MSG_ID_SCALED_PRESSURE2)),
    2: ("EXT_STAT", (M.MAVLINK_MSG_ID_SYS_STATUS, M.MAVLINK_MSG_ID_GPS_RAW_INT, M.MAVLINK_MSG_ID_MEMINFO,
                     M.MAVLINK_MSG_ID_MISSION_CURRENT, M.MAVLINK_MSG_ID_NAV_CONTROLLER_OUTPUT,
                     M.MAVLINK_MSG_ID_POWER_STATUS, M.MAVLINK_MSG_ID_POSITION_TARGET_GLOBAL_INT)),
    3: ("RC_CHAN", (M.MAVLINK_MSG_ID_RC_CHANNELS, M.MAVLINK_MSG_ID_SERVO_OUTPUT_RAW)),
    4: ("RAW_CTRL", ()),
    6: ("POSITION", (M.MAVLINK_MSG_ID_GLOBAL_POSITION_INT, M.MAVLINK_MSG_ID_LOCAL_POSITION_NED)),
    10: ("EXTRA1", (M.MAVLINK_MSG_ID_ATTITUDE, M.MAVLINK_MSG_ID_AHRS2, M.MAVLINK_MSG_ID_SIMSTATE)),
    11: ("EXTRA2", (M.MAVLINK_MSG_ID_VFR_HUD,)),
    12: ("EXTRA3", (M.MAVLINK_MSG_ID_AHRS, M.MAVLINK_MSG_ID_BATTERY_STATUS, M.MAVLINK_MSG_ID_EKF_STATUS_REPORT,
                   M.MAVLINK_MSG_ID_SYSTEM_TIME, M.MAVLINK_MSG_ID_VIBRATION, M.MAVLINK_MSG_ID_WIND)),
}
ALL_STREAMS = 0
STREAM_OF: dict[int, int] = {mid: sid for sid, (_, ids) in STREAMS.items() for mid in ids}
# Messages that can be streamed or requested (others: "No ap_message for mavlink id").
KNOWN_MESSAGES = frozenset(STREAM_OF) | {M.MAVLINK_MSG_ID_HEARTBEAT, M.MAVLINK_MSG_ID_HOME_POSITION,
                                         M.MAVLINK_MSG_ID_GPS_GLOBAL_ORIGIN,
                                         M.MAVLINK_MSG_ID_AUTOPILOT_VERSION,
                                         M.MAVLINK_MSG_ID_MESSAGE_INTERVAL, M.MAVLINK_MSG_ID_TIMESYNC,
                                         M.MAVLINK_MSG_ID_CAMERA_INFORMATION,
                                         M.MAVLINK_MSG_ID_GIMBAL_MANAGER_INFORMATION,
                                         M.MAVLINK_MSG_ID_GIMBAL_DEVICE_ATTITUDE_STATUS,
                                         M.MAVLINK_MSG_ID_MOUNT_ORIENTATION}
MAX_CATCH_UP = 4  # a busy host may send a few late messages at once, then drops the rest


@dataclass
class LinkStreams:
    """Rates and due times of one link's telemetry."""

    stream_hz: dict[int, float] = field(default_factory=dict)
    interval_s: dict[int, float] = field(default_factory=dict)   # <0: disabled by interval -1
    _due: dict[int, float] = field(default_factory=dict)

    def set_stream(self, stream_id: int, hz: float, start: bool) -> list[int]:
        """Apply REQUEST_DATA_STREAM; returns the stream ids whose rate changed."""
        ids = list(STREAMS) if stream_id == ALL_STREAMS else ([stream_id] if stream_id in STREAMS else [])
        rate = hz if start else 0.0
        for sid in ids:
            self.stream_hz[sid] = rate
            for mid in STREAMS[sid][1]:
                self._due.pop(mid, None)
        return ids

    def set_interval(self, msg_id: int, interval_us: float) -> None:
        """SET_MESSAGE_INTERVAL: -1 stops, 0 returns to the stream rate, >0 sets the interval."""
        if interval_us == 0:
            self.interval_s.pop(msg_id, None)
        elif interval_us < 0:
            self.interval_s[msg_id] = -1.0
        else:
            self.interval_s[msg_id] = interval_us / 1e6
        self._due.pop(msg_id, None)

    def period_s(self, msg_id: int) -> float | None:
        """Seconds between sends of a message on this link (None = not sent)."""
        iv = self.interval_s.get(msg_id)
        if iv is not None:
            return iv if iv > 0 else None
        sid = STREAM_OF.get(msg_id)
        hz = self.stream_hz.get(sid, 0.0) if sid is not None else 0.0
        return 1.0 / hz if hz > 0 else None

    def due(self, now: float) -> list[int]:
        """Message ids to send now (a message late by several periods is sent a few times)."""
        out: list[int] = []
        for mid in set(STREAM_OF) | set(self.interval_s):
            period = self.period_s(mid)
            if period is None:
                continue
            nxt = self._due.get(mid)
            if nxt is None:
                self._due[mid] = now + period
                out.append(mid)
                continue
            n = 0
            while nxt <= now and n < MAX_CATCH_UP:
                out.append(mid)
                nxt += period
                n += 1
            if nxt <= now:
                nxt = now + period
            self._due[mid] = nxt
        return out
