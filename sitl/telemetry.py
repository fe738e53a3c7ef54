"""Telemetry messages built from the simulated vehicle's state, with ArduCopter's field
conventions (facts §1, §2, §4, §8): positions as 1e-7 degrees and millimetres, home in
HOME_POSITION with a NaN quaternion, a constant 12.6 V battery, GPS_RAW_INT with an RTK
fix and 10 satellites once the GPS is detected, zeros before that.
"""

from __future__ import annotations

import math
import random
import time
from typing import TYPE_CHECKING, Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from search_patterns.geo import offset_latlon
from sitl import modes as M
from sitl.readiness import EKF_GPS

if TYPE_CHECKING:  # pragma: no cover
    from sitl.autopilot import Autopilot

m = mavlink
SENSORS_PRESENT = 0x5371FC2F
SENSORS_HEALTH = 0x4771FC2F
POS_CONTROL_BITS = 0x2000 | 0x4000
PREARM_BIT = 0x10000000
CAPABILITIES = 64495
FLIGHT_SW_VERSION = 0x04070000
GIT_HASH = b"2598e9d4"
UID2 = b"3d1219c7c4c5404aa"
VERSION_BANNER = "ArduCopter V4.7.0-dev (2598e9d4)"
UID_BANNER = "3D1219C7C4C5404AA0000000000000"
FRAME_BANNER = "Frame: QUAD/PLUS"


