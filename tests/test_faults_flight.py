"""Faults during a flight, survived and measured (issue 9): the vehicle's process killed and
restarted, radio blackouts of 5 s and 60 s, and 30 % packet loss for a whole mission.

The station is the real ``groundcontrol.vehicle.Vehicle`` on a real TCP link; the vehicle is
the built-in simulator (a ``sargc sim`` child process where it must be killed, in-process
otherwise); bad radio is ``sitl.faulty_link.FaultyProxy``. Each test checks what a pilot
would see: LINK LOST said quickly, the link back on its own, the state fresh, and the mission
on the vehicle read back and compared before the flight goes on.

The last two tests run the mission runner itself (``MissionRunner``, no test-side re-upload):
a vehicle restarted mid-sortie ends it with the rest in the resume plan; a blackout shorter
than the vehicle's GCS failsafe is flown through once its mission reads back intact.

``test_faults_flight`` prints what it measured (``-s`` shows it): detection time of a lost
link, reconnect time after a restart, the flight time at 30 % loss.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from link_helpers import HOME, eventually, small_plan
from vehicles import TEST_SPEEDUP

from groundcontrol import events as ev
from groundcontrol.vehicle import Vehicle
from search_patterns import mission_items as mi
from sitl.faulty_link import FaultyProxy
from sitl.scenario import load_scenario
from sitl.sim_vehicle import SimConfig, SimVehicle
from ui.mission.planning import plan_for_vehicles
from ui.mission.runner import MissionOptions, MissionRunner

ROOT = Path(__file__).resolve().parents[1]
LOST_WITHIN_S = 3.0  # the promise: LINK LOST on screen within 3 s of the radio going quiet


class EventLog:
    """Every event of one vehicle, with the monotonic time it arrived."""

    def __init__(self, v: Vehicle) -> None:
        self.got: list[tuple[float, ev.Event]] = []
        self.unsubscribe = v.subscribe(lambda e: self.got.append((time.monotonic(), e)))

    def of(self, kind: type, after: float = 0.0) -> list[tuple[float, ev.Event]]:
        return [(t, e) for t, e in list(self.got) if isinstance(e, kind) and t >= after]

    def first(self, kind: type, after: float, timeout: float) -> tuple[float, ev.Event]:
        return eventually(lambda: next(iter(self.of(kind, after)), None), timeout)


# -- a vehicle in its own process, on fixed ports ----------------------------------------------------------------
def _ports_free(ports: list[int]) -> bool:
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _free_instance() -> int:
    """A `sargc sim --instance N` whose ports are free, away from the SITL fixture's 1..59."""
    start = 100 + os.getpid() % 90
    for k in range(100):
        n = 100 + (start - 100 + k) % 100
        if _ports_free([5760 + 10 * n + j for j in range(4)]):
            return n
    pytest.skip("no free simulator instance ports")


def _start_sim(instance: int, log: Path) -> subprocess.Popen:
    """`sargc sim` as a child process; returns once it has printed where it listens."""
    err = log.open("a")
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "sim", "--instance", str(instance),
                             "--speedup", f"{TEST_SPEEDUP:g}", "--readiness", "fast"],
                            stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT, start_new_session=True)
    err.close()
    assert proc.stdout is not None
    for line in proc.stdout:
        if "SERIAL0" in line:
            return proc
    proc.wait(5)
    pytest.fail(f"sargc sim exited ({proc.returncode}) before listening:\n{log.read_text()[-2000:]}")


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


# -- an in-process vehicle for the link faults ---------------------------------------------------------------------
@pytest.fixture
def sim() -> Iterator[SimVehicle]:
    """A simulator with a battery big enough to hover through a 60 s blackout at the test speed-up.

    DISARM_DELAY is off: its 10 s on the ground after arming are 0.5 s of wall time at 20x, less
    than arm + MISSION_START take when lost packets are re-sent, so the drone would disarm
    between the two (the station's commands are re-sent 1.5 s apart, in real seconds)."""
    s = SimVehicle(SimConfig(speedup=TEST_SPEEDUP, tcp_port=0, serial1_port=0, readiness="fast",
                             battery_mah=40000.0, params={"DISARM_DELAY": 0})).start()
    try:
        yield s
    finally:
        s.stop()


