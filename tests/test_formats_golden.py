"""Files as other tools write them (QGroundControl, Mission Planner, CalTopo, Google Earth, a Garmin),
and our files as those tools expect to read them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from planner_helpers import area_from_local
from shapely.geometry import Point, box

from search_patterns import mission_items as mi
from search_patterns.errors import InputError
from search_patterns.formats import (
    read_area,
    read_exclusions,
    read_mission_items,
    read_plan,
    write_area,
    write_plan,
)
from search_patterns.lawnmower import plan_lawnmower

DATA = Path(__file__).parent / "data" / "planner"


def test_qgc_survey_plan_reads_waypoints_inside_the_complex_item_and_its_geofence() -> None:
    plan = read_plan(DATA / "qgc_survey.plan")
    assert [(w.lat, w.lon) for w in plan.waypoints] == [
        (54.44796, -3.0538), (54.45212, -3.0539), (54.45213, -3.05344), (54.44797, -3.05334)]
    assert all(w.alt == 40 for w in plan.waypoints)
    assert plan.home == (54.4475, -3.0555)
    assert plan.takeoff_alt == 40
    area = read_area(DATA / "qgc_survey.plan")
    assert len(area.polygon.exterior.coords) == 5  # 4 corners, closed
    assert area.polygon.contains(Point(-3.0500, 54.4500))
    assert len(area.exclusions) == 1 and area.exclusions[0].contains(Point(-3.0506, 54.4500))


def test_qgc_survey_null_yaw_is_read_as_unset() -> None:
    items = read_mission_items(DATA / "qgc_survey.plan")
    assert items[0].command == mi.MAV_CMD_NAV_WAYPOINT and items[0].frame == mi.MAV_FRAME_GLOBAL
    assert [it.command for it in items[1:]] == [22, 16, 16, 16, 16, 20]
    assert items[2].param4 != items[2].param4  # NaN: QGC's null means "keep heading"


def test_mission_planner_waypoints_file_reads_home_takeoff_speed_and_waypoints() -> None:
    plan = read_plan(DATA / "mission_planner.waypoints")
    assert plan.home == (54.4475, -3.0555)
    assert plan.takeoff_alt == 45
    assert plan.speed_m_s == 8
    assert [(w.lat, w.lon, w.alt) for w in plan.waypoints] == [
        (54.44796, -3.0538, 45), (54.45212, -3.0539, 45), (54.45213, -3.05344, 45), (54.44797, -3.05334, 45)]
    items = read_mission_items(DATA / "mission_planner.waypoints")
    assert items[-1].command == mi.MAV_CMD_NAV_RETURN_TO_LAUNCH


def test_mission_planner_poly_file_is_an_area() -> None:
    area = read_area(DATA / "mission_planner.poly")
    assert area.polygon.is_valid
    assert 220_000 < area.area_m2() < 235_000  # about 476 m × 476 m


def test_caltopo_export_picks_the_named_segment_and_takes_its_no_fly_zone() -> None:
    with pytest.raises(InputError, match=r"2 polygons \('Segment A', 'Segment B'\): choose one by name"):
        read_area(DATA / "caltopo_export.kml")
    area = read_area(DATA / "caltopo_export.kml", name="segment a")
    assert area.name == "Segment A"
    assert len(area.polygon.interiors) == 1
    assert len(area.exclusions) == 1
    assert area.exclusions[0].contains(Point(-3.0506, 54.4500))
    with pytest.raises(InputError, match="no polygon named 'Segment C'"):
        read_area(DATA / "caltopo_export.kml", name="Segment C")


def test_google_earth_kml_without_namespace_and_multigeometry() -> None:
    area = read_area(DATA / "google_earth_no_namespace.kml")
    assert area.name == "Crag"
    assert len(area.polygon.exterior.coords) == 4


def test_kmz_is_read_from_its_doc_kml(tmp_path: Path) -> None:
    kmz = tmp_path / "area.kmz"
    with zipfile.ZipFile(kmz, "w") as z:
        z.writestr("doc.kml", (DATA / "caltopo_export.kml").read_bytes())
        z.writestr("files/icon.png", b"\x89PNG")
    assert read_area(kmz, name="Segment B").name == "Segment B"


def test_geojson_area_with_hole_and_exclusion_role() -> None:
    area = read_area(DATA / "area_with_hole.geojson")
    assert area.name == "Tarn basin"
    assert len(area.polygon.interiors) == 1 and len(area.exclusions) == 1
    assert read_exclusions(DATA / "area_with_hole.geojson")[1].equals(area.exclusions[0])


def test_wkt_area() -> None:
    area = read_area(DATA / "area.wkt")
    assert area.name == "area" and len(area.polygon.exterior.coords) == 5


def test_gps_route_gpx_is_a_plan() -> None:
    plan = read_plan(DATA / "garmin_route.gpx")
    assert plan.name == "RIDGE SWEEP"
    assert [(w.lat, w.lon, w.alt) for w in plan.waypoints] == [
        (54.44796, -3.0538, 40), (54.45212, -3.0539, 40), (54.45213, -3.05344, 40)]


@pytest.fixture(scope="module")
def plan_and_area():
    area = area_from_local(box(0, 0, 400, 300), (box(150, 100, 250, 200),), name="Gill")
    return plan_lawnmower(area, spacing_m=40, alt_m=45, home=(54.449, -3.051), speed_m_s=8), area


def test_qgc_plan_we_write_is_what_qgroundcontrol_expects(tmp_path: Path, plan_and_area) -> None:
    plan, area = plan_and_area
    write_plan(plan, tmp_path / "p.plan", area=area)
    doc = json.loads((tmp_path / "p.plan").read_text())
    assert doc["fileType"] == "Plan" and doc["version"] == 1
    m = doc["mission"]
    assert m["version"] == 2 and m["firmwareType"] == 3
    assert m["plannedHomePosition"][:2] == [54.449, -3.051]
    cmds = [it["command"] for it in m["items"]]
    assert cmds[0] == mi.MAV_CMD_NAV_TAKEOFF and cmds[1] == mi.MAV_CMD_DO_CHANGE_SPEED
    assert cmds[-1] == mi.MAV_CMD_NAV_RETURN_TO_LAUNCH
    wps = [it for it in m["items"] if it["command"] == mi.MAV_CMD_NAV_WAYPOINT]
    assert len(wps) == len(plan.waypoints)
    assert all(it["frame"] == 3 and it["type"] == "SimpleItem" and len(it["params"]) == 7 for it in wps)
    assert [it["doJumpId"] for it in m["items"]] == list(range(1, len(m["items"]) + 1))
    fence = doc["geoFence"]["polygons"]
    assert [f["inclusion"] for f in fence] == [True, False]
    assert all(len(p) == 2 for p in fence[0]["polygon"])  # [lat, lon] pairs


def test_waypoints_file_we_write_is_what_mission_planner_expects(tmp_path: Path, plan_and_area) -> None:
    plan, _ = plan_and_area
    write_plan(plan, tmp_path / "p.waypoints")
    raw = (tmp_path / "p.waypoints").read_bytes().decode()
    lines = raw.split("\r\n")
    assert lines[0] == "QGC WPL 110"
    rows = [ln.split("\t") for ln in lines[1:] if ln]
    assert all(len(r) == 12 for r in rows)
    assert rows[0][:4] == ["0", "1", "0", "16"]  # home: current, absolute frame
    assert (float(rows[0][8]), float(rows[0][9])) == (54.449, -3.051)
    assert rows[1][3] == "22" and float(rows[1][10]) == 45
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    assert rows[-1][3] == "20"


def test_kml_we_write_holds_path_waypoints_home_and_area(tmp_path: Path, plan_and_area) -> None:
    plan, area = plan_and_area
    write_plan(plan, tmp_path / "p.kml", area=area)
    text = (tmp_path / "p.kml").read_text()
    assert "<altitudeMode>relativeToGround</altitudeMode>" in text
    assert text.count("<Placemark>") == 1 + len(plan.waypoints) + 1 + 2  # path, wps, home, area + no-fly
    assert read_area(tmp_path / "p.kml", name="Gill").exclusions  # the no-fly zone comes back as one


def test_area_written_as_geojson_kml_and_wkt_reads_back(tmp_path: Path) -> None:
    area = read_area(DATA / "area_with_hole.geojson")
    for ext in (".geojson", ".kml", ".kmz"):
        write_area(area, tmp_path / f"a{ext}")
        back = read_area(tmp_path / f"a{ext}")
        assert back.polygon.hausdorff_distance(area.polygon) < 1e-8
        assert len(back.exclusions) == 1
    with pytest.raises(InputError, match="use GeoJSON or KML"):
        write_area(area, tmp_path / "a.wkt")
    plain = read_area(DATA / "area.wkt")
    write_area(plain, tmp_path / "b.wkt")
    assert read_area(tmp_path / "b.wkt").polygon.equals_exact(plain.polygon, 1e-9)
