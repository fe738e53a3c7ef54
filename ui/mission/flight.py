"""One vehicle's sortie: upload and verify, arm, start, watch it fly, react, bring it home.

Everything here goes through the ``groundcontrol.vehicle.Vehicle`` facade, so the same code
flies the built-in simulator, ArduPilot SITL or a real drone. What the station does on its own
account (not the autopilot's):

- On battery at or below ``failsafe.battery_rtl_percent`` it commands RTL.
- On link loss it records the outage; the autopilot's GCS failsafe (enabled before the flight
  where the vehicle accepts the parameter) brings the vehicle home.
- When the link comes back, or the vehicle restarts, it waits for fresh telemetry and reads the
  mission back (:mod:`ui.mission.onboard`, shared with ``sargc fly``). A changed mission is
  replaced by what is left of the plan. A vehicle still flying its plan in AUTO goes on with
  it; one flying anything else is sent home; one that restarted is on the ground, and its
  sortie ends with the rest of the plan in the resume block.
- Past the scenario's time limit it commands RTL.

An interrupted sortie records the last waypoint reached, so the rest of the area can be flown
later (``sargc mission --resume``).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from search_patterns.plan import Plan
from search_patterns.pose import Pose
from sitl.scenario import Scenario, ScenarioEvent
from ui.mission.camera_feed import TelemetryCamera, pose_from_snapshot
from ui.mission.model import TimelineEvent
from ui.mission.onboard import OnBoard, check_mission, reboot_text, wait_fresh
from ui.mission.remaining import rest_of_plan, waypoints_reached

RTL_MODES = ("RTL", "LAND", "SMART_RTL")
POLL_S = 0.05


class MissionAbort(Exception):
    """The sortie could not go on (upload refused, arming refused, link never came up)."""


@dataclass
class SortieResult:
    """What one sortie did, for the report and the resume plan."""

    name: str
    connection: str
    tlog: str
    plan: Plan
    first_wp_seq: int
    last_wp_reached: int = 0  # count of plan waypoints reached, 0 = none
    completed: bool = False
    interrupted_by: str | None = None
    track: list[tuple[float, float, float]] = field(default_factory=list)  # lat, lon, alt_rel
    poses: list[Pose] = field(default_factory=list)
    error: str | None = None
    airborne: bool = False


def _ok(result: Any, what: str) -> None:
    """Turn a typed command result (or False) into MissionAbort with the vehicle's reason."""
    if result is None or result is True:
        return
    if result is False:
        raise MissionAbort(f"{what} refused")
    ok = getattr(result, "ok", getattr(result, "success", True))
    if not ok:
        reason = getattr(result, "reason", None) or getattr(result, "message", None) or str(result)
        raise MissionAbort(f"{what} refused: {reason}")