def _proxy(sim: SimVehicle, **faults) -> FaultyProxy:
    return FaultyProxy(upstream=("127.0.0.1", sim.tcp_port), seed=11, **faults).start()


def _fresh(v: Vehicle, after: float, timeout: float):
    """The first snapshot whose position arrived after ``after`` (monotonic)."""
    def newer():
        s = v.snapshot()
        age = s.age("position")
        return s if age is not None and s.time - age > after and not s.link.lost else None
    return eventually(newer, timeout)


def _landed_and_disarmed(v: Vehicle, timeout: float):
    return eventually(lambda: (lambda s: s if s.landed and not s.armed else None)(v.snapshot()), timeout)


def _report(name: str, **numbers: float) -> None:
    print(f"\nMEASURED {name}: " + ", ".join(f"{k} {val:.2f}" for k, val in numbers.items()))


# -- 1. the vehicle's process dies mid-mission --------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_vehicle_killed_mid_mission_is_reconnected_after_restart_and_its_lost_mission_caught_before_resuming(
        tmp_path: Path) -> None:
    instance = _free_instance()
    port0, _ = SimConfig.instance_ports(instance)
    first = _start_sim(instance, tmp_path / "sim.log")
    second = None
    v = Vehicle.connect(f"tcp:127.0.0.1:{port0}", timeout=30)
    log = EventLog(v)
    try:
        plan = small_plan(legs=((60, 0), (60, 60), (0, 60)), alt=15, speed=3.0)
        items = plan.mission_items()
        v.upload_mission(items)
        v.wait_armable(60)
        v.arm()
        v.start_mission()
        wp1 = next(k for k, i in enumerate(items) if k > 0 and i.command == mi.MAV_CMD_NAV_WAYPOINT)
        eventually(lambda: (v.snapshot().mission_seq or 0) >= wp1 + 1 and v.snapshot().in_air, 60)
        before = v.snapshot()
        reached = max((e.seq for _, e in log.of(ev.WaypointReached)), default=0)
        assert before.alt_rel > 10 and wp1 <= reached < wp1 + len(plan.waypoints) - 1

        t_kill = time.monotonic()
        _kill(first)
        t_lost, _ = log.first(ev.LinkLost, t_kill, 10)
        during = v.snapshot()
        assert during.link.lost and during.armed and during.in_air, "last known state kept, marked lost"
        assert during.age("heartbeat") > 2.0

        time.sleep(1.0)  # the field: someone power-cycles the drone
        t_start = time.monotonic()
        second = _start_sim(instance, tmp_path / "sim.log")
        t_back, back = log.first(ev.LinkRestored, t_kill, 30)
        after = _fresh(v, t_back, 10)
        assert after.link.reconnects >= 1, "the station reopened the TCP link by itself"
        assert not after.armed and after.landed and abs(after.alt_rel) < 1.0, "the new vehicle's values, not the old"
        assert after.vehicle_time < before.vehicle_time
        reboots = [e for _, e in log.of(ev.VehicleRebooted, t_kill)]
        assert len(reboots) == 1, "the station says the vehicle restarted (once)"
        assert reboots[0].boot_s < reboots[0].previous_boot_s == pytest.approx(before.vehicle_time, abs=5)
        assert after.last_reached_seq is None, "no waypoint of the dead vehicle's flight shown as the new one's"
        assert after.age("heartbeat") < 1.0 and after.age("position") < 1.0
        assert after.home == pytest.approx((HOME[0], HOME[1], HOME[2]), abs=1e-6)

        # Before resuming: what does the vehicle hold now?
        problems = v.verify_mission(items)
        assert problems == [f"the vehicle holds 1 items, {len(items)} were sent"], problems

        # Resume where the search stopped: the rest of the plan, uploaded and read back again.
        rest = dataclasses.replace(plan, waypoints=plan.waypoints[reached - wp1 + 1:])
        rest_items = rest.mission_items()
        v.upload_mission(rest_items)
        assert v.verify_mission(rest_items) == []
        v.wait_armable(60)
        v.arm()
        v.start_mission()
        finished = log.first(ev.MissionFinished, t_back, 120)
        assert finished
        end = _landed_and_disarmed(v, 120)
        assert end.home == pytest.approx(after.home)
        _report("vehicle restart", link_lost_after_kill_s=t_lost - t_kill, reconnect_after_restart_s=t_back - t_start,
                outage_s=back.outage_s)
    finally:
        log.unsubscribe()
        v.close()
        _kill(first)
        if second is not None:
            _kill(second)


