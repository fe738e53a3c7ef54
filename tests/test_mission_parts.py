"""The mission runner's parts on their own: scoring, the telemetry camera, resume points, live coverage."""

from __future__ import annotations

import math
import threading
import time

import pytest

from search_patterns.geo import offset_latlon
from search_patterns.pose import Pose
from sitl.scenario import SubjectSpec, find_scenario, load_scenario
from ui.mission.camera_feed import TelemetryCamera, pose_from_snapshot
from ui.mission.live_coverage import LiveCoverage
from ui.mission.model import SightingRecord
from ui.mission.scoring import score_training

HOME = (50.58, -3.95)


def sighting(i: int, north: float, east: float, t: float = 10.0, review: str = "new",
             score: float = 0.9) -> SightingRecord:
    lat, lon = offset_latlon(*HOME, north, east)
    return SightingRecord(id=i, lat=lat, lon=lon, score=score, t=t, review=review)


def subject(name: str, north: float, east: float) -> SubjectSpec:
    return SubjectSpec(*offset_latlon(*HOME, north, east), name=name)


def test_score_counts_found_missed_distance_time_and_false_alarms() -> None:
    subjects = [subject("a", 100, 100), subject("b", 200, 50)]
    sightings = [sighting(1, 103, 100, t=50), sighting(2, 100, 101, t=30), sighting(3, 0, 0), sighting(4, 10, 10)]
    tr = score_training(subjects, sightings, planned_pod=0.8, achieved_pod=0.4)
    a, b = tr.subjects
    assert a.found and a.sighting_id == 2 and a.distance_m == pytest.approx(1.0, abs=0.05)
    assert a.time_to_first_s == 30, "time to the earliest sighting near the subject"
    assert not b.found and b.distance_m is None
    assert tr.false_alarms == 2
    # 60 × 1/2 found + 20 × 0.4/0.8 + 20 × (1 − 2/4 false)
    assert tr.score == pytest.approx(30 + 10 + 10)


def test_a_rejected_sighting_is_not_a_false_alarm_and_a_perfect_search_scores_100() -> None:
    subjects = [subject("a", 100, 100)]
    sightings = [sighting(1, 100, 100), sighting(2, 0, 0, review="rejected")]
    tr = score_training(subjects, sightings, planned_pod=0.7, achieved_pod=0.9)
    assert tr.false_alarms == 0 and tr.score == 100


def test_only_flagged_or_confirmed_sightings_find_people_or_count_as_false_alarms() -> None:
    subjects = [subject("a", 100, 100), subject("b", 200, 50)]
    sightings = [sighting(1, 100, 100, score=0.3),  # near a, but below the flag: never alerted anyone
                 sighting(2, 0, 0, score=0.2),  # clutter in the ranked list, no alert: not a false alarm
                 sighting(3, 200, 51, score=0.3, review="confirmed")]  # low, but a reviewer confirmed it
    tr = score_training(subjects, sightings, planned_pod=0.8, achieved_pod=0.8)
    a, b = tr.subjects
    assert not a.found and b.found and b.sighting_id == 3
    assert tr.false_alarms == 0


class Snap:
    def __init__(self, lat, lon, alt_rel, yaw=90.0):
        self.lat, self.lon, self.alt_rel, self.yaw = lat, lon, alt_rel, yaw
        self.roll = self.pitch = 0.0
        self.heading = yaw


def test_pose_from_telemetry_needs_a_position() -> None:
    assert pose_from_snapshot(Snap(None, None, 40), 0) is None
    assert pose_from_snapshot(Snap(0.0, 0.0, 40), 0) is None  # GPS not fixed yet reports 0,0
    p = pose_from_snapshot(Snap(*HOME, 40.0, yaw=-90), 12.0)
    assert p.alt_agl_m == 40 and p.yaw == 270 and p.gimbal_pitch == -90 and p.time == 12.0


class CountingSink:
    def __init__(self) -> None:
        self.frames: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    def process(self, image, pose, t, vehicle, index) -> None:
        time.sleep(0.005)
        with self.lock:
            self.frames.append((vehicle, t))


