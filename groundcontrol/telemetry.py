"""Turning one vehicle's MAVLink messages into state and events.

:class:`VehicleState` is owned by the link thread: it is updated message by message and
hands out immutable :class:`~groundcontrol.snapshot.VehicleSnapshot` copies. pymavlink
messages stop here; everything past this module sees typed values.

The table :data:`WANTED_RATES` is the telemetry the station asks for, and
:data:`STREAM_FALLBACK` the old-style data streams that carry the same messages, for
autopilots that do not acknowledge MAV_CMD_SET_MESSAGE_INTERVAL.
"""

from __future__ import annotations

import collections
import math
import time

from groundcontrol import events as ev
from groundcontrol.modes import mode_name
from groundcontrol.snapshot import PARTS, LinkHealth, StatusLine, VehicleSnapshot

# message id -> rate in Hz
WANTED_RATES: dict[int, float] = {
    33: 5.0,   # GLOBAL_POSITION_INT
    30: 10.0,  # ATTITUDE (camera pose for geolocation)
    74: 4.0,   # VFR_HUD
    1: 2.0,    # SYS_STATUS
    24: 2.0,   # GPS_RAW_INT
    42: 2.0,   # MISSION_CURRENT
    193: 1.0,  # EKF_STATUS_REPORT
    147: 1.0,  # BATTERY_STATUS
}
# MAV_DATA_STREAM id -> Hz, covering WANTED_RATES (see ardupilot-facts section 1).
STREAM_FALLBACK: dict[int, float] = {6: 5.0, 10: 10.0, 11: 4.0, 2: 2.0, 12: 1.0}

MAV_STATE_ACTIVE = 4
MAV_MODE_FLAG_SAFETY_ARMED = 128
PREARM_CHECK_BIT = 0x10000000
EKF_NEEDED = 0x01 | 0x02 | 0x10  # attitude, horizontal velocity, absolute horizontal position
EKF_BAD = 0x80 | 0x400  # constant-position mode, uninitialised
MISSION_STATE_COMPLETE = 5
STATUSTEXT_KEEP = 30
# A boot clock this far behind the last one means a restart, not a late packet.
REBOOT_CLOCK_DROP_S = 5.0


