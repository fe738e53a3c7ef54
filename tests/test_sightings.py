"""Sightings: detections merged per subject, kept in SQLite that survives kill -9, reviewed, exported."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
from lxml import etree

from detection.export import export_sightings
from detection.pipeline import DetectionPipeline
from detection.poses import PoseTrack
from detection.sources import CallableSource
from detection.store import SightingStore
from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.geo import haversine_m, offset_latlon
from search_patterns.pose import Pose
from sitl.scene import Scene, Subject
from sitl.sim_camera import SimCamera

HOME = (46.5, 8.0)
CAM = Camera.from_fov(69.0, 640, 360)


def _flight(n: int, alt: float = 30.0) -> list[Pose]:
    """A straight pass north over HOME at 4 m per processed frame."""
    return [Pose(*offset_latlon(*HOME, -2.0 * n + 4.0 * i, 0.0), alt, yaw=0.0, time=1000.0 + 0.5 * i)
            for i in range(n)]


@pytest.fixture(scope="module")
def scene() -> Scene:
    people = [Subject(*offset_latlon(*HOME, -4, -5), posture="lying", clothing=(210, 30, 35), heading_deg=20),
              Subject(*offset_latlon(*HOME, 3, 6), posture="sitting", clothing=(30, 90, 210))]
    return Scene(center=HOME, seed=12, subjects=people)


def _run(scene: Scene, store: SightingStore | None, poses: list[Pose]) -> DetectionPipeline:
    sim = SimCamera(scene, CAM)
    it = iter(poses)

    def next_frame():
        p = next(it, None)
        return None if p is None else (sim.render(p)[0], p)

    pipe = DetectionPipeline(CallableSource(next_frame), "rx", camera=CAM, store=store)
    pipe.run()
    return pipe


def test_one_person_seen_in_many_frames_becomes_one_sighting_near_them(scene: Scene, tmp_path: Path) -> None:
    store = SightingStore(tmp_path)
    pipe = _run(scene, store, _flight(8))
    assert pipe.stats.frames_processed == 8
    flagged = [s for s in store.sightings() if s.score >= 0.5]
    for person in scene.subjects:
        near = [s for s in flagged if haversine_m(s.lat, s.lon, person.lat, person.lon) < 4.0]
        assert len(near) == 1, (person, flagged)
        s = near[0]
        assert s.n_detections >= 4 and s.error_m < 3.0
        # the best picture is stored and is a real JPEG
        jpeg = store.thumbnail(s.best_detection_id)
        assert cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR).shape[0] >= 96
        assert {d.sighting_id for d in store.detections(s.id)} == {s.id}
    store.close()


def test_review_state_is_kept_when_the_same_subject_is_seen_again(scene: Scene, tmp_path: Path) -> None:
    store = SightingStore(tmp_path / "mission")
    _run(scene, store, _flight(4))
    top = store.sightings()[0]
    store.review(top.id, "rejected", "orange tarp")
    store.close()
    # a later pass (a restarted ground station) over the same ground
    again = SightingStore(tmp_path / "mission")
    _run(scene, again, [Pose(p.lat, p.lon, p.alt_agl_m, yaw=p.yaw, time=p.time + 600) for p in _flight(4)])
    s = again.sighting(top.id)
    assert s.state == "rejected" and s.note == "orange tarp" and s.reviewed_at is not None
    assert s.n_detections > top.n_detections  # the new detections joined it instead of a new alarm
    with pytest.raises(InputError, match="review state"):
        again.review(top.id, "maybe")
    with pytest.raises(InputError, match="no such sighting"):
        again.review(99999, "confirmed")
    again.close()


CHILD = textwrap.dedent("""
    import sys, numpy as np
    from detection.pipeline import DetectionPipeline
    from detection.sources import CallableSource
    from detection.store import SightingStore
    from search_patterns.camera import Camera
    from search_patterns.pose import Pose
    rng = np.random.default_rng(0)
    i = [0]
    def frame():
        img = np.clip(rng.normal(0, 6, (360, 640, 3)) + (60, 130, 90), 0, 255).astype(np.uint8)
        k = i[0] % 5
        img[100 + 30 * k:112 + 30 * k, 200:210] = (40, 40, 220)   # a red jacket, moving down the frame
        i[0] += 1
        return img, Pose(46.5 + 1e-5 * i[0], 8.0, 30.0, time=1000.0 + i[0])
    def report(result):
        print("committed", result.frame.index, *sorted({s.id for s in result.sightings}), flush=True)
    store = SightingStore(sys.argv[1])
    DetectionPipeline(CallableSource(frame), "rx", camera=Camera.from_fov(69, 640, 360), store=store,
                      observers=[report]).run()
