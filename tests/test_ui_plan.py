"""Planning in the desktop app: draw or import an area, tune the pattern, save the plan."""

from __future__ import annotations

from pathlib import Path

import ui_support
from PyQt6.QtCore import Qt
from ui_support import CANBERRA, draw_polygon, map_point, screenshot

from search_patterns.geo import offset_latlon

LAT, LON = CANBERRA
window, asker = ui_support.window, ui_support.asker  # fixtures


def square(size_m: float, north: float = 0.0, east: float = 0.0) -> list[tuple[float, float]]:
    """Corners of a square, in (lat, lon), whose south-west corner is offset from the home."""
    return [offset_latlon(LAT, LON, north + dn, east + de) for dn, de in
            ((0, 0), (0, size_m), (size_m, size_m), (size_m, 0))]


def test_drawing_an_area_with_the_mouse_makes_a_plan_with_statistics(qtbot, window):
    draw_polygon(qtbot, window, square(300, -150, -150))
    area = window.plan_model.area
    assert area is not None and len(area.polygon.exterior.coords) == 5
    assert 80_000 < area.area_m2() < 100_000  # 300 m x 300 m, drawn to the nearest pixel
    plan = window.plan_model.plan
    assert plan is not None and len(plan.waypoints) >= 4
    stats = window.plan_panel.stat_labels
    qtbot.waitUntil(lambda: stats["waypoints"].text() != "–")
    assert int(stats["waypoints"].text()) == plan.stats.waypoints or len(plan.waypoints)
    assert stats["length"].text().endswith("km")
    assert window.plan_panel.save_btn.isEnabled()
    qtbot.wait(120)  # one map refresh
    screenshot(window, "plan-view")


def test_an_exclusion_zone_drawn_inside_the_area_keeps_the_path_out(qtbot, window):
    from shapely.geometry import LineString, Polygon

    draw_polygon(qtbot, window, square(400, -200, -200))
    draw_polygon(qtbot, window, square(120, -60, -60), tool="exclusion")
    area = window.plan_model.area
    assert len(area.exclusions) == 1
    path = LineString([(w.lon, w.lat) for w in window.plan_model.plan.waypoints])
    assert not path.crosses(Polygon(area.exclusions[0])) and not path.within(area.exclusions[0])


def test_changing_spacing_changes_the_statistics(qtbot, window):
    draw_polygon(qtbot, window, square(400, -200, -200))
    before_len = window.plan_model.plan.stats.length_m
    before_text = window.plan_panel.stat_labels["length"].text()
    window.plan_panel.spacing.setValue(window.plan_panel.spacing.value() / 2)
    after = window.plan_model.plan
    assert after.stats.length_m > 1.6 * before_len  # half the spacing: about twice the sweeps
    assert window.plan_panel.stat_labels["length"].text() != before_text
    assert window.plan_model.params.spacing_m == 15.0


def test_dragging_a_corner_edits_the_area_and_replans(qtbot, window):
    corners = square(300, -150, -150)
    draw_polygon(qtbot, window, corners)
    before = window.plan_model.area.area_m2()
    ne = map_point(window, *corners[2])
    far = map_point(window, *offset_latlon(*corners[2], 100, 100))
    qtbot.mousePress(window.map, Qt.MouseButton.LeftButton, pos=ne)
    qtbot.mouseMove(window.map, far)
    qtbot.mouseRelease(window.map, Qt.MouseButton.LeftButton, pos=far)
    assert window.plan_model.area.area_m2() > before * 1.1


def test_importing_a_kml_area_shows_it_and_plans_it(qtbot, window, asker, tmp_path):
    corners = square(500, 200, 200)
    coords = " ".join(f"{lon},{lat},0" for lat, lon in [*corners, corners[0]])
    kml = tmp_path / "search.kml"
    kml.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Ridge block</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon>
</Placemark></Document></kml>""")
    asker.paths.append(str(kml))
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    area = window.plan_model.area
    assert area is not None and 230_000 < area.area_m2() < 270_000
    assert "Ridge block" in window.plan_panel.area_label.text() or "corners" in window.plan_panel.area_label.text()
    assert window.plan_model.plan is not None
    # the map moved to show it
    centre = map_point(window, *offset_latlon(LAT, LON, 450, 450))
    assert window.map.rect().contains(centre)


def test_a_broken_file_is_reported_and_the_current_area_kept(qtbot, window, tmp_path):
    draw_polygon(qtbot, window, square(300, -150, -150))
    area = window.plan_model.area
    bad = tmp_path / "broken.kml"
    bad.write_text("<kml><this is not xml")
    assert not window.plan_panel.import_file(bad)
    assert window.plan_model.area is area
    assert "broken.kml" in window.plan_panel.error_label.text()


def test_saved_plan_reads_back_with_the_same_waypoints(qtbot, window, asker, tmp_path):
    from search_patterns.formats import read_plan

    draw_polygon(qtbot, window, square(300, -150, -150))
    target = tmp_path / "out.plan"
    asker.paths.append(str(target))
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    back = read_plan(target)
    mine = window.plan_model.plan
    assert len(back.waypoints) == len(mine.waypoints)
    assert abs(back.waypoints[-1].lat - mine.waypoints[-1].lat) < 1e-6


def test_splitting_among_three_vehicles_makes_three_plans(qtbot, window, tmp_path):
    draw_polygon(qtbot, window, square(600, -300, -300))
    window.plan_panel.vehicles.setValue(3)
    assert len(window.plan_model.plans) == 3
    files = window.plan_panel.export(tmp_path / "team.waypoints")
    assert [f.name for f in files] == ["team-1.waypoints", "team-2.waypoints", "team-3.waypoints"]
    assert all(Path(f).read_text().startswith("QGC WPL") for f in files)


def test_spacing_from_the_camera_or_a_target_pod_drives_the_plan(qtbot, window):
    draw_polygon(qtbot, window, square(400, -200, -200))
    panel = window.plan_panel
    panel.spacing_mode.setCurrentIndex(panel.spacing_mode.findData("camera"))
    panel.overlap.setValue(50)
    fw, _ = window.plan_model.camera.footprint_m(window.plan_model.params.alt_m)
    assert abs(window.plan_model.spacing_used.spacing_m - fw * 0.5) < 1e-6
    assert abs(panel.spacing.value() - round(fw * 0.5, 1)) < 0.051  # shown to the pilot
    assert not panel.spacing.isEnabled()
    panel.spacing_mode.setCurrentIndex(panel.spacing_mode.findData("pod"))
    panel.sweep_width.setValue(30)
    panel.target_pod.setValue(0.9)
    low = window.plan_model.plan.stats.length_m
    assert window.plan_model.spacing_used.pod >= 0.89
    panel.target_pod.setValue(0.5)  # a lower POD target: wider spacing, shorter path
    assert window.plan_model.plan.stats.length_m < low
    assert panel.stat_labels["pod"].text().startswith("0.5")