class Telemetry:
    """Builds outgoing messages; owns the GPS noise (a slowly wandering position error)."""

    def __init__(self, ap: Autopilot, gps_noise_m: float = 0.0, seed: int = 0) -> None:
        self.ap = ap
        self.gps_noise_m = gps_noise_m
        self._rng = random.Random(seed + 7919)
        self._noise_n = self._noise_e = 0.0
        self._unix0 = time.time()

    # ---------------------------------------------------------------- state helpers
    def step_noise(self, dt: float) -> None:
        if self.gps_noise_m <= 0.0:
            return
        k = math.exp(-dt / 20.0)  # GPS error wanders over tens of seconds
        sigma = self.gps_noise_m * math.sqrt(1.0 - k * k)
        self._noise_n = k * self._noise_n + self._rng.gauss(0.0, sigma)
        self._noise_e = k * self._noise_e + self._rng.gauss(0.0, sigma)

    def _ms(self) -> int:
        return int(self.ap.now * 1000) & 0xFFFFFFFF

    def _usec(self) -> int:
        return int((self._unix0 + self.ap.now) * 1e6)

    def _reported_latlon(self) -> tuple[int, int]:
        """Position as the GPS/EKF reports it (noise added), 1e-7 degrees; 0 before the GPS is found."""
        if not self.ap.readiness.has("gps"):
            return 0, 0
        f = self.ap.flight

        lat, lon = offset_latlon(f.lat0, f.lon0, f.north + self._noise_n, f.east + self._noise_e)
        return round(lat * 1e7), round(lon * 1e7)

    def _alt_amsl_mm(self) -> int:
        return int((self.ap.flight.alt0_amsl + self.ap.flight.alt) * 1000)

    def base_mode(self) -> int:
        bm = 81
        if self.ap.mode in M.POSITION_MODES or not self.ap.readiness.has("booted"):   # 89 at boot (measured)
            bm |= 8
        if self.ap.armed:
            bm |= 128
        return bm

    # ---------------------------------------------------------------- always-on messages
    def heartbeat(self) -> Any:
        return m.MAVLink_heartbeat_message(m.MAV_TYPE_QUADROTOR, m.MAV_AUTOPILOT_ARDUPILOTMEGA, self.base_mode(),
                                           self.ap.mode, self.ap.system_status, 3)

    def statustext(self, severity: int, text: str) -> Any:
        return m.MAVLink_statustext_message(severity, text.encode()[:50], 0, 0)

    def timesync(self) -> Any:
        return m.MAVLink_timesync_message(0, int(self.ap.now * 1e9))

    def home_position(self) -> Any | None:
        ap = self.ap
        if ap.home is None:
            return None
        lat, lon, alt = ap.home
        hn, he = ap.home_ne()
        nan = float("nan")
        return m.MAVLink_home_position_message(round(lat * 1e7), round(lon * 1e7), int(alt * 1000), hn, he,
                                               -(alt - ap.flight.alt0_amsl), [nan] * 4, 0, 0, 0, self._usec())

    def gps_global_origin(self) -> Any | None:
        f = self.ap.flight
        if self.ap.home is None:
            return None
        return m.MAVLink_gps_global_origin_message(round(f.lat0 * 1e7), round(f.lon0 * 1e7),
                                                   int(f.alt0_amsl * 1000), self._usec())

    def autopilot_version(self) -> Any:
        return m.MAVLink_autopilot_version_message(CAPABILITIES, FLIGHT_SW_VERSION, 0, 0, 0, list(GIT_HASH),
                                                   [0] * 8, [0] * 8, 0, 0, 0, list(UID2.ljust(18, b"\0")))

    def mission_current(self) -> Any:
        ap = self.ap
        total = max(ap.store.count - 1, 0)
        return m.MAVLink_mission_current_message(ap.auto.current, total, ap.auto.mission_state,
                                                 1 if ap.mode == M.AUTO else 0)

    def param_value(self, name: str) -> Any:
        p = self.ap.params
        return m.MAVLink_param_value_message(name.encode(), p[name], p.type_of(name), len(p), p.index_of(name))

    # ---------------------------------------------------------------- streamed messages
    def build(self, msg_id: int) -> Any | None:
        """The message with this id as it is now (None if this vehicle does not send it now)."""
        fn = _BUILDERS.get(msg_id)
        return fn(self) if fn else None

    def _sys_status(self) -> Any:
        ap = self.ap
        pos = ap.mode in M.POSITION_MODES
        enabled = SENSORS_PRESENT if pos else SENSORS_PRESENT & ~POS_CONTROL_BITS
        health = SENSORS_HEALTH if pos else SENSORS_HEALTH & ~POS_CONTROL_BITS
        if ap.readiness.has("booted") and ap.arm_failure() is None:
            health |= PREARM_BIT
        b = ap.battery
        return m.MAVLink_sys_status_message(SENSORS_PRESENT, enabled, health, 0, b.voltage_mv,
                                            int(b.current_a * 100), b.remaining_pct, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    def _gps_raw_int(self) -> Any:
        ap, f = self.ap, self.ap.flight
        if not ap.readiness.has("gps"):
            return m.MAVLink_gps_raw_int_message(self._usec(), 0, 0, 0, 0, 65535, 65535, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        lat, lon = self._reported_latlon()
        return m.MAVLink_gps_raw_int_message(self._usec(), 6, lat, lon, self._alt_amsl_mm(), 121, 200,
                                             int(f.groundspeed * 100), int(f.course_deg * 100) % 36000, 10,
                                             self._alt_amsl_mm(), 300, 300, 40, 0, 0)

    def _global_position_int(self) -> Any:
        f = self.ap.flight
        lat, lon = self._reported_latlon()
        alt = self._alt_amsl_mm() if lat or lon else 0
        return m.MAVLink_global_position_int_message(self._ms(), lat, lon, alt, int(f.alt * 1000),
                                                     int(f.vn * 100), int(f.ve * 100), int(-f.vz * 100),
                                                     int(f.yaw * 100) % 36000)

    def _local_position_ned(self) -> Any | None:
        if self.ap.readiness.ekf_flags != EKF_GPS:
            return None
        f = self.ap.flight
        return m.MAVLink_local_position_ned_message(self._ms(), f.north, f.east, -f.alt, f.vn, f.ve, -f.vz)

    def _attitude(self) -> Any:
        f = self.ap.flight
        yaw = math.radians((f.yaw + 180.0) % 360.0 - 180.0)
        return m.MAVLink_attitude_message(self._ms(), math.radians(f.roll), math.radians(f.pitch), yaw, 0, 0, 0)

    def _vfr_hud(self) -> Any:
        f = self.ap.flight
        wn, we = f.wind_vector()
        airspeed = math.hypot(f.vn - wn, f.ve - we) if f.airborne else 0.0
        throttle = 0 if not self.ap.armed else (50 if f.airborne else 10)
        return m.MAVLink_vfr_hud_message(airspeed, f.groundspeed, int(f.yaw) % 360, throttle,
                                         f.alt0_amsl + f.alt, f.vz)

    def _battery_status(self) -> Any:
        b = self.ap.battery
        return m.MAVLink_battery_status_message(0, 0, 0, 32767, [b.voltage_mv] + [65535] * 9, int(b.current_a * 100),
                                                int(b.consumed_mah), b.energy_hj, b.remaining_pct, 0, 1,
                                                [0] * 4, 0, 0)

    def _ekf_status_report(self) -> Any:
        return m.MAVLink_ekf_status_report_message(self.ap.readiness.ekf_flags, 0.02, 0.01, 0.01, 0.02, 0.0, 0.0)

    def _nav_controller_output(self) -> Any:
        ap, f = self.ap, self.ap.flight
        tgt = ap.auto.nav_target() if ap.mode == M.AUTO else None
        if tgt is None:
            return m.MAVLink_nav_controller_output_message(f.roll, f.pitch, int(f.yaw), int(f.yaw), 0, 0, 0, 0)
        n, e, alt = tgt
        brg = int(math.degrees(math.atan2(e - f.east, n - f.north)) % 360)
        return m.MAVLink_nav_controller_output_message(f.roll, f.pitch, brg, brg, min(int(f.distance_to(n, e)), 65535),
                                                       alt - f.alt, 0, 0)

    def _position_target_global_int(self) -> Any | None:
        ap = self.ap
        if ap.mode not in (M.GUIDED, M.AUTO) or not ap.armed:
            return None
        tgt = ap.auto.nav_target() if ap.mode == M.AUTO else None
        f = ap.flight
        n, e, alt = tgt if tgt else (f.north, f.east, f.alt)

        lat, lon = offset_latlon(f.lat0, f.lon0, n, e)
        return m.MAVLink_position_target_global_int_message(self._ms(), 6, 0xFF8, round(lat * 1e7), round(lon * 1e7),
                                                            alt, 0, 0, 0, 0, 0, 0, 0, 0)

    def _rc_channels(self) -> Any:
        return m.MAVLink_rc_channels_message(self._ms(), 16, 1500, 1500, 1000, 1500, 1800, 1000, 1000, 1800,
                                             *([0] * 10), 255)

    def _servo_output_raw(self) -> Any:
        pwm = 1000 if not self.ap.armed else (1550 if self.ap.airborne else 1100)
        return m.MAVLink_servo_output_raw_message(self._usec() & 0xFFFFFFFF, 0, pwm, pwm, pwm, pwm, *([0] * 12))

    def _system_time(self) -> Any:
        return m.MAVLink_system_time_message(self._usec(), self._ms())

    def _simple(self, kind: str) -> Any:
        f = self.ap.flight
        if kind == "meminfo":
            return m.MAVLink_meminfo_message(0, 65535, 131072)
        if kind == "power":
            return m.MAVLink_power_status_message(5000, 0, 0)
        if kind == "ahrs":
            return m.MAVLink_ahrs_message(0, 0, 0, 0, 0, 0.001, 0.001)
        if kind == "ahrs2":
            lat, lon = self._reported_latlon()
            return m.MAVLink_ahrs2_message(math.radians(f.roll), math.radians(f.pitch), math.radians(f.yaw),
                                           f.alt0_amsl + f.alt, lat, lon)
        if kind == "vibration":
            return m.MAVLink_vibration_message(self._usec(), 0.01, 0.01, 0.01, 0, 0, 0)
        if kind == "wind":
            wn, we = f.wind_vector()
            return m.MAVLink_wind_message((math.degrees(math.atan2(-we, -wn))) % 360, math.hypot(wn, we), 0.0)
        if kind == "simstate":
            lat, lon = f.latlon()
            return m.MAVLink_simstate_message(math.radians(f.roll), math.radians(f.pitch), math.radians(f.yaw),
                                              0, 0, -9.81, 0, 0, 0, round(lat * 1e7), round(lon * 1e7))
        if kind == "raw_imu":
            return m.MAVLink_raw_imu_message(self._usec(), 0, 0, -1000, 0, 0, 0, 200, 50, -400, 0, 0)
        if kind == "imu2":
            return m.MAVLink_scaled_imu2_message(self._ms(), 0, 0, -1000, 0, 0, 0, 200, 50, -400, 0)
        if kind == "imu3":
            return m.MAVLink_scaled_imu3_message(self._ms(), 0, 0, -1000, 0, 0, 0, 200, 50, -400, 0)
        press = 1013.25 * (1 - 2.25577e-5 * (f.alt0_amsl + f.alt)) ** 5.25588
        if kind == "press":
            return m.MAVLink_scaled_pressure_message(self._ms(), press, 0, 2500, 0)
        return m.MAVLink_scaled_pressure2_message(self._ms(), press, 0, 2500, 0)


_BUILDERS = {
    m.MAVLINK_MSG_ID_SYS_STATUS: Telemetry._sys_status,
    m.MAVLINK_MSG_ID_GPS_RAW_INT: Telemetry._gps_raw_int,
    m.MAVLINK_MSG_ID_GLOBAL_POSITION_INT: Telemetry._global_position_int,
    m.MAVLINK_MSG_ID_LOCAL_POSITION_NED: Telemetry._local_position_ned,
    m.MAVLINK_MSG_ID_ATTITUDE: Telemetry._attitude,
    m.MAVLINK_MSG_ID_VFR_HUD: Telemetry._vfr_hud,
    m.MAVLINK_MSG_ID_BATTERY_STATUS: Telemetry._battery_status,
    m.MAVLINK_MSG_ID_EKF_STATUS_REPORT: Telemetry._ekf_status_report,
    m.MAVLINK_MSG_ID_MISSION_CURRENT: Telemetry.mission_current,
    m.MAVLINK_MSG_ID_NAV_CONTROLLER_OUTPUT: Telemetry._nav_controller_output,
    m.MAVLINK_MSG_ID_POSITION_TARGET_GLOBAL_INT: Telemetry._position_target_global_int,
    m.MAVLINK_MSG_ID_RC_CHANNELS: Telemetry._rc_channels,
    m.MAVLINK_MSG_ID_SERVO_OUTPUT_RAW: Telemetry._servo_output_raw,
    m.MAVLINK_MSG_ID_SYSTEM_TIME: Telemetry._system_time,
    m.MAVLINK_MSG_ID_HOME_POSITION: Telemetry.home_position,
    m.MAVLINK_MSG_ID_GPS_GLOBAL_ORIGIN: Telemetry.gps_global_origin,
    m.MAVLINK_MSG_ID_AUTOPILOT_VERSION: Telemetry.autopilot_version,
    m.MAVLINK_MSG_ID_HEARTBEAT: Telemetry.heartbeat,
    m.MAVLINK_MSG_ID_MEMINFO: lambda t: t._simple("meminfo"),
    m.MAVLINK_MSG_ID_POWER_STATUS: lambda t: t._simple("power"),
    m.MAVLINK_MSG_ID_AHRS: lambda t: t._simple("ahrs"),
    m.MAVLINK_MSG_ID_AHRS2: lambda t: t._simple("ahrs2"),
    m.MAVLINK_MSG_ID_VIBRATION: lambda t: t._simple("vibration"),
    m.MAVLINK_MSG_ID_WIND: lambda t: t._simple("wind") if t.ap.readiness.ekf_flags == EKF_GPS else None,
    m.MAVLINK_MSG_ID_SIMSTATE: lambda t: t._simple("simstate"),
    m.MAVLINK_MSG_ID_RAW_IMU: lambda t: t._simple("raw_imu"),
    m.MAVLINK_MSG_ID_SCALED_IMU2: lambda t: t._simple("imu2"),
    m.MAVLINK_MSG_ID_SCALED_IMU3: lambda t: t._simple("imu3"),
    m.MAVLINK_MSG_ID_SCALED_PRESSURE: lambda t: t._simple("press"),
    m.MAVLINK_MSG_ID_SCALED_PRESSURE2: lambda t: t._simple("press2"),
}
