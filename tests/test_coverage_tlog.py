"""Coverage from real telemetry logs: poses come out of a .tlog as they went in."""

from __future__ import annotations

import pytest
from flown_tracks import fly_path, rect_area, write_tlog

from groundcontrol.track import read_poses, read_track
from search_patterns.camera import Camera
from search_patterns.coverage import compute_coverage
from search_patterns.errors import InputError


def test_tlog_poses_match_the_flight_that_wrote_them(tmp_path) -> None:
    flown = fly_path([(-100, 0), (100, 0), (100, 50)], alt=42.0, rate_hz=4, roll=3.0, pitch=-4.0)
    write_tlog(tmp_path / "f.tlog", flown)
    track = read_track(tmp_path / "f.tlog")
    assert track.sysid == 1 and not track.had_gimbal and not track.had_recording_status
    assert len(track.poses) == len(flown)
    for a, b in zip(track.poses, flown, strict=True):
        assert a.lat == pytest.approx(b.lat, abs=1e-7) and a.lon == pytest.approx(b.lon, abs=1e-7)
        assert a.alt_agl_m == pytest.approx(b.alt_agl_m, abs=1e-3)
        assert a.roll == pytest.approx(3.0, abs=1e-4) and a.pitch == pytest.approx(-4.0, abs=1e-4)
        assert (a.yaw - b.yaw + 180) % 360 - 180 == pytest.approx(0, abs=1e-4)
        assert a.gimbal_pitch == -90.0
    assert track.duration_s == pytest.approx(flown[-1].time - flown[0].time, abs=1e-3)


@pytest.mark.parametrize("kind", ["mount_status", "gimbal_device"])
def test_gimbal_angles_from_the_log_are_used(tmp_path, kind: str) -> None:
    flown = fly_path([(-100, 0), (100, 0)], alt=40.0, gimbal_pitch=-60.0, gimbal_yaw=20.0)
    write_tlog(tmp_path / "g.tlog", flown, gimbal=kind)
    track = read_track(tmp_path / "g.tlog")
    assert track.had_gimbal
    for p in track.poses[1:]:
        assert p.gimbal_pitch == pytest.approx(-60.0, abs=0.05)
        assert p.gimbal_yaw == pytest.approx(20.0, abs=0.05)


def test_only_recording_time_counts_when_the_log_says_when_video_ran(tmp_path) -> None:
    flown = fly_path([(-150, 0), (150, 0)], alt=50.0, rate_hz=4)
    half = len(flown) // 2
    write_tlog(tmp_path / "r.tlog", flown, recording=[i < half for i in range(len(flown))])
    track = read_track(tmp_path / "r.tlog")
    assert track.had_recording_status and track.dropped_not_recording == len(flown) - half
    area = rect_area(300, 60)
    full = compute_coverage(flown, area, Camera())
    part = compute_coverage(list(track.poses), area, Camera())
    assert part.covered_fraction < 0.7 * full.covered_fraction


def test_missing_or_garbage_log_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(InputError, match="no such telemetry log"):
        read_poses(tmp_path / "nope.tlog")
    bad = tmp_path / "bad.tlog"
    bad.write_bytes(b"this is not mavlink at all" * 20)
    assert read_poses(bad) == []