class Sortie:
    """Fly ``plan`` with the vehicle at ``connection``; run in a thread with :meth:`run`."""

    def __init__(self, *, name: str, connection: str, tlog_path: str, plan: Plan, scenario: Scenario,
                 clock: Callable[[], float], emit: Callable[[TimelineEvent], None], camera: TelemetryCamera | None,
                 speedup: float, events: tuple[ScenarioEvent, ...] = (), endpoint: Any = None,
                 on_snapshot: Callable[[str, Any], None] | None = None,
                 stop_flag: threading.Event | None = None, abort_flag: threading.Event | None = None) -> None:
        self.name = name
        self.connection = connection
        self.tlog_path = tlog_path
        self.plan = plan
        self.scenario = scenario
        self.clock = clock
        self.emit_event = emit
        self.camera = camera
        self.speedup = max(1.0, speedup)
        self.events = list(events)
        self.endpoint = endpoint
        self.on_snapshot = on_snapshot
        self.stop_flag = stop_flag or threading.Event()  # operator: bring it home, keep watching
        self.abort_flag = abort_flag or threading.Event()  # operator: stop watching now
        self.items = plan.mission_items()
        self.onboard = OnBoard(plan, self.items)  # what the vehicle should hold: the plan, or its re-uploaded rest
        self.result = SortieResult(name, connection, tlog_path, plan, plan.first_waypoint_seq)
        self._q: queue.Queue = queue.Queue()
        self._rtl_sent = False
        self._shown_armed: bool | None = None  # what the timeline last said about arming
        self._check_pending = False  # link back or vehicle restarted: read its mission back
        self._rebooted = False
        self._gcs_failsafe_on = False
        self.vehicle: Any = None

    # -- helpers ---------------------------------------------------------------------------
    def emit(self, kind: str, text: str, severity: str = "info") -> None:
        self.emit_event(TimelineEvent(round(self.clock(), 1), self.name, kind, text, severity))

    def _show_armed(self, armed: bool) -> None:
        """Put "armed"/"disarmed" in the timeline once per change.

        Two sources report the same arming: our ARM command's acknowledgement (so the entry comes
        before "mission start") and the vehicle's heartbeat (``ArmedChanged``, which also catches
        an arm or disarm nobody here commanded). Whichever comes first writes the entry.
        """
        if armed == self._shown_armed:
            return
        self._shown_armed = armed
        self.emit("armed" if armed else "disarmed", "armed" if armed else "disarmed")

    def _wall(self, sim_s: float) -> float:
        """Wall seconds for ``sim_s`` of vehicle time at this run's speed-up."""
        return sim_s / self.speedup

    def _rtl(self, why: str) -> None:
        if self._rtl_sent:
            return
        self._rtl_sent = True
        try:
            _ok(self.vehicle.rtl(), "RTL")
            self.emit("rtl", f"RTL commanded: {why}", "warning")
        except Exception as exc:  # the link may be down; the autopilot failsafe still applies
            self._rtl_sent = False
            self.emit("rtl-failed", f"RTL could not be sent ({exc}); will retry", "critical")

    # -- the sortie ------------------------------------------------------------------------
    def run(self) -> SortieResult:
        try:
            self._run()
        except MissionAbort as exc:
            self.result.error = str(exc)
            self.result.interrupted_by = self.result.interrupted_by or "aborted"
            self.emit("abort", str(exc), "critical")
        except Exception as exc:  # report, never leave a vehicle without its link closed
            self.result.error = f"{type(exc).__name__}: {exc}"
            self.result.interrupted_by = self.result.interrupted_by or "error"
            self.emit("error", self.result.error, "critical")
        finally:
            if self.vehicle is not None:
                try:
                    self.vehicle.close()
                except Exception:  # noqa: S110 - closing a dead link must not hide the result
                    pass
        return self.result

    def _run(self) -> None:
        from groundcontrol.vehicle import Vehicle

        self.emit("connect", f"connecting to {self.connection}")
        self.vehicle = Vehicle.connect(self.connection, tlog_path=self.tlog_path)
        self.vehicle.subscribe(self._q.put)
        self.emit("connected", "link up, waiting until the vehicle is ready to arm")
        _ok(self.vehicle.wait_armable(), "wait until armable")
        self.emit("ready", "vehicle ready (GPS and EKF good)")

        self._preflight()
        n_items = len(self.items)
        self.emit("upload", f"uploading {n_items} mission items ({len(self.plan.waypoints)} waypoints)")
        _ok(self.vehicle.upload_mission(self.items), "mission upload")
        self.emit("upload-verified", "mission uploaded and verified by download")
        self._enable_gcs_failsafe()
        self._apply_battery_preflight()

        if self.stop_flag.is_set() or self.abort_flag.is_set():
            raise MissionAbort("stopped by operator before take-off")
        _ok(self.vehicle.arm(), "arm")
        self._show_armed(True)
        _ok(self.vehicle.start_mission(), "mission start")
        self.emit("mission-start", "MISSION_START: flying the plan in AUTO")
        self._fly()

    def _preflight(self) -> None:
        """The station's pre-flight checks (groundcontrol.preflight), each one in the timeline.

        A failed blocking check stops the sortie, except battery endurance: a training scenario
        may hand the drone a small pack on purpose, and the return-home reserve watches it in
        flight anyway, so that one is reported as a warning.
        """
        from groundcontrol.preflight import Check, check_plan, require

        snap = self.vehicle.snapshot()
        checks = check_plan(self.items, snap, area=self.scenario.area.polygon,
                            mission_limit=getattr(self.vehicle, "mission_limit", None))
        kept = []
        for c in checks:
            if c.name == "battery endurance" and not c.ok:
                c = Check(c.name, False, c.message, blocking=False)
            kept.append(c)
            self.emit("preflight", f"pre-flight {'ok' if c.ok else 'FAILED' if c.blocking else 'warning'}: "
                                   f"{c.name}: {c.message}", "info" if c.ok else "critical" if c.blocking else "warning")
        try:
            require(kept)
        except Exception as exc:
            raise MissionAbort(str(exc)) from None

    def _enable_gcs_failsafe(self) -> None:
        """Ask the autopilot to return home by itself if it stops hearing us (FS_GCS_ENABLE=1)."""
        setter = getattr(self.vehicle, "set_param", None)
        if setter is None:
            self.emit("preflight", "GCS failsafe left as configured (this link cannot set parameters)", "warning")
            return
        # The station calls a link lost after 2.5 s of *wall* time; at a speed-up (built-in sim or
        # SITL alike) 5 s of vehicle time is far shorter, so the autopilot would turn home before the
        # station even showed LINK LOST. Stretch the timeout to about three wall seconds.
        timeout_s = min(120.0, max(5.0, 3.0 * self.speedup))
        try:
            if timeout_s != 5.0:
                setter("FS_GCS_TIMEOUT", timeout_s)
            setter("FS_GCS_ENABLE", 1)
            self._gcs_failsafe_on = True
            self.emit("preflight", f"GCS failsafe on: the vehicle returns home by itself after {timeout_s:g} s "
                                   "without hearing the station")
        except Exception as exc:
            self.emit("preflight", f"could not enable the GCS failsafe ({exc}); the station will RTL on link return",
                      "warning")

    def _apply_battery_preflight(self) -> None:
        snap = self.vehicle.snapshot()
        pct = getattr(snap, "battery_pct", None)
        if pct is not None:
            self.emit("preflight", f"battery {pct:.0f} %")

    def _plan_index(self, seq: int | None) -> int:
        """Mission seq on the vehicle → count of the whole plan's waypoints reached (0 = none yet).

        After a re-upload the vehicle flies the rest of the plan, whose seqs start again; progress
        and the resume block are still counted against the whole plan.
        """
        n = waypoints_reached(self.onboard.plan, seq)
        return self.onboard.first_wp - 1 + n if n else 0

    def _fly(self) -> None:
        res = self.result
        n_wp = len(self.plan.waypoints)
        limit = self.scenario.time_limit_s
        ever_lost = False  # waypoint progress after a blackout is not trusted for the resume point
        from groundcontrol.reserve import ReturnReserve

        reserve = ReturnReserve()
        reserve_level = "unknown"
        last_pt = None
        while not self.abort_flag.is_set():
            snap = self.vehicle.snapshot()
            t = self.clock()
            if self.on_snapshot:
                self.on_snapshot(self.name, snap)
            self._drain_events()
            if self._check_pending:
                self._recheck()
                continue
            if self.stop_flag.is_set() and not self._rtl_sent:
                res.interrupted_by = res.interrupted_by or "stopped by operator"
                if not snap.armed:
                    self.emit("stopped", "stopped by operator on the ground")
                    break
                self._rtl("stopped by operator")
            lost_now = getattr(snap, "link", None) is not None and snap.link.lost
            ever_lost = ever_lost or lost_now
            if not lost_now and getattr(snap, "has_position", False):
                pt = (snap.lat, snap.lon, snap.alt_rel or 0.0)
                if pt != last_pt:
                    res.track.append(pt)
                    last_pt = pt
                pose = pose_from_snapshot(snap, t)
                if pose is not None:
                    res.poses.append(pose)
                    if self.camera is not None:
                        self.camera.offer(self.name, pose, t)
            if snap.in_air or (snap.alt_rel or 0) > 2.0:
                res.airborne = True
            reached = self._plan_index(snap.last_reached_seq)
            if reached > res.last_wp_reached and not self._rtl_sent and not ever_lost:
                res.last_wp_reached = reached
            self._fire_scenario_events(t, res.last_wp_reached)
            # the station's return-home reserve (it reads the drain on the vehicle's own clock)
            if not lost_now and res.last_wp_reached < n_wp and not self._rtl_sent:
                state = reserve.update(snap)
                if state.level != reserve_level and state.level in ("warn", "rtl"):
                    self.emit("reserve", state.message, "critical" if state.level == "rtl" else "warning")
                    if state.level == "rtl" and res.airborne:
                        res.interrupted_by = res.interrupted_by or "low battery"
                        self._rtl("return-home battery reserve reached")
                reserve_level = state.level
            # station-side battery floor from the scenario
            pct = getattr(snap, "battery_pct", None)
            if pct is not None and pct <= self.scenario.failsafe.battery_rtl_percent and not self._rtl_sent \
                    and res.airborne and snap.mode not in RTL_MODES and res.last_wp_reached < n_wp:
                res.interrupted_by = res.interrupted_by or "low battery"
                self.emit("battery-low", f"battery {pct:.0f} % ≤ {self.scenario.failsafe.battery_rtl_percent:g} %",
                          "critical")
                self._rtl("low battery")
            if limit and t > limit and not self._rtl_sent:
                res.interrupted_by = res.interrupted_by or "time limit"
                self._rtl(f"time limit {limit:g} s reached")
            if res.airborne and snap.landed and not snap.armed:
                # a quick restart (before LINK LOST) looks like this too, until its position streams again
                wait_fresh(self.vehicle, on_ground=True)
                self._drain_events()
                if self._check_pending:
                    self._recheck()
                res.completed = res.last_wp_reached >= n_wp and res.interrupted_by is None
                if self._rebooted:
                    self._say_rebooted_end()
                else:
                    self.emit("landed", "landed and disarmed" + ("" if res.completed else
                                                                   f" (reached {res.last_wp_reached}/{n_wp} waypoints)"))
                break
            time.sleep(POLL_S)
        else:
            res.interrupted_by = res.interrupted_by or "aborted by operator"
            self.emit("abort", "stopped watching on the operator's order; the vehicle keeps its last command",
                      "critical")

    def _drain_events(self) -> None:
        from groundcontrol import events as ev

        while True:
            try:
                e = self._q.get_nowait()
            except queue.Empty:
                return
            if isinstance(e, ev.LinkLost):
                self.emit("link-lost", f"LINK LOST: no heartbeat for {e.last_heartbeat_age:.1f} s", "critical")
                self.result.interrupted_by = self.result.interrupted_by or "link loss"
            elif isinstance(e, ev.LinkRestored):
                self.emit("link-restored", f"link back after {e.outage_s:.1f} s", "warning")
                self._check_pending = True  # what to do is decided on fresh telemetry (see _recheck)
            elif isinstance(e, ev.VehicleRebooted):
                self.emit("rebooted", reboot_text(e), "critical")
                self._rebooted = True
                self._check_pending = True
                if self.result.airborne and self.result.interrupted_by in (None, "link loss"):
                    self.result.interrupted_by = "the vehicle rebooted in flight"  # why the link went
            elif isinstance(e, ev.ModeChanged):
                sev = "warning" if e.new in RTL_MODES else "info"
                self.emit("mode", f"mode {e.old or '?'} → {e.new}", sev)
                if e.new in RTL_MODES and self.result.interrupted_by is None and \
                        self.result.last_wp_reached < len(self.plan.waypoints):
                    self.result.interrupted_by = "vehicle returned home"
            elif isinstance(e, ev.WaypointReached):
                idx = self._plan_index(e.seq)
                first = self.onboard.plan.first_waypoint_seq
                if first <= e.seq < first + len(self.onboard.plan.waypoints):
                    self.emit("waypoint", f"waypoint {idx}/{len(self.plan.waypoints)} reached")
            elif isinstance(e, ev.StatusText):
                if e.severity <= 4:
                    self.emit("statustext", e.text, "critical" if e.severity <= 2 else "warning")
            elif isinstance(e, ev.ReserveRTL | ev.ReserveWarning):
                rtl = isinstance(e, ev.ReserveRTL)
                self.emit("reserve", e.message, "critical" if rtl else "warning")
                if rtl:
                    self._rtl_sent = True
                    self.result.interrupted_by = self.result.interrupted_by or "low battery"
            elif isinstance(e, ev.ArmedChanged):
                self._show_armed(e.armed)

    def _recheck(self) -> None:
        """After a reconnect or a restart: read the mission back, restore it, then go on or go home.

        Waits for fresh telemetry first, so a restart is noticed (and said) before deciding, and
        no command goes to a vehicle by what its predecessor's last snapshot said. What is left
        is counted from the last waypoint trusted (progress during an outage is not).
        """
        wait_fresh(self.vehicle)
        self._drain_events()  # a VehicleRebooted that came with the fresh telemetry is said first
        self._check_pending = False
        reached = max(0, self.result.last_wp_reached - (self.onboard.first_wp - 1))
        checked = check_mission(self.vehicle, self.onboard, reached, self.emit)
        self.onboard = checked.mission
        snap = self.vehicle.snapshot()
        if snap.mode in RTL_MODES:
            self._rtl_sent = True
        elif snap.landed or not snap.armed or self._rtl_sent:
            pass  # on the ground (a restarted vehicle is): the sortie ends there
        elif snap.mode == "AUTO" and checked.holds_plan and self._gcs_failsafe_on:
            self.emit("continue", "still flying the plan in AUTO: the search goes on (any part flown while "
                                  "the station could not see it stays in the resume plan)")
        else:
            self._rtl("link was lost" if checked.holds_plan else "its mission could not be checked after the link "
                                                                 "came back")

    def _say_rebooted_end(self) -> None:
        """End a sortie whose vehicle restarted: why it ended, where, and what is left to fly."""
        res = self.result
        n_wp = len(res.plan.waypoints)
        start, rest = rest_of_plan(res.plan, res.last_wp_reached)
        left = (f"waypoints {start + 1}-{n_wp} of {n_wp} are left for `sargc mission --resume`"
                if len(rest.waypoints) >= 2 else "nothing of the plan is left to fly")  # as results.resume_block
        self.emit("ended", "sortie ended: the vehicle restarted in flight and is on the ground, disarmed; " + left,
                  "critical")

    def _fire_scenario_events(self, t: float, reached: int) -> None:
        for e in list(self.events):
            due = (e.at_s is not None and t >= e.at_s) or (e.after_waypoint is not None and reached >= e.after_waypoint)
            if not due:
                continue
            self.events.remove(e)
            if e.kind == "link_blackout":
                proxy = getattr(self.endpoint, "proxy", None)
                if proxy is None:
                    self.emit("scenario", "link blackout asked for but this vehicle has no faulty link", "warning")
                    continue
                self.emit("scenario", f"scenario: radio link blacked out for {e.duration_s:g} s", "warning")
                proxy.blackout(self._wall(e.duration_s))
