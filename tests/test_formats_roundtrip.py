"""Every plan writer has a reader that gives the same waypoints back; bad files fail naming the place."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planner_helpers import area_from_local
from shapely.geometry import Polygon, box

from search_patterns.errors import InputError
from search_patterns.formats import plan_formats, read_area, read_plan, write_area, write_plan
from search_patterns.geo import haversine_m
from search_patterns.plan import Plan, Waypoint

waypoints = st.lists(st.tuples(st.floats(-80, 80), st.floats(-179.9, 179.9), st.floats(1, 120)),
                     min_size=1, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(waypoints, st.floats(5, 20), st.sampled_from(plan_formats()))
def test_written_plan_reads_back_with_the_same_waypoints(tmp_path: Path, wps: list, speed: float, ext: str) -> None:
    plan = Plan(tuple(Waypoint(*w) for w in wps), pattern="lawnmower", home=(wps[0][0], wps[0][1]),
                takeoff_alt=wps[0][2], speed_m_s=speed, name="fell search")
    path = tmp_path / f"plan{ext}"
    write_plan(plan, path)
    back = read_plan(path)
    assert len(back.waypoints) == len(plan.waypoints)
    for a, b in zip(plan.waypoints, back.waypoints, strict=True):
        assert haversine_m(a.lat, a.lon, b.lat, b.lon) < 0.01  # under a centimetre
        assert b.alt == pytest.approx(a.alt, abs=0.001)
    assert back.home is not None and haversine_m(*back.home, *plan.home) < 0.01
    if ext in (".plan", ".waypoints", ".txt", ".geojson", ".json"):
        assert back.takeoff_alt == pytest.approx(plan.takeoff_alt, abs=0.001)
        assert back.speed_m_s == pytest.approx(speed, abs=1e-6)


def test_area_round_trip_keeps_holes_and_no_fly_zones(tmp_path: Path) -> None:
    poly = Polygon(box(0, 0, 800, 500).exterior, [box(100, 100, 200, 200).exterior.coords])
    area = area_from_local(poly, (box(400, 100, 500, 300), box(600, 300, 700, 400)), name="Moss")
    for ext in (".geojson", ".kml", ".kmz"):
        write_area(area, tmp_path / f"a{ext}")
        back = read_area(tmp_path / f"a{ext}")
        assert back.name == "Moss"
        assert back.polygon.hausdorff_distance(area.polygon) < 1e-8  # degrees: about a millimetre
        assert len(back.exclusions) == 2
        assert back.area_m2() == pytest.approx(area.area_m2(), rel=1e-6)


def test_writing_is_atomic_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "plan.plan"
    old = Plan((Waypoint(54.4, -3.0, 40),), home=(54.4, -3.0))
    write_plan(old, target)
    before = target.read_bytes()

    def power_cut(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", power_cut)
    new = Plan((Waypoint(54.5, -3.1, 50), Waypoint(54.6, -3.1, 50)), home=(54.5, -3.1))
    with pytest.raises(OSError):
        write_plan(new, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.plan"]  # no temporary file left behind


def test_errors_name_the_file_and_the_place(tmp_path: Path) -> None:
    bad_json = tmp_path / "area.geojson"
    bad_json.write_text('{"type": "FeatureCollection",\n "features": [}')
    with pytest.raises(InputError, match=r"area\.geojson: not valid JSON: .* line 2 column"):
        read_area(bad_json)

    wpl = tmp_path / "m.waypoints"
    wpl.write_text("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\t54.4\t-3.0\t0\t1\n1\t0\t3\t16\t0\t0\t0\t54.4\t-3.0\t40\t1\n")
    with pytest.raises(InputError, match=r"m\.waypoints: line 3: expected 12 fields, got 11"):
        read_plan(wpl)

    kml = tmp_path / "a.kml"
    kml.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>Gully</name><Polygon>'
                   "<outerBoundaryIs><LinearRing><coordinates>-3.0,54.4 -3.0,fifty -2.9,54.5 -3.0,54.4"
                   "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>")
    with pytest.raises(InputError, match=r"a\.kml: placemark 'Gully': coordinate 2 '-3\.0,fifty'"):
        read_area(kml)

    bowtie = Path(__file__).parent / "data" / "planner" / "bowtie.geojson"
    with pytest.raises(InputError, match=r"polygon 'bow tie': self-intersecting polygon: outline edge from "
                                         r"vertex 1 to 2 crosses the edge from vertex 3 to 4"):
        read_area(bowtie)

    with pytest.raises(InputError, match=r"cannot read areas from '\.docx' files"):
        read_area(tmp_path / "area.docx")
    with pytest.raises(InputError, match="file not found"):
        read_area(tmp_path / "missing.kml")

    not_a_plan = tmp_path / "x.plan"
    not_a_plan.write_text(json.dumps({"fileType": "Fence"}))
    with pytest.raises(InputError, match="not a QGroundControl plan"):
        read_plan(not_a_plan)