# -- 2. radio blackouts during an AUTO flight ---------------------------------------------------------------------
def _hold_plan_items() -> list[mi.MissionItem]:
    """Takeoff, a waypoint, then a long LOITER_TIME over a second one (AUTO through any blackout), RTL."""
    plan = small_plan(legs=((30, 0), (30, 30)), alt=15, speed=4.0)
    items = plan.mission_items()
    wp = items[-2]  # the second waypoint, before RTL
    loiter = dataclasses.replace(wp, command=mi.MAV_CMD_NAV_LOITER_TIME, param1=3600.0)
    return [*items[:-2], loiter, items[-1]]


@pytest.mark.timeout(150)
@pytest.mark.parametrize("blackout_s", [5.0, pytest.param(60.0, marks=pytest.mark.slow)])
def test_blackout_in_auto_flight_is_reported_within_3_s_and_the_flight_and_mission_are_intact_after(
        sim: SimVehicle, blackout_s: float) -> None:
    proxy = _proxy(sim)
    v = Vehicle.connect(proxy.connection_string, timeout=30)
    log = EventLog(v)
    try:
        items = _hold_plan_items()
        loiter_seq = next(k for k, i in enumerate(items) if i.command == mi.MAV_CMD_NAV_LOITER_TIME)
        v.upload_mission(items)
        v.wait_armable(60)
        v.arm()
        v.start_mission()
        eventually(lambda: v.snapshot().mission_seq == loiter_seq and v.snapshot().in_air, 60)
        before = v.snapshot()
        reconnects_before = before.link.reconnects

        t0 = time.monotonic()
        proxy.blackout(blackout_s)
        t_lost, lost = log.first(ev.LinkLost, t0, LOST_WITHIN_S + 2)
        assert t_lost - t0 < LOST_WITHIN_S, f"LINK LOST after {t_lost - t0:.2f} s"
        during = v.snapshot()
        assert during.link.lost and during.mode == "AUTO" and during.armed and during.in_air
        assert during.lat == pytest.approx(before.lat, abs=2e-4), "the last known position is kept"

        t_back, back = log.first(ev.LinkRestored, t0, blackout_s + 20)
        assert blackout_s - 1 < back.outage_s < blackout_s + 10
        assert len(log.of(ev.LinkLost, t0)) == 1, "one LINK LOST per outage"
        after = _fresh(v, t_back, 10)
        assert after.mode == "AUTO" and after.armed and after.in_air
        assert after.home == pytest.approx(before.home)
        assert after.mission_seq == loiter_seq and after.mission_total == before.mission_total
        flown = after.vehicle_time - before.vehicle_time
        assert flown > 0.5 * blackout_s * TEST_SPEEDUP, "the vehicle flew on meanwhile and the state caught up"
        # the battery report has its own stream: it catches up too, if not in the same instant
        eventually(lambda: v.snapshot().battery_consumed_mah > before.battery_consumed_mah, 10)
        if blackout_s > v.link.silence_reconnect_s:
            assert after.link.reconnects > reconnects_before, "a silent TCP link is reopened, not waited on forever"

        assert v.verify_mission(items) == [], "the vehicle still holds the mission it was flying"
        v.rtl()  # and it does what the pilot says next
        _landed_and_disarmed(v, 400 / TEST_SPEEDUP + 30)
        _report(f"blackout {blackout_s:g} s", link_lost_after_s=t_lost - t0, link_back_after_s=t_back - t0,
                outage_s=back.outage_s, heartbeat_age_at_lost_s=lost.last_heartbeat_age)
    finally:
        log.unsubscribe()
        v.close()
        proxy.stop()