""")


def test_every_committed_sighting_survives_kill_9(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                            cwd=root)
    committed_frames, committed_sightings = 0, set()
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            parts = line.split()
            if parts and parts[0] == "committed":
                committed_frames += 1
                committed_sightings.update(int(p) for p in parts[2:])
            if committed_frames >= 25:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert committed_sightings
    db = sqlite3.connect(str(tmp_path / "detections.sqlite"))
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    store = SightingStore(tmp_path)
    stored = {s.id for s in store.sightings()}
    assert committed_sightings <= stored
    n_frames = len({d.frame_index for d in store.detections()})
    assert n_frames >= 25
    store.close()


def test_sightings_export_to_geojson_kml_and_csv(scene: Scene, tmp_path: Path) -> None:
    store = SightingStore(tmp_path)
    _run(scene, store, _flight(4))
    store.review(store.sightings()[0].id, "confirmed", "subject, waving")
    sightings = store.sightings()
    store.close()
    gj = json.loads(export_sightings(sightings, tmp_path / "s.geojson").read_text())
    assert len(gj["features"]) == len(sightings)
    f0 = gj["features"][0]
    assert f0["properties"]["state"] == "confirmed" and f0["properties"]["note"] == "subject, waving"
    lon, lat = f0["geometry"]["coordinates"]
    assert haversine_m(lat, lon, sightings[0].lat, sightings[0].lon) < 0.05
    kml = etree.parse(str(export_sightings(sightings, tmp_path / "s.kml")))
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    coords = kml.findall(".//k:Placemark/k:Point/k:coordinates", ns)
    assert len(coords) == len(sightings)
    klon, klat, _ = (float(v) for v in coords[0].text.split(","))
    assert haversine_m(klat, klon, sightings[0].lat, sightings[0].lon) < 0.05
    rows = list(csv.DictReader(io.StringIO(export_sightings(sightings, tmp_path / "s.csv").read_text())))
    assert rows[0]["state"] == "confirmed" and rows[0]["note"] == "subject, waving"
    with pytest.raises(InputError, match=r"\.geojson, \.kml or \.csv"):
        export_sightings(sightings, tmp_path / "s.docx")


def test_a_file_that_is_not_a_store_is_refused_without_damage(tmp_path: Path) -> None:
    bad = tmp_path / "detections.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(InputError, match="not a detections store"):
        SightingStore(tmp_path)
    assert bad.read_bytes() == b"not a database at all" * 100


def test_pose_track_interpolates_and_turns_the_short_way() -> None:
    track = PoseTrack([Pose(46.5, 8.0, 50, yaw=350, time=10.0), Pose(46.5002, 8.0, 60, yaw=10, time=12.0)])
    mid = track(11.0)
    assert mid.alt_agl_m == pytest.approx(55) and mid.lat == pytest.approx(46.5001)
    assert mid.yaw == pytest.approx(0.0, abs=1e-9) or mid.yaw == pytest.approx(360.0)
    assert track(5.0) is None and track(20.0) is None  # outside the telemetry: unknown, not guessed
    track.append(Pose(46.5, 8.0, 50, time=30.0))
    assert track(20.0) is None  # a gap in the telemetry


def test_pose_track_reads_a_mavlink_tlog(tmp_path: Path) -> None:
    from pymavlink.dialects.v20 import ardupilotmega as mav

    path = tmp_path / "flight.tlog"
    with open(path, "wb") as fh:
        link = mav.MAVLink(fh, srcSystem=1, srcComponent=1)

        def put(msg, t: float) -> None:
            fh.write(struct.pack(">Q", int(t * 1e6)) + msg.pack(link))

        for i in range(5):
            t = 1_700_000_000.0 + i
            put(mav.MAVLink_attitude_message(i * 1000, 0.05, -0.02, np.radians(90.0), 0, 0, 0), t)
            put(mav.MAVLink_global_position_int_message(i * 1000, int(46.5e7) + i * 100, int(8.0e7), 600_000,
                                                        50_000 + i * 1000, 0, 0, 0, 9000), t + 0.1)
    track = PoseTrack.from_tlog(path)
    assert len(track) == 5
    p = track(1_700_000_002.1)
    assert p.lat == pytest.approx(46.5 + 200e-7) and p.alt_agl_m == pytest.approx(52.0)
    assert p.yaw == pytest.approx(90.0) and p.roll == pytest.approx(np.degrees(0.05))
    (tmp_path / "empty.tlog").write_bytes(b"")
    with pytest.raises(InputError, match="no GLOBAL_POSITION_INT"):
        PoseTrack.from_tlog(tmp_path / "empty.tlog")


def test_one_frame_never_flags_but_a_person_seen_clearly_twice_does_and_a_doubtful_spot_does_not() -> None:
    from detection.sightings import SightingTracker
    from detection.types import Box, GroundFix

    def frame(tracker: SightingTracker, t: float, scores: dict[tuple[float, float], float]) -> None:
        spots = list(scores)
        boxes = [Box(100 + 300 * i, 100, 20, 20, scores[p], "ranked") for i, p in enumerate(spots)]
        fixes = [GroundFix(*offset_latlon(46.5, 8.0, *p), 1.0, 50.0) for p in spots]
        tracker.assign(boxes, fixes, t, shift=(0.0, 400.0))  # the picture moved: no image tracking

    tr = SightingTracker()
    walker, stone, blip = (0.0, 0.0), (40.0, 0.0), (0.0, 40.0)
    frame(tr, 0.0, {walker: 0.39, stone: 0.45, blip: 0.95})
    assert not any(s.flagged for s in tr.all()), "nothing seen once raises the alarm, however sure"
    frame(tr, 1.0, {walker: 0.70, stone: 0.40})
    def at(p: tuple[float, float]):
        return min(tr.all(), key=lambda s: haversine_m(s.lat, s.lon, *offset_latlon(46.5, 8.0, *p)))

    assert at(walker).flagged and at(walker).n_detections == 2  # the walker: 0.39 then 0.70
    assert at(stone).n_detections == 2 and not at(stone).flagged  # a stone twice at 0.4 stays below
    assert at(blip).n_detections == 1 and not at(blip).flagged
