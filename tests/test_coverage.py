"""Coverage from a flown track: what was seen, what is left, and re-flying what is left."""

from __future__ import annotations

import math

import numpy as np
import pytest
from flown_tracks import PROJ, area_from_local, fly_path, lawnmower_lines, rect_area
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from search_patterns.camera import Camera
from search_patterns.coverage import CoverageSettings, CoverageTracker, compute_coverage
from search_patterns.lawnmower import plan_lawnmower
from search_patterns.pose import Pose
from search_patterns.replan import plan_gaps

CAM = Camera()  # 1/2.3" 16:9, 68.6 m wide at 50 m
ALT = 50.0
SPACING = round(CAM.footprint_m(ALT)[0] * 0.8, 1)


def local_path(plan) -> list[tuple[float, float]]:
    return [PROJ.to_local(w.lat, w.lon) for w in plan.waypoints]


def test_lawnmower_flown_at_planned_spacing_covers_the_area() -> None:
    area = rect_area(400, 300)
    plan = plan_lawnmower(area, spacing_m=SPACING, alt_m=ALT, angle_deg=90)
    poses = fly_path(local_path(plan), alt=ALT, rate_hz=4)
    res = compute_coverage(poses, area, CAM)
    s = res.summary
    assert s["covered_fraction"] >= 0.98
    assert s["gap_count"] == 0
    assert s["flown_length_m"] == pytest.approx(plan.stats.length_m, rel=0.02)


