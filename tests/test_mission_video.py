"""The simulated camera over a real video link: ffmpeg H.264/UDP out, the drone-video reader back in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search_patterns.geo import haversine_m, offset_latlon
from search_patterns.pose import Pose
from sitl.scenario import find_scenario, load_scenario
from ui.mission.detect_sink import DetectionSink
from ui.mission.simulated_scene import make_renderer

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (make sysdeps)")


def test_pictures_sent_as_udp_video_are_detected_and_placed_with_their_own_pose(tmp_path: Path) -> None:
    from ui.mission.video_link import UdpVideoLink

    sc = load_scenario(find_scenario("moorland"))
    render = make_renderer(sc)
    red = sc.subjects[0]
    sink = DetectionSink(tmp_path / "detections.sqlite", sc.camera.camera(), detector="rx")
    link = UdpVideoLink(sink, sc.camera.width_px, sc.camera.height_px)
    try:
        assert link.url.startswith("udp://127.0.0.1:")
        # fly north over the walker in red: she is in the middle frames only
        for i, north in enumerate(range(-40, 41, 8)):
            lat, lon = offset_latlon(red.lat, red.lon, north, 0)
            pose = Pose(lat, lon, 40.0, yaw=0.0, time=float(i))
            link.process(render(pose), pose, float(i), "vehicle-1", i + 1)
    finally:
        link.close()
    assert link.error is None
    assert link.received == 11 and link.lost == 0, "every picture came through the video link"
    store = sink.store
    sightings = store.sightings()
    assert sightings, "the walker was detected in the decoded video"
    best = min(sightings, key=lambda s: haversine_m(s.lat, s.lon, red.lat, red.lon))
    assert haversine_m(best.lat, best.lon, red.lat, red.lon) < 3.0, "placed with the pose of its own frame"
    assert {d.source for d in store.detections()} == {"vehicle-1"}
    sink.close()