class VehicleState:
    """Mutable state of one vehicle, touched only by the link thread."""

    def __init__(self, system_id: int, component_id: int) -> None:
        self.system_id = system_id
        self.component_id = component_id
        self.v: dict[str, object] = {}  # VehicleSnapshot field -> value
        self.stamps: dict[str, float] = {}  # part -> monotonic time
        self.texts: collections.deque[StatusLine] = collections.deque(maxlen=STATUSTEXT_KEEP)
        self.link = LinkHealth()
        self._chunks: dict[int, str] = {}  # STATUSTEXT id -> partial text (long texts come in chunks)
        self._handlers = {
            "HEARTBEAT": self._heartbeat,
            "GLOBAL_POSITION_INT": self._position,
            "ATTITUDE": self._attitude,
            "VFR_HUD": self._vfr,
            "SYS_STATUS": self._sys_status,
            "BATTERY_STATUS": self._battery,
            "GPS_RAW_INT": self._gps,
            "EKF_STATUS_REPORT": self._ekf,
            "HOME_POSITION": self._home,
            "MISSION_CURRENT": self._mission_current,
            "MISSION_ITEM_REACHED": self._reached,
            "STATUSTEXT": self._statustext,
            "EXTENDED_SYS_STATE": self._extended,
        }

    # -- update ---------------------------------------------------------------------------
    def update(self, msg, now: float) -> list[ev.Event]:
        """Apply one message; returns the events it caused (possibly none)."""
        handler = self._handlers.get(msg.get_type())
        if handler is None:
            return []
        return handler(msg, now) or []

    def _heartbeat(self, m, now):
        out = []
        v = self.v
        first = "vehicle_type" not in v
        v["vehicle_type"], v["autopilot"] = m.type, m.autopilot
        if first:
            out.append(ev.VehicleDiscovered(self.system_id, now, m.type, m.autopilot))
        new_mode = mode_name(m.type, m.custom_mode)
        old_mode = v.get("mode")
        v["custom_mode"], v["mode"], v["system_status"] = m.custom_mode, new_mode, m.system_status
        if new_mode != old_mode:
            out.append(ev.ModeChanged(self.system_id, now, old_mode, new_mode))
        armed = bool(m.base_mode & MAV_MODE_FLAG_SAFETY_ARMED)
        if armed != v.get("armed", False) or first:
            if armed != v.get("armed", False):
                out.append(ev.ArmedChanged(self.system_id, now, armed))
            v["armed"] = armed
        if self.stamps.get("extended_state") is None or now - self.stamps["extended_state"] > 3.0:
            # No EXTENDED_SYS_STATE: ArduPilot reports ACTIVE only while flying.
            self._set_in_air(m.system_status == MAV_STATE_ACTIVE, now, out)
        self.stamps["heartbeat"] = now
        return out

    def _set_in_air(self, in_air: bool, now: float, out: list) -> None:
        if self.v.get("in_air") != in_air:
            if self.v.get("in_air") is not None or in_air:
                out.append(ev.LandedChanged(self.system_id, now, in_air))
            self.v["in_air"] = in_air

    def _extended(self, m, now):
        out: list = []
        # MAV_LANDED_STATE: 1 on ground, 2 in air, 3 taking off, 4 landing; 0 undefined
        if m.landed_state:
            self._set_in_air(m.landed_state != 1, now, out)
            self.stamps["extended_state"] = now
        return out

    def _position(self, m, now):
        v = self.v
        v["lat"], v["lon"] = m.lat / 1e7, m.lon / 1e7
        v["alt_amsl"], v["alt_rel"] = m.alt * 1e-3, m.relative_alt * 1e-3
        v["vn"], v["ve"], v["vd"] = m.vx * 0.01, m.vy * 0.01, m.vz * 0.01
        previous, boot = v.get("vehicle_time"), m.time_boot_ms / 1000.0
        v["vehicle_time"] = boot
        self.stamps["position"] = now
        if previous is not None and boot < previous - REBOOT_CLOCK_DROP_S:
            # The waypoint the old boot last reached is not the new boot's: do not show it as current.
            v.pop("last_reached_seq", None)
            return [ev.VehicleRebooted(self.system_id, now, previous, boot)]
        return None

    def _attitude(self, m, now):
        v = self.v
        v["roll"], v["pitch"] = math.degrees(m.roll), math.degrees(m.pitch)
        v["yaw"] = math.degrees(m.yaw) % 360.0
        self.stamps["attitude"] = now

    def _vfr(self, m, now):
        v = self.v
        v["groundspeed"], v["airspeed"], v["heading"] = m.groundspeed, m.airspeed, float(m.heading)
        v["climb"], v["throttle"] = m.climb, m.throttle
        self.stamps["vfr"] = now

    def _sys_status(self, m, now):
        v = self.v
        if m.voltage_battery not in (0, 65535):
            v["battery_voltage"] = m.voltage_battery * 1e-3
        if m.battery_remaining >= 0:
            v["battery_pct"] = float(m.battery_remaining)
        if m.current_battery >= 0:
            v["battery_current"] = m.current_battery * 0.01
        if m.onboard_control_sensors_present & PREARM_CHECK_BIT:
            v["prearm_ok"] = bool(m.onboard_control_sensors_health & PREARM_CHECK_BIT)
        self.stamps["sys_status"] = now
        self.stamps["battery"] = now

    def _battery(self, m, now):
        if m.current_consumed >= 0:
            self.v["battery_consumed_mah"] = float(m.current_consumed)
        if m.battery_remaining >= 0:
            self.v["battery_pct"] = float(m.battery_remaining)
        self.stamps["battery"] = now

    def _gps(self, m, now):
        v = self.v
        v["gps_fix"] = m.fix_type
        v["gps_satellites"] = None if m.satellites_visible == 255 else m.satellites_visible
        v["gps_hdop"] = None if m.eph == 65535 else m.eph / 100.0
        self.stamps["gps"] = now

    def _ekf(self, m, now):
        self.v["ekf_flags"] = m.flags
        self.v["ekf_ok"] = (m.flags & EKF_NEEDED) == EKF_NEEDED and not (m.flags & EKF_BAD)
        self.stamps["ekf"] = now

    def _home(self, m, now):
        lat, lon, alt = m.latitude / 1e7, m.longitude / 1e7, m.altitude / 1e3
        old = (self.v.get("home_lat"), self.v.get("home_lon"), self.v.get("home_alt_amsl"))
        self.v["home_lat"], self.v["home_lon"], self.v["home_alt_amsl"] = lat, lon, alt
        self.stamps["home"] = now
        if old != (lat, lon, alt):
            return [ev.HomeChanged(self.system_id, now, lat, lon, alt)]
        return None

    def _mission_current(self, m, now):
        out = []
        v = self.v
        state = getattr(m, "mission_state", 0) or None
        total = getattr(m, "total", 0)
        if (m.seq, total) != (v.get("mission_seq"), v.get("mission_total")):
            out.append(ev.MissionProgress(self.system_id, now, m.seq, total))
        if state == MISSION_STATE_COMPLETE and v.get("mission_state") not in (None, MISSION_STATE_COMPLETE):
            out.append(ev.MissionFinished(self.system_id, now, m.seq))
        v["mission_seq"], v["mission_total"], v["mission_state"] = m.seq, total, state
        self.stamps["mission"] = now
        return out

    def _reached(self, m, now):
        self.v["last_reached_seq"] = m.seq
        return [ev.WaypointReached(self.system_id, now, m.seq)]

    def _statustext(self, m, now):
        text = m.text if isinstance(m.text, str) else m.text.decode("utf-8", "replace")
        text = text.rstrip("\x00")
        chunk_id = getattr(m, "id", 0)
        if chunk_id:  # MAVLink 2 long texts: chunks share an id; a full 50-char chunk means more follow
            full_chunk = len(text) == 50
            text = self._chunks.pop(chunk_id, "") + text
            if full_chunk:
                self._chunks[chunk_id] = text
                return None
        line = StatusLine(m.severity, text, time.time())
        self.texts.append(line)
        return [ev.StatusText(self.system_id, now, m.severity, text)]

    # -- read -----------------------------------------------------------------------------
    def snapshot(self, now: float | None = None) -> VehicleSnapshot:
        """An immutable copy of the current state with the age of every part."""
        now = time.monotonic() if now is None else now
        ages = {p: (now - self.stamps[p]) if p in self.stamps else None for p in PARTS}
        hb = ages["heartbeat"]
        link = LinkHealth(**{**self.link.__dict__, "heartbeat_age": hb})
        return VehicleSnapshot(system_id=self.system_id, time=now, wall_time=time.time(), link=link,
                               statustexts=tuple(self.texts), ages=ages, **self.v)