# -- 3. a whole mission at 30 % packet loss -----------------------------------------------------------------------
@pytest.mark.timeout(150)
def test_whole_mission_at_30_percent_loss_uploads_verified_flies_lands_and_reports_the_loss(sim: SimVehicle) -> None:
    proxy = _proxy(sim, loss=0.30)
    t_connect = time.monotonic()
    v = Vehicle.connect(proxy.connection_string, timeout=30)
    log = EventLog(v)
    try:
        plan = small_plan(legs=((40, 0), (40, 40), (80, 40), (80, 0)), alt=15, speed=5.0)
        items = plan.mission_items()
        v.upload_mission(items)  # raises unless the read-back matches
        assert v.verify_mission(items) == []
        v.wait_armable(60)
        t_start = time.monotonic()
        armed = v.arm()
        assert armed.ok, f"arm at 30 % loss: {armed.describe()} (link measured {v.snapshot().link.loss_pct:.0f} % loss)"
        started = v.start_mission()
        assert started.ok, f"mission start at 30 % loss: {started.describe()}"
        t_done, _ = log.first(ev.MissionFinished, t_start, 120)
        end = _landed_and_disarmed(v, 120)
        t_landed = time.monotonic()

        assert proxy.stats.dropped > 0.2 * proxy.stats.packets
        seen = [e.snapshot.link.loss_pct for _, e in log.of(ev.SnapshotUpdated, t_start)]
        assert seen and 15.0 < max(seen) and sum(seen) / len(seen) > 15.0, "the station shows the loss"
        assert 15.0 < end.link.loss_pct < 50.0
        assert end.link.packets_lost > 0.15 * (end.link.packets_lost + end.link.packets_received)
        assert not log.of(ev.LinkLost), "30 % loss is a bad link, not a lost one"
        # MISSION_ITEM_REACHED is sent once and may be lost; MISSION_CURRENT repeats, so progress is seen
        flown = {e.seq for _, e in log.of(ev.MissionProgress, t_start)}
        wps = {k for k, i in enumerate(items) if i.command == mi.MAV_CMD_NAV_WAYPOINT and k > 0}
        assert wps <= flown, f"items seen being flown: {sorted(flown)}"
        assert end.home == pytest.approx((HOME[0], HOME[1], HOME[2]), abs=1e-6)
        _report("30 % loss", mission_wall_s=t_landed - t_start, finished_after_s=t_done - t_start,
                setup_s=t_start - t_connect, loss_pct_mean=sum(seen) / len(seen))
    finally:
        log.unsubscribe()
        v.close()
        proxy.stop()


# -- 4. the mission runner itself: a restart, and a blackout it flies through -----------------------------------
# A 60 m paddock north-east of the simulator's home: six waypoints, legs of 80 m.
PADDOCK = """
format: 1
name: Paddock
seed: 3
home: {lat: -35.363261, lon: 149.165230, alt_amsl_m: 584, heading_deg: 353}
area:
  name: Paddock
  polygon: [[-35.363171, 149.165340], [-35.363171, 149.166001], [-35.362632, 149.166001], [-35.362632, 149.165340]]
pattern: {type: lawnmower, spacing_m: 20, alt_m: 25, speed_m_s: SPEED}
camera: {hfov_deg: 50, width_px: 320, height_px: 180, frame_every_m: 15, detector: rx}
vehicles:
  - {name: vehicle-1, connection: CONNECTION}
subjects: []
time_limit_s: 3000
"""