def test_telemetry_camera_takes_a_frame_every_n_metres_and_none_on_the_ground() -> None:
    sink = CountingSink()
    cam = TelemetryCamera(lambda pose: pose, sink, frame_every_m=10.0)
    for i in range(101):  # 100 m north at 40 m, poses every metre
        cam.offer("v1", Pose(*offset_latlon(*HOME, i, 0), 40.0, yaw=0.0), float(i))
    for i in range(50):  # taxiing on the ground
        cam.offer("v1", Pose(*offset_latlon(*HOME, 0, i), 1.0, yaw=90.0), 200.0 + i)
    cam.offer("v2", Pose(*HOME, 40.0), 0.0)  # another vehicle has its own trigger
    cam.close()
    v1 = [t for v, t in sink.frames if v == "v1"]
    gaps = [b - a for a, b in zip(v1, v1[1:], strict=False)]
    assert v1[0] == 0.0 and len(v1) in (10, 11) and all(10 <= g <= 11 for g in gaps)
    assert [v for v, _ in sink.frames].count("v2") == 1
    assert cam.stats.processed == len(v1) + 1 and cam.stats.errors == 0


def test_a_frame_that_fails_is_counted_and_the_camera_keeps_going() -> None:
    calls = []

    def render(pose):
        calls.append(pose)
        if len(calls) == 2:
            raise ValueError("bad frame")
        return pose

    sink = CountingSink()
    errors: list[str] = []
    cam = TelemetryCamera(render, sink, frame_every_m=10.0, on_error=errors.append)
    for i in range(31):
        cam.offer("v1", Pose(*offset_latlon(*HOME, i, 0), 40.0, yaw=0.0, time=float(i)), float(i))
    cam.close()
    assert cam.stats.errors == 1 and errors == ["ValueError: bad frame"]
    assert len(sink.frames) == len(calls) - 1 >= 2, "frames after the bad one still go to detection"


def test_live_coverage_grows_as_the_vehicle_flies_its_lawnmower() -> None:
    sc = load_scenario(find_scenario("moorland"))
    from ui.mission.planning import plan_for_vehicles

    (plan,) = plan_for_vehicles(sc)
    live = LiveCoverage(sc.area, sc.camera.camera())
    proj = sc.area.projection()
    poses: list[Pose] = []
    fractions = []
    t = 0.0
    for a, b in zip(plan.waypoints, plan.waypoints[1:], strict=False):
        ax, ay = proj.to_local(a.lat, a.lon)
        bx, by = proj.to_local(b.lat, b.lon)
        n = max(2, int(((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5 // 2))
        yaw = math.degrees(math.atan2(bx - ax, by - ay)) % 360  # the copter faces along its track
        for k in range(n):
            lat, lon = proj.to_latlon(ax + (bx - ax) * k / n, ay + (by - ay) * k / n)
            t += 0.2
            poses.append(Pose(lat, lon, a.alt, yaw=yaw, time=t))
        live.feed("vehicle-1", poses)
        fractions.append(live.figures().covered_fraction)
    assert fractions == sorted(fractions) and fractions[0] < 0.3
    assert fractions[-1] > 0.95


@pytest.mark.timeout(90)
def test_one_armed_entry_in_the_timeline_per_arming(tmp_path) -> None:
    """The ARM acknowledgement and the vehicle's heartbeat both report the arming; the timeline
    the pilot reads (and the report prints) says "armed" once, before the mission starts."""
    from search_patterns.geo import offset_latlon as off
    from search_patterns.plan import Plan, Waypoint
    from sitl.sim_vehicle import SimConfig, SimVehicle
    from ui.mission.flight import Sortie
    from ui.mission.model import TimelineEvent

    scenario = load_scenario(find_scenario("moorland"))
    home = scenario.home
    wps = tuple(Waypoint(*off(home.lat, home.lon, n, 40.0), 15.0) for n in (40.0, 60.0))
    plan = Plan(wps, pattern="lawnmower", takeoff_alt=15.0, home=(home.lat, home.lon))
    sim = SimVehicle(SimConfig(home=(home.lat, home.lon, home.alt_amsl_m, home.heading_deg), speedup=20.0,
                               tcp_port=0, serial1_port=0, readiness="fast")).start()
    timeline: list[TimelineEvent] = []
    t0 = time.monotonic()
    try:
        result = Sortie(name="vehicle-1", connection=f"tcp:127.0.0.1:{sim.tcp_port}",
                        tlog_path=str(tmp_path / "vehicle-1.tlog"), plan=plan, scenario=scenario,
                        clock=lambda: (time.monotonic() - t0) * 20.0, emit=timeline.append, camera=None,
                        speedup=20.0).run()
    finally:
        sim.stop()
    kinds = [e.kind for e in timeline]
    assert result.completed, [(e.kind, e.text) for e in timeline]
    assert kinds.count("armed") == 1, kinds
    assert kinds.count("disarmed") == 1, kinds
    assert kinds.index("armed") < kinds.index("mission-start") < kinds.index("disarmed")
