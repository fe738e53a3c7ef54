"""The simulated ArduCopter's decisions: arming, modes, takeoff, landing, failsafes.

Everything here runs on the sim thread and on sim time. It says what happened through
an ``out`` object (STATUSTEXT, broadcast messages, an immediate HEARTBEAT on every mode or
arm change, home updates); the links and telemetry live elsewhere.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

from sitl import modes as M
from sitl.auto_mission import AutoMission
from sitl.battery import Battery
from sitl.behaviours import (
    BRAKE_ACCEL,
    LOITER_ACCEL,
    MANUAL_SINK,
    HoldPoint,
    Land,
    ReturnToLaunch,
    brake_then_hold,
    hold,
    pilot_sink_rate,
)
from sitl.failsafes import Failsafes
from sitl.flight import FlightModel, Target
from sitl.mission_store import MissionStore
from sitl.params import ParamStore
from sitl.readiness import Readiness

MAV_RESULT_ACCEPTED, MAV_RESULT_DENIED, MAV_RESULT_FAILED = 0, 2, 4
SEV_CRITICAL, SEV_WARNING, SEV_INFO = 2, 4, 6
LAND_DISARM_DELAY_S = 2.0     # touchdown → disarm in LAND/RTL (measured 2.0 s)
SPOOL_UP_S = 3.0              # arming → liftoff after an immediate takeoff command (measured 3.5–4 s)


class Out(Protocol):
    def text(self, severity: int, text: str) -> None: ...
    def broadcast(self, msg: Any) -> None: ...
    def heartbeat_now(self) -> None: ...
    def home_changed(self) -> None: ...


class Autopilot:
    """Vehicle state and behaviour. ``update(dt)`` advances it by one physics step."""

    def __init__(self, home: tuple[float, float, float, float], params: ParamStore, readiness: Readiness,
                 out: Out, battery_mah: float, wind: tuple[float, float, float] = (0.0, 0.0, 0.0),
                 seed: int = 0, gimbal_pitch_deg: float = -90.0) -> None:
        lat, lon, alt, hdg = home
        self.params = params
        self.readiness = readiness
        self.out = out
        self.flight = FlightModel(lat, lon, alt, hdg, wind[0], wind[1], wind[2], seed)
        self.battery = Battery(battery_mah)
        self.store = MissionStore()
        self.auto = AutoMission(self)
        self.now = 0.0
        self.mode = M.STABILIZE
        self.armed = False
        self.home: tuple[float, float, float] | None = None        # lat, lon, alt AMSL once the EKF has an origin
        self._ground_alt_amsl = alt
        self._home_ne = (0.0, 0.0)
        self.auto_takeoff_allowed = False
        self._arm_time = 0.0
        self._ground_since = 0.0
        self._landed_at: float | None = None
        self._takeoff_alt: float | None = None
        self._takeoff_start = 0.0
        self._hold: HoldPoint | None = None
        self._guided_target: tuple[float, float, float] | None = None
        self.guided_speed: float | None = None
        self._rtl: ReturnToLaunch | None = None
        self._land: Land | None = None
        self._prearm_text_at: float | None = None
        self.gimbal_pitch = gimbal_pitch_deg
        self.gimbal_yaw = 0.0
        self._roi: tuple[float, float, float] | None = None
        self.failsafes = Failsafes(self)
        self._yaw_align_at: float | None = None

    # ---------------------------------------------------------------- helpers for collaborators
    def text(self, severity: int, text: str) -> None:
        self.out.text(severity, text)

    def broadcast(self, msg: Any) -> None:
        self.out.broadcast(msg)

    def home_ne(self) -> tuple[float, float]:
        return self._home_ne

    def home_alt_amsl(self) -> float:
        return self.home[2] if self.home else self._ground_alt_amsl

    def set_roi(self, roi: tuple[float, float, float] | None) -> None:
        self._roi = roi
        if roi is None:
            self.flight.yaw_target = None

    def set_gimbal(self, pitch_deg: float, yaw_deg: float) -> None:
        self._roi = None
        self.gimbal_pitch = max(-90.0, min(30.0, pitch_deg))
        self.gimbal_yaw = yaw_deg

    @property
    def airborne(self) -> bool:
        return not self.flight.on_ground

    @property
    def position_ok(self) -> bool:
        return self.readiness.has("position_ok")

    @property
    def system_status(self) -> int:
        if not self.readiness.has("booted"):
            return 1   # BOOT
        return 4 if (self.armed and self.airborne) else 3

    @property
    def landing(self) -> bool:
        if self.mode == M.LAND:
            return True
        if self.mode in (M.RTL, M.SMART_RTL) and self._rtl is not None:
            return self._rtl.landing
        return self.mode == M.AUTO and self.auto.landing

    # ---------------------------------------------------------------- readiness
    def on_boot_events(self, now: float) -> None:
        for ev in self.readiness.due(now):
            for sev, txt in ev.texts:
                self.text(sev, txt)
            if ev.change == "booted":
                self.store.ready = True
            elif ev.change == "origin":
                lat, lon = self.flight.latlon()
                self.home = (lat, lon, self._ground_alt_amsl)
                self._home_ne = (self.flight.north, self.flight.east)
                self.out.home_changed()

    # ---------------------------------------------------------------- arming
    def arm_failure(self, mode: int | None = None) -> str | None:
        """Why arming would fail now in ``mode`` (None = it would pass)."""
        mode = self.mode if mode is None else mode
        sensors = self.readiness.sensor_failure()
        if sensors:
            return sensors
        if mode in M.NOT_ARMABLE:
            return f"{M.name(mode)} mode not armable"
        if mode == M.AUTO:
            if self.store.count <= 1:
                return "Mode requires mission"
            if not int(self.params["AUTO_OPTIONS"]) & 1:
                return "AUTO mode not armable"
        if mode in M.POSITION_MODES and not self.position_ok:
            return "Need Position Estimate"
        return None

    def arm(self, force: bool = False) -> int:
        if self.armed:
            return MAV_RESULT_ACCEPTED
        reason = None if force else self.arm_failure()
        if reason:
            self.text(SEV_CRITICAL, f"Arm: {reason}")
            return MAV_RESULT_FAILED
        self.armed = True
        self._arm_time = self.now
        self._ground_since = self.now
        self._landed_at = None
        self.auto_takeoff_allowed = self.mode == M.AUTO and bool(int(self.params["AUTO_OPTIONS"]) & 2)
        self.text(SEV_INFO, "Arming motors")
        if self.home is not None and self.position_ok:
            lat, lon = self.flight.latlon()
            self.home = (lat, lon, self._ground_alt_amsl + self.flight.alt)
            self._home_ne = (self.flight.north, self.flight.east)
            self.out.home_changed()
        self.out.heartbeat_now()
        return MAV_RESULT_ACCEPTED

    def disarm(self, force: bool = False) -> int:
        if not self.armed:
            return MAV_RESULT_ACCEPTED
        if self.airborne and not force:
            return MAV_RESULT_FAILED
        self._do_disarm()
        return MAV_RESULT_ACCEPTED

    def _do_disarm(self) -> None:
        self.armed = False
        self.auto_takeoff_allowed = False
        self._takeoff_alt = None
        if self.mode == M.AUTO and self.auto.landing:
            self.auto.finished_landing()
        self.text(SEV_INFO, "Disarming motors")
        self.out.heartbeat_now()

    # ---------------------------------------------------------------- modes
    def set_mode(self, mode: int) -> int:
        """Change mode as ArduCopter does; returns the MAV_RESULT a DO_SET_MODE would get."""
        if not M.exists(mode):
            self.text(SEV_WARNING, f"No such mode {mode}")
            return MAV_RESULT_FAILED
        if mode in M.ENTRY_FAILS:
            self.text(SEV_WARNING, M.ENTRY_FAILS[mode])
            return MAV_RESULT_FAILED
        if mode == M.AUTO and (self.store.count <= 1 or not self.store.ready) and (self.armed or not self.store.ready):
            self.text(SEV_WARNING, "Mode change to AUTO failed: init failed")
            return MAV_RESULT_FAILED
        if self.armed and mode in M.POSITION_MODES and not self.position_ok:
            self.text(SEV_WARNING, f"Mode change to {M.name(mode)} failed: requires position")
            return MAV_RESULT_FAILED
        if mode == self.mode:
            return MAV_RESULT_ACCEPTED
        if self.mode == M.AUTO:
            self.auto.pause()
        self.mode = mode
        self._enter(mode)
        self.out.heartbeat_now()
        return MAV_RESULT_ACCEPTED

    def _enter(self, mode: int) -> None:
        f = self.flight
        self._hold = HoldPoint(f.north, f.east, f.alt)
        self._guided_target = None
        self._rtl = self._land = None
        self.flight.yaw_target = None
        if mode != M.GUIDED:
            self._takeoff_alt = None
        if mode in (M.RTL, M.SMART_RTL):
            self._rtl = ReturnToLaunch(f, self.params, self._home_ne, self.now)
        elif mode == M.LAND:
            self._land = Land(f, self.params)
        elif mode == M.AUTO:
            self.auto.start_or_resume()
        if mode in M.POSITION_MODES and not self.position_ok and not self.armed:
            self._prearm_text_at = self.now + 1.2
        else:
            self._prearm_text_at = None

    def mission_start(self) -> int:
        """MAV_CMD_MISSION_START: AUTO, and if armed on the ground, take off."""
        result = self.set_mode(M.AUTO)
        if result != MAV_RESULT_ACCEPTED:
            return result
        if self.armed:
            self.auto_takeoff_allowed = True
        if not self.auto.running:
            self.auto.start_or_resume()
        return MAV_RESULT_ACCEPTED

    def takeoff(self, alt: float) -> int:
        """MAV_CMD_NAV_TAKEOFF outside missions: only GUIDED climbs (SITL's throttle is at minimum)."""
        if not self.armed or self.airborne or self.mode not in M.USER_TAKEOFF:
            return MAV_RESULT_FAILED
        if self.mode == M.GUIDED:
            self._takeoff_alt = max(alt, 0.5)
            self._takeoff_start = max(self.now + 0.5, self._arm_time + SPOOL_UP_S)
            f = self.flight
            self._hold = HoldPoint(f.north, f.east, self._takeoff_alt)
        return MAV_RESULT_ACCEPTED

    def guided_goto(self, lat: float, lon: float, alt: float | None) -> bool:
        """Fly to a point in GUIDED (DO_REPOSITION, SET_POSITION_TARGET_GLOBAL_INT, guided items)."""
        if self.mode != M.GUIDED or not self.armed or not self.airborne:
            return False
        n, e = self.flight.to_local(lat, lon)
        self._guided_target = (n, e, self.flight.alt if alt is None else alt)
        self._takeoff_alt = None
        return True

    # ---------------------------------------------------------------- failsafes
    def gcs_heartbeat(self) -> None:
        self.failsafes.gcs_heartbeat()

    def failsafe_mode(self, mode: int) -> None:
        self.set_mode(mode)

    def force_disarm(self) -> None:
        self._do_disarm()

    # ---------------------------------------------------------------- the physics step
    def update(self, dt: float, now: float) -> None:
        self.now = now
        f = self.flight
        if self._prearm_text_at is not None and now >= self._prearm_text_at:
            self._prearm_text_at = None
            if self.mode in M.POSITION_MODES and not self.position_ok and not self.armed:
                self.text(SEV_CRITICAL, "PreArm: Need Position Estimate")
        if self.armed:
            self._fly(dt)
        elif f.airborne:
            f.fall(dt)
        was_on_ground = f.on_ground
        touchdown = f.integrate(dt)
        if was_on_ground and f.airborne and self._yaw_align_at is None:
            self._yaw_align_at = now + 2.0   # EKF in-flight yaw alignment, ≈5.6 s after arming (measured)
        if self._yaw_align_at is not None and self._yaw_align_at > 0 and now >= self._yaw_align_at:
            self._yaw_align_at = -1.0        # once per boot
            for imu in (0, 1):
                self.text(SEV_INFO, f"EKF3 IMU{imu} MAG0 in-flight yaw alignment complete")
        if touchdown is not None:
            self.text(SEV_INFO, f"SIM Hit ground at {touchdown:.2f} m/s")
            self._landed_at = now
            self._ground_since = now
        self._point_gimbal()
        self.battery.capacity_mah = self.params["BATT_CAPACITY"]
        self.battery.step(dt, self.armed and self.airborne, f.groundspeed, f.vz)
        self.failsafes.check()
        self._check_auto_disarm()

    def _check_auto_disarm(self) -> None:
        if not self.armed or self.airborne:
            return
        if self._landed_at is not None and self.landing:
            if self.now - self._landed_at >= LAND_DISARM_DELAY_S:
                self._do_disarm()
            return
        climbing = (self._takeoff_alt is not None) or (self.mode == M.AUTO and self.auto_takeoff_allowed
                                                       and self.auto.running)
        if climbing:
            self._ground_since = self.now
            return
        if self.now - self._ground_since >= self.params["DISARM_DELAY"] > 0:
            self._do_disarm()

    def _fly(self, dt: float) -> None:
        f, p, mode = self.flight, self.params, self.mode
        hp = self._hold or HoldPoint(f.north, f.east, f.alt)
        self._hold = hp
        if mode == M.GUIDED:
            if self._takeoff_alt is not None:
                if self.now >= self._takeoff_start:
                    f.horizontal_to(Target(hp.north, hp.east, 2.0), 2.5, dt)
                    f.vertical_to(self._takeoff_alt, p["WPNAV_SPEED_UP"] / 100.0, 1.5, dt)
                    if f.alt >= self._takeoff_alt - 0.1:
                        self._takeoff_alt = None
            elif self._guided_target is not None:
                n, e, alt = self._guided_target
                speed = self.guided_speed or p["WPNAV_SPEED"] / 100.0
                f.horizontal_to(Target(n, e, speed), p["WPNAV_ACCEL"] / 100.0, dt)
                f.vertical_to(alt, p["WPNAV_SPEED_UP"] / 100.0, p["WPNAV_SPEED_DN"] / 100.0, dt)
            elif f.airborne:
                hold(f, hp, dt)
        elif mode == M.AUTO:
            self.auto.update(dt)
        elif mode in (M.RTL, M.SMART_RTL) and self._rtl is not None:
            self._rtl.update(f, dt, self.now)
        elif mode == M.LAND and self._land is not None:
            self._land.update(f, dt)
        elif mode == M.BRAKE:
            brake_then_hold(f, hp, dt, BRAKE_ACCEL)
        elif mode in (M.LOITER, M.POSHOLD, M.CIRCLE, M.ZIGZAG):
            if f.airborne:
                brake_then_hold(f, hp, dt, LOITER_ACCEL)
                f.vertical_rate(pilot_sink_rate(p), dt)
        elif mode == M.ALT_HOLD:
            if f.airborne:
                f.drift(dt)
                f.vertical_rate(pilot_sink_rate(p), dt)
        elif mode in (M.STABILIZE, M.ACRO, M.DRIFT):
            if f.airborne:
                f.drift(dt)
                f.vertical_rate(-MANUAL_SINK, dt)
        elif f.airborne:
            hold(f, hp, dt)

    def _point_gimbal(self) -> None:
        if self._roi is None:
            return
        f = self.flight
        lat, lon, alt = self._roi
        n, e = f.to_local(lat, lon)
        dn, de = n - f.north, e - f.east
        dist = math.hypot(dn, de)
        bearing = math.degrees(math.atan2(de, dn)) % 360.0
        self.gimbal_pitch = max(-90.0, -math.degrees(math.atan2(f.alt - alt, max(dist, 0.01))))
        if dist > 2.0:
            f.yaw_target = bearing
        self.gimbal_yaw = (bearing - f.yaw + 540.0) % 360.0 - 180.0 if dist > 2.0 else 0.0