def test_skipped_legs_show_as_gaps_and_the_gap_plan_flies_exactly_those_strips() -> None:
    area = rect_area(400, 300)
    plan = plan_lawnmower(area, spacing_m=SPACING, alt_m=ALT, angle_deg=90)
    path = local_path(plan)
    leg_ys = [path[2 * k][1] for k in range(len(path) // 2)]
    skipped = leg_ys[1::2]
    poses = [p for p in fly_path(path, alt=ALT, rate_hz=4)
             if min(abs(PROJ.to_local(p.lat, p.lon)[1] - y) for y in skipped) > 0.5]
    res = compute_coverage(poses, area, CAM)
    assert len(res.gaps) == len(skipped)
    for gap in res.gaps:
        assert gap.length_m > 250 and gap.width_m < SPACING
        # every gap lies along one of the skipped legs
        cy = gap.polygon_local.centroid.y
        assert min(abs(cy - y) for y in skipped) < SPACING / 2
    replan = plan_gaps(area, [g.polygon_lonlat for g in res.gaps], spacing_m=SPACING, alt_m=ALT,
                       home=(plan.waypoints[0].lat, plan.waypoints[0].lon))
    assert replan.stats.extra["legs"] == len(skipped)
    wps = local_path(replan)
    legs = [(wps[i], wps[i + 1]) for i in range(0, len(wps), 2)]
    for (x0, y0), (x1, y1) in legs:
        assert y0 == pytest.approx(y1, abs=0.5)  # east–west like the original legs
        assert min(abs(y0 - y) for y in skipped) < SPACING / 4
        assert abs(x1 - x0) > 250
    # flying the gap plan as a second sortie closes the gaps
    again = compute_coverage(poses + fly_path(wps, alt=ALT, rate_hz=4, t0=poses[-1].time + 60), area, CAM)
    assert again.summary["covered_fraction"] >= 0.98 and again.summary["gap_count"] == 0


def test_poses_below_minimum_altitude_add_no_coverage() -> None:
    area = rect_area(200, 200)
    low = fly_path([(-100, 0), (100, 0)], alt=5.0)
    res = compute_coverage(low, area, CAM, min_alt_m=10.0)
    assert res.covered_fraction == 0.0 and res.mean_pod == 0.0
    assert res.flown_length_m == 0.0
    ok = compute_coverage(fly_path([(-100, 0), (100, 0)], alt=20.0), area, CAM, min_alt_m=10.0)
    assert ok.covered_fraction > 0.1


def test_a_telemetry_dropout_is_not_counted_as_searched() -> None:
    area = rect_area(400, 60)  # narrower than one swath
    before = fly_path([(-200, 0), (-50, 0)], alt=ALT)
    after = fly_path([(50, 0), (200, 0)], alt=ALT, t0=before[-1].time + 30.0)
    res = compute_coverage(before + after, area, CAM)
    # the 100 m in the middle, minus what the footprints reach ahead/behind, is a gap
    assert len(res.gaps) == 1
    g = res.gaps[0].polygon_local
    assert g.bounds[0] > -60 and g.bounds[2] < 60 and g.area > 50 * 60
    # the same positions without the hole in time are one continuous sweep
    cont = compute_coverage(before + fly_path([(-50, 0), (200, 0)], alt=ALT, t0=before[-1].time + 0.25), area, CAM)
    assert cont.covered_fraction > res.covered_fraction


def test_feeding_poses_live_gives_the_same_answer_as_the_whole_log() -> None:
    area = rect_area(300, 200)
    poses = fly_path(lawnmower_lines(300, 200, SPACING), alt=ALT, rate_hz=5)
    whole = compute_coverage(poses, area, CAM)
    tracker = CoverageTracker(area, CoverageSettings(camera=CAM))
    estimates = []
    for i in range(0, len(poses), 7):
        tracker.add_many(poses[i:i + 7])
        estimates.append(tracker.covered_fraction_estimate())
    live = tracker.result()
    assert live.covered_fraction == pytest.approx(whole.covered_fraction, abs=1e-3)
    assert np.allclose(live.pod, whole.pod, atol=1e-6)
    assert live.summary["flown_length_m"] == pytest.approx(whole.summary["flown_length_m"], rel=1e-9)
    assert all(b >= a for a, b in zip(estimates, estimates[1:], strict=False))  # never shrinks
    assert estimates[-1] == pytest.approx(live.covered_fraction, abs=0.03)
    quick = tracker.live_summary()
    assert quick["mean_pod"] == pytest.approx(live.mean_pod, abs=1e-4)
    assert quick["flown_length_m"] == pytest.approx(live.flown_length_m, abs=0.1)


def test_nothing_flown_means_the_whole_area_is_one_gap() -> None:
    area = rect_area(200, 100)
    res = compute_coverage([], area, CAM)
    assert res.summary["covered_fraction"] == 0.0
    assert res.summary["gap_count"] == 1
    assert res.gaps[0].area_m2 == pytest.approx(200 * 100, rel=1e-3)


def test_holes_and_exclusions_are_not_part_of_the_area_to_cover() -> None:
    outer = box(-150, -100, 150, 100)
    area = area_from_local(Polygon(outer.exterior.coords, [box(-20, -20, 20, 20).exterior.coords]))
    res = compute_coverage([], area, CAM)
    assert res.summary["area_m2"] == pytest.approx(300 * 200 - 40 * 40, rel=1e-3)
    assert res.grid.weight.sum() * 25 == pytest.approx(300 * 200 - 40 * 40, rel=1e-6)


def test_gaps_narrower_than_the_minimum_size_are_not_reported() -> None:
    area = rect_area(400, 150)
    w = CAM.footprint_m(ALT)[0]
    # two legs leaving a 6 m uncovered strip between their footprints
    y = w / 2 + 3
    poses = fly_path([(-230, -y), (230, -y)], alt=ALT) + fly_path([(230, y), (-230, y)], alt=ALT, t0=100)
    narrow = compute_coverage(poses, area, CAM, min_gap_m=10.0)
    assert all(g.width_m > 6.5 for g in narrow.gaps)
    fine = compute_coverage(poses, area, CAM, min_gap_m=4.0)
    assert any(g.width_m == pytest.approx(6.0, abs=0.3) for g in fine.gaps)


def test_rotated_track_direction_is_reported_for_replanning() -> None:
    area = rect_area(300, 300)
    pts = [(x * math.cos(math.radians(30)) - y * math.sin(math.radians(30)),
            x * math.sin(math.radians(30)) + y * math.cos(math.radians(30)))
           for x, y in lawnmower_lines(300, 300, SPACING)]
    res = compute_coverage(fly_path(pts, alt=ALT), area, CAM)
    # east–west legs turned 30° anticlockwise run along bearing 60°
    assert res.summary["dominant_heading_deg"] == pytest.approx(60, abs=1.5)


def test_pose_list_order_and_time_units_do_not_need_unix_time() -> None:
    area = rect_area(200, 100)
    poses = [Pose(*PROJ.to_latlon(x, 0.0), 40.0, yaw=90.0, time=float(i)) for i, x in enumerate(range(-100, 101, 5))]
    assert compute_coverage(poses, area, CAM).covered_fraction > 0.5


@settings(max_examples=6)
@given(st.lists(st.tuples(st.floats(-150, 150), st.floats(-100, 100)), min_size=2, max_size=6),
       st.floats(15, 90), st.floats(0, 360))
def test_more_flying_never_uncovers_ground(pts: list[tuple[float, float]], alt: float, extra_yaw: float) -> None:
    area = rect_area(300, 200)
    first = fly_path(pts, alt=alt, rate_hz=2)
    more = first + fly_path(pts[::-1], alt=alt, rate_hz=2, t0=first[-1].time + 100, gimbal_yaw=extra_yaw)
    a = compute_coverage(first, area, CAM)
    b = compute_coverage(more, area, CAM)
    for r in (a, b):
        assert 0.0 <= r.covered_fraction <= 1.0 and 0.0 <= r.mean_pod <= 1.0
        gap_area = sum(g.area_m2 for g in r.gaps)
        assert gap_area <= (1 - r.covered_fraction) * r.searchable_local.area + 1e-6 * r.searchable_local.area
    assert b.covered_fraction >= a.covered_fraction - 1e-9
    assert np.all(b.pod >= a.pod - 1e-12)
