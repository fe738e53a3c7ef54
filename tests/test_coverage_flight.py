"""The issue's flight test on the simulated vehicle, through the real link and a real .tlog.

A lawnmower planned over a convex area is uploaded and flown by the built-in simulated
ArduCopter; the ground station's Vehicle writes the tlog; coverage is read back from the
tlog. Then the same flight with every second leg cut out shows those strips as gaps, and
the gap plan, flown by a second vehicle, covers exactly them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon, box

from groundcontrol.track import read_poses
from groundcontrol.vehicle import Vehicle
from search_patterns.area import SearchArea
from search_patterns.camera import Camera
from search_patterns.coverage import compute_coverage, compute_coverage_sorties
from search_patterns.geo import LocalProjection
from search_patterns.lawnmower import plan_lawnmower
from search_patterns.plan import Plan
from search_patterns.replan import plan_gaps
from sitl.sim_vehicle import SimConfig, SimVehicle

HOME = (-35.363261, 149.165230, 584.0, 353.0)
SPEEDUP = 25.0
ALT = 40.0
CAM = Camera()
SPACING = round(CAM.footprint_m(ALT)[0] * 0.8, 1)  # 43.9 m


def fly(plan: Plan, tlog: Path) -> None:
    """Fly ``plan`` on a fresh simulated vehicle until the mission completes; the tlog records it."""
    with SimVehicle(SimConfig(home=HOME, speedup=SPEEDUP, tcp_port=0, serial1_port=0, readiness="fast")) as sim:
        v = Vehicle.connect(sim.connection_string, tlog_path=tlog, timeout=30)
        try:
            v.upload_mission(plan.mission_items(rtl=False))
            v.wait_armable(60)
            v.arm()
            v.start_mission()
            deadline = time.monotonic() + 600 / SPEEDUP * 3 + 20
            while v.snapshot().mission_state != 5:
                assert time.monotonic() < deadline, "mission did not complete in time"
                time.sleep(0.1)
        finally:
            v.close()


@pytest.mark.slow
def test_flown_lawnmower_covers_the_area_and_the_gap_plan_flies_the_skipped_strips(tmp_path: Path) -> None:
    # a 240 m x 165 m field whose south edge is 60 m north of home
    centre = LocalProjection(HOME[0], HOME[1]).to_latlon(0, 60 + 82.5)
    local = LocalProjection(*centre)
    ring = [local.to_latlon(x, y)[::-1] for x, y in box(-120, -82.5, 120, 82.5).exterior.coords]
    area = SearchArea(Polygon(ring), name="field")
    ap = area.projection()
    plan = plan_lawnmower(area, spacing_m=SPACING, alt_m=ALT, angle_deg=90, home=HOME[:2])
    fly(plan, tmp_path / "vehicle-1.tlog")
    poses = read_poses(tmp_path / "vehicle-1.tlog")
    assert len(poses) > 100
    full = compute_coverage(poses, area, CAM)
    assert full.summary["covered_fraction"] >= 0.98, full.summary
    assert full.summary["gap_count"] == 0

    # the same flight with every second leg removed
    wps = [ap.to_local(w.lat, w.lon) for w in plan.waypoints]
    leg_ys = [wps[2 * k][1] for k in range(len(wps) // 2)]
    half_len = max(abs(x) for x, _ in wps)
    skipped = leg_ys[1::2]

    def on_skipped_leg(p) -> bool:
        x, y = ap.to_local(p.lat, p.lon)
        return abs(x) < half_len - 1 and min(abs(y - s) for s in skipped) < SPACING / 4

    cut = [p for p in poses if not on_skipped_leg(p)]
    partial = compute_coverage(cut, area, CAM)
    assert len(partial.gaps) == len(skipped)
    for gap in partial.gaps:
        gx, gy = gap.polygon_local.centroid.coords[0]
        assert min(abs(gy - s) for s in skipped) < SPACING / 4
        assert gap.length_m > 150

    replan = plan_gaps(area, [g.polygon_lonlat for g in partial.gaps], spacing_m=SPACING, alt_m=ALT, home=HOME[:2])
    assert replan.stats.extra["legs"] == len(skipped)
    r = [ap.to_local(w.lat, w.lon) for w in replan.waypoints]
    strips = [g.polygon_local for g in partial.gaps]
    for (x0, y0), (x1, y1) in zip(r[0::2], r[1::2], strict=True):
        # one leg down the middle of each missed strip, along the original legs (the vehicle's
        # own legs wander a few metres, so the strips are not perfectly straight)
        assert any(s.contains(Point((x0 + x1) / 2, (y0 + y1) / 2)) for s in strips)
        assert abs(y1 - y0) < 0.05 * abs(x1 - x0)
        assert min(abs((y0 + y1) / 2 - s) for s in skipped) < 3.0
        assert abs(x1 - x0) > 150

    fly(replan, tmp_path / "vehicle-2.tlog")
    both = compute_coverage_sorties([cut, read_poses(tmp_path / "vehicle-2.tlog")], area, CAM)
    assert both.summary["covered_fraction"] >= 0.98, both.summary
    assert both.summary["gap_count"] == 0