class RunnerInThread:
    """``MissionRunner.run`` in a thread, its timeline collected as it is written."""

    def __init__(self, tmp_path: Path, connection: str, speed: float, speedup: float) -> None:
        path = tmp_path / "paddock.yaml"
        path.write_text(PADDOCK.replace("SPEED", f"{speed:g}").replace("CONNECTION", f'"{connection}"'))
        self.timeline: list = []
        self.runner = MissionRunner(load_scenario(path), MissionOptions(out_dir=tmp_path / "mission", speedup=speedup),
                                    on_event=self.timeline.append)
        self.outcome = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.outcome = self.runner.run()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            self.error = exc

    def texts(self) -> list[str]:
        return [e.text for e in list(self.timeline)]

    def said(self, start: str) -> str | None:
        return next((t for t in self.texts() if t.startswith(start)), None)

    def wait_said(self, *starts: str, timeout: float) -> str:
        """The first timeline text starting with any of ``starts``; fails with the timeline so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.thread.is_alive():
            for start in starts:
                if (text := self.said(start)) is not None:
                    return text
            time.sleep(0.05)
        for start in starts:
            if (text := self.said(start)) is not None:
                return text
        pytest.fail(f"the timeline never said {starts}:\n" + "\n".join(self.texts()))

    def finish(self, timeout: float):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the mission runner did not finish"
        if self.error is not None:
            raise self.error
        return self.outcome


@pytest.mark.timeout(90)
def test_mission_runner_ends_a_sortie_whose_vehicle_rebooted_saying_why_and_keeps_the_rest_for_resume(
        tmp_path: Path) -> None:
    """The autopilot restarts on the fourth leg (its process killed, started again 4 s later): the
    timeline says it rebooted and lost the mission, the runner puts the rest back and reads it
    back, sends no RTL to a drone on the ground, and the folder's resume plan holds what is left."""
    instance = _free_instance()
    port0, _ = SimConfig.instance_ports(instance)
    first = _start_sim(instance, tmp_path / "sim.log")
    second = None
    try:
        run = RunnerInThread(tmp_path, f"tcp:127.0.0.1:{port0}", speed=3.0, speedup=TEST_SPEEDUP)
        run.wait_said("waypoint 3/6 reached", timeout=40)
        _kill(first)
        run.wait_said("LINK LOST", timeout=10)
        time.sleep(1.0)  # someone power-cycles the drone
        second = _start_sim(instance, tmp_path / "sim.log")
        outcome = run.finish(40)

        texts = run.texts()
        assert run.said("VEHICLE REBOOTED"), texts
        assert "MISSION ON THE VEHICLE CHANGED: the vehicle holds 1 items, 10 were sent" in texts
        assert "Re-uploaded and verified the rest of the plan: waypoints 3-6 (4 waypoints, 8 items)." in texts
        ended = run.said("sortie ended: the vehicle restarted in flight")
        assert ended and ended.endswith("waypoints 3-6 of 6 are left for `sargc mission --resume`"), texts
        assert not [e for e in run.timeline if e.kind.startswith("rtl")], "no RTL to a vehicle on the ground"

        summary = json.loads((outcome.folder / "mission.json").read_text())
        assert summary["status"] == "interrupted"
        (vrun,) = summary["vehicle_runs"]
        assert vrun["last_waypoint_reached"] == 3 and not vrun["completed"]
        assert vrun["interrupted_by"] == "the vehicle rebooted in flight"
        (resume,) = summary["resume"]
        assert resume["reason"] == "the vehicle rebooted in flight" and resume["from_waypoint"] == 3
        plan = plan_for_vehicles(run.runner.scenario)[0]
        assert resume["waypoints"] == [[w.lat, w.lon, w.alt] for w in plan.waypoints[2:]], "the leg cut short too"
        assert "VEHICLE REBOOTED" in (outcome.folder / "report.html").read_text()
    finally:
        _kill(first)
        if second is not None:
            _kill(second)


@pytest.mark.timeout(90)
def test_mission_runner_flies_on_after_a_blackout_when_the_vehicle_still_holds_its_mission(tmp_path: Path) -> None:
    """A 4 s blackout in real time, shorter than the vehicle's own GCS failsafe (10 s here): the
    drone is still flying the plan in AUTO when the link is back, so the runner reads the mission
    back, finds it intact, re-uploads nothing, sends no RTL, and the search goes on."""
    sim = SimVehicle(SimConfig(speedup=1.0, tcp_port=0, serial1_port=0, readiness="fast",
                               params={"FS_GCS_TIMEOUT": 10})).start()
    proxy = _proxy(sim)
    try:
        run = RunnerInThread(tmp_path, proxy.connection_string, speed=10.0, speedup=1.0)
        run.wait_said("waypoint 1/6 reached", timeout=45)
        proxy.blackout(4.0)
        run.wait_said("LINK LOST", timeout=6)
        run.wait_said("still flying the plan", "RTL commanded", "mode AUTO → RTL", timeout=15)
        run.wait_said("waypoint 2/6 reached", timeout=20)
        run.runner.request_abort()  # enough seen: stop watching
        run.finish(30)

        texts = run.texts()
        assert run.said("link back after"), texts
        assert "Mission on the vehicle checked after the reconnect: unchanged (10 items)." in texts
        assert not run.said("Re-uploaded") and not run.said("MISSION ON THE VEHICLE CHANGED"), texts
        assert not run.said("VEHICLE REBOOTED")
        assert not [e for e in run.timeline if e.kind.startswith("rtl")], texts
        assert run.said("still flying the plan in AUTO: the search goes on"), texts
    finally:
        proxy.stop()
        sim.stop()
