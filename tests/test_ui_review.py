"""The coordinator view: open a finished mission folder and see what was covered."""

from __future__ import annotations

import dataclasses
import json

import pytest
import ui_support
from shapely.geometry import Polygon
from ui_support import draw_polygon, screenshot

from groundcontrol.vehicle import Vehicle
from search_patterns.area import SearchArea
from search_patterns.geo import offset_latlon
from search_patterns.lawnmower import plan_lawnmower
from sitl.sim_vehicle import SimConfig, SimVehicle
from ui.mission.folder import write_area_geojson

window, asker = ui_support.window, ui_support.asker  # fixtures
HOME = (-35.363261, 149.165230, 584.0, 353.0)


@pytest.fixture
def flown_folder(tmp_path):
    """A mission folder from a real (simulated) flight: area.geojson and vehicle-1.tlog."""
    folder = tmp_path / "mission"
    folder.mkdir()
    lat, lon = HOME[:2]
    ring = [offset_latlon(lat, lon, n, e)[::-1] for n, e in ((20, -60), (20, 60), (140, 60), (140, -60))]
    area = SearchArea(Polygon(ring), name="creek block")
    write_area_geojson(area, folder / "area.geojson")
    plan = plan_lawnmower(area, spacing_m=40, alt_m=25, home=(lat, lon), speed_m_s=10)
    plan = dataclasses.replace(plan, speed_m_s=None)  # cruise at the vehicle's own speed
    with SimVehicle(SimConfig(home=HOME, speedup=20, tcp_port=0, serial1_port=0)) as sim:
        sim.start()
        v = Vehicle.connect(sim.connection_string, tlog_path=folder / "vehicle-1.tlog")
        try:
            v.upload_mission(plan.mission_items(rtl=False))
            v.wait_armable(timeout=60)
            v.arm()
            v.takeoff(25)
            v.wait_for(lambda s: (s.alt_rel or 0) > 20, 60, "climb")
            v.start_mission()
            last = len(plan.mission_items(rtl=False)) - 1
            v.wait_for(lambda s: (s.last_reached_seq or 0) >= last, 120, "the last waypoint")
            v.rtl()
        finally:
            v.close()
    (folder / "mission.json").write_text(json.dumps({"status": "finished"}))
    return folder


def test_opening_a_finished_mission_shows_tracks_and_coverage(qtbot, window, flown_folder, tmp_path):
    review = window.coordinator
    window.show_tab(review)
    review.open(flown_folder)
    qtbot.waitUntil(lambda: review.review is not None, timeout=60_000)
    r = review.review
    assert r.area is not None and r.area.name == "creek block"
    assert r.tracks and len(r.tracks[0]) > 20
    assert r.coverage  # POD heat polygons
    covered = r.summary["covered_fraction"]
    assert 0.3 < covered <= 1.0
    assert review.stats["covered"].text() == f"{100 * covered:.0f} %"
    assert window.overlays.coverage == r.coverage and window.overlays.tracks == r.tracks
    qtbot.wait(150)
    screenshot(window, "review-view")

    out = review.export_layers(tmp_path / "review.geojson")
    layers = {f["properties"]["layer"] for f in json.loads(out.read_text())["features"]}
    assert {"coverage", "track"} <= layers
    assert review.save_picture(tmp_path / "review.png")
    assert (tmp_path / "review.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_folder_that_is_not_a_mission_is_reported(qtbot, window, tmp_path):
    review = window.coordinator
    review.open(tmp_path / "nowhere")
    qtbot.waitUntil(lambda: "Could not open" in review.folder_label.text(), timeout=10_000)
    assert review.review is None


def test_gaps_become_a_new_area_to_plan(qtbot, window):
    from ui.app.mission_review import MissionReview
    from ui.app.models import Shape

    lat, lon = HOME[:2]
    draw_polygon(qtbot, window, [offset_latlon(lat, lon, n, e) for n, e in ((0, 0), (0, 300), (300, 300), (300, 0))])
    gap = tuple(offset_latlon(lat, lon, n, e)[::-1] for n, e in ((0, 0), (0, 120), (120, 120), (120, 0), (0, 0)))
    window.coordinator.show_review(MissionReview(window.mission_folder(), gaps=(Shape(gap),)))
    window.coordinator.replan_btn.click()
    assert window.plan_model.area.name == "gap re-plan"
    assert 12_000 < window.plan_model.area.area_m2() < 16_000
    assert window.plan_model.plan is not None


def test_gaps_of_a_reviewed_area_are_replanned_with_legs_over_them_only(qtbot, window):
    from shapely.geometry import Point

    from ui.app.mission_review import MissionReview
    from ui.app.models import Shape

    lat, lon = HOME[:2]
    ring = [offset_latlon(lat, lon, n, e)[::-1] for n, e in ((0, 0), (0, 400), (400, 400), (400, 0))]
    area = SearchArea(Polygon(ring), name="block B")
    gap = tuple(offset_latlon(lat, lon, n, e)[::-1] for n, e in ((250, 250), (250, 350), (350, 350), (350, 250),
                                                                 (250, 250)))
    window.coordinator.show_review(MissionReview(window.mission_folder(), area=area, gaps=(Shape(gap),)))
    window.coordinator.replan_btn.click()
    plan = window.plan_model.plan
    assert plan is not None and window.plan_model.area is area
    near_gap = Polygon(gap).buffer(0.0006)  # ~60 m: the legs' ends and turns
    assert all(near_gap.contains(Point(w.lon, w.lat)) for w in plan.waypoints)
