"""A coordinator hands a CalTopo assignment to the drone team and gets coverage and sightings back."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from search_patterns.area import SearchArea
from search_patterns.errors import InputError
from search_patterns.formats.caltopo import (
    MAX_VERTICES,
    Assignment,
    CaltopoShape,
    assignment_feature,
    assignment_from_area,
    flown_assignment,
    parse_caltopo,
    read_caltopo,
    sighting_marker,
    to_caltopo,
    write_caltopo,
)

# The shape of a SARTopo map export: a folder, an operational period, two area assignments
# (one with Z values and a hole), a marker, a clue and a line, each with properties.class.
CALTOPO_EXPORT = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "id": "f-1", "geometry": None,
         "properties": {"class": "Folder", "title": "Segments"}},
        {"type": "Feature", "id": "op-1", "geometry": None,
         "properties": {"class": "OperationalPeriod", "title": "OP 1"}},
        {"type": "Feature", "id": "4f1c2d3e-aaaa-bbbb-cccc-000000000001",
         "geometry": {"type": "Polygon", "coordinates": [[
             [8.5400, 47.3900, 0], [8.5500, 47.3900, 0], [8.5500, 47.3960, 0], [8.5400, 47.3960, 0],
             [8.5400, 47.3900, 0]]]},
         "properties": {"class": "Assignment", "title": "AB 12", "letter": "AB", "number": "12",
                        "status": "PREPARED", "resourceType": "AIR", "priority": "HIGH", "teamSize": 1,
                        "responsivePOD": "LOW", "unresponsivePOD": "LOW", "cluePOD": "LOW",
                        "operationalPeriodId": "op-1", "folderId": "f-1", "description": "Drone over the meadow",
                        "stroke": "#FF0000", "fill": "#FF0000"}},
        {"type": "Feature", "id": "4f1c2d3e-aaaa-bbbb-cccc-000000000002",
         "geometry": {"type": "Polygon", "coordinates": [
             [[8.56, 47.39], [8.57, 47.39], [8.57, 47.40], [8.56, 47.40], [8.56, 47.39]],
             [[8.563, 47.393], [8.566, 47.393], [8.566, 47.396], [8.563, 47.396], [8.563, 47.393]]]},
         "properties": {"class": "Assignment", "title": "C 3", "letter": "C", "number": "3", "status": "DRAFT",
                        "resourceType": "GROUND"}},
        {"type": "Feature", "id": "m-1", "geometry": {"type": "Point", "coordinates": [8.545, 47.393, 480]},
         "properties": {"class": "Marker", "title": "LKP", "description": "last known position",
                        "marker-color": "FF0000", "marker-symbol": "point", "marker-size": "1"}},
        {"type": "Feature", "id": "c-1", "geometry": {"type": "Point", "coordinates": [8.547, 47.394]},
         "properties": {"class": "Clue", "title": "Glove", "description": "blue glove"}},
        {"type": "Feature", "id": "s-1", "geometry": {"type": "LineString",
                                                      "coordinates": [[8.54, 47.39], [8.55, 47.395]]},
         "properties": {"class": "Shape", "title": "Trail", "stroke": "#0000FF"}},
    ],
}


@pytest.fixture
def export_file(tmp_path):
    p = tmp_path / "map-export.json"
    p.write_text(json.dumps(CALTOPO_EXPORT))
    return p


def test_importing_a_caltopo_export_gives_the_assignments_markers_and_says_what_was_skipped(export_file):
    m = read_caltopo(export_file)
    assert [a.title for a in m.assignments] == ["AB 12", "C 3"]
    ab = m.assignment("AB 12")
    assert ab.status == "PREPARED" and ab.resource_type == "AIR" and ab.priority == "HIGH"
    assert ab.polygon.bounds == pytest.approx((8.54, 47.39, 8.55, 47.396))
    assert not ab.polygon.has_z
    assert len(m.assignment("C").polygon.interiors) == 1
    assert [(k.title, k.feature_class) for k in m.markers] == [("LKP", "Marker"), ("Glove", "Clue")]
    assert m.shapes[0].title == "Trail"
    assert any("Folder" in s for s in m.skipped) and any("OperationalPeriod" in s for s in m.skipped)
    area = ab.to_area()
    assert isinstance(area, SearchArea) and area.name == "AB 12" and area.area_m2() > 400_000


def test_coordinator_gets_the_flown_assignment_coverage_and_sightings_back_in_the_same_shape(export_file, tmp_path):
    ab = read_caltopo(export_file).assignment("AB")
    covered = box(8.5405, 47.3905, 8.5495, 47.3955)
    out = tmp_path / "back-to-caltopo.json"
    write_caltopo(out,
                  assignments=[flown_assignment(ab, covered_fraction=0.93, mean_pod=0.78)],
                  shapes=[CaltopoShape(covered, "AB 12 flown coverage", stroke="#00AA00", fill="#00AA00")],
                  markers=[sighting_marker(47.3931, 8.5452, sighting_id=7, score=0.91, review="confirmed",
                                           picture="sightings/7.jpg"),
                           sighting_marker(47.3941, 8.5462, sighting_id=8, score=0.55)])
    raw = json.loads(out.read_text())
    classes = [f["properties"]["class"] for f in raw["features"]]
    assert classes == ["Assignment", "Shape", "Marker", "Marker"]
    # what CalTopo keys on: the same feature id, letter/number/title, and our status and POD
    a = raw["features"][0]
    assert a["id"] == ab.feature_id and a["properties"]["title"] == "AB 12"
    assert a["properties"]["status"] == "COMPLETED" and a["properties"]["responsivePOD"] == "HIGH"
    assert a["properties"]["operationalPeriodId"] == "op-1", "properties we did not touch go back as they came"
    assert "93% covered" in a["properties"]["description"]
    assert raw["features"][2]["properties"]["marker-color"] == "FF0000"
    assert raw["features"][3]["properties"]["marker-color"] == "FFFF00"

    back = read_caltopo(out)
    assert back.assignments[0].polygon.equals(ab.polygon)
    assert back.shapes[0].geometry.equals_exact(covered, 1e-7)
    assert back.markers[0].title == "CONFIRMED Sighting 7" and "sightings/7.jpg" in back.markers[0].description
    assert (back.markers[0].lat, back.markers[0].lon) == pytest.approx((47.3931, 8.5452), abs=1e-7)


def test_our_area_goes_out_as_a_draft_assignment():
    area = SearchArea(Polygon([(8.5, 47.3), (8.51, 47.3), (8.51, 47.31)]), name="Ridge")
    doc = parse_caltopo(json.dumps({"type": "FeatureCollection", "features": [
        assignment_feature(assignment_from_area(area, letter="R", number="1"))]}))
    assert doc.assignments[0].title == "R 1" and doc.assignments[0].status == "DRAFT"
    assert doc.assignments[0].resource_type == "AIR"


coords = st.tuples(st.floats(-179, 179, allow_nan=False), st.floats(-85, 85, allow_nan=False))


@given(origin=coords, w=st.floats(1e-4, 0.5), h=st.floats(1e-4, 0.5), letter=st.text(max_size=5),
       number=st.text(max_size=5))
def test_any_rectangular_assignment_survives_export_and_import(origin, w, h, letter, number):
    x, y = origin
    poly = box(x, y, x + w, y + h)
    a = Assignment(polygon=poly, letter=letter, number=number, status="INPROGRESS")
    back = parse_caltopo(json.dumps(to_caltopo(assignments=[a]))).assignments[0]
    assert back.polygon.equals_exact(poly, 1e-6)
    assert (back.letter, back.number, back.status) == (letter, number, "INPROGRESS")


@pytest.mark.parametrize("doc, message", [
    ("{not json", "not JSON"),
    ("[]", "not a JSON object"),
    ('{"type": "Topology"}', "FeatureCollection"),
    ('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},'
     '"properties":{"class":"Assignment","title":"X"}}]}', "must be a polygon"),
    ('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":'
     '[[[0,0],[1,1],[1,0],[0,1],[0,0]]]},"properties":{"class":"Assignment","title":"Bow"}}]}', "invalid polygon"),
    ('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[500,2]},'
     '"properties":{"class":"Marker","title":"far"}}]}', "outside longitude/latitude"),
    ('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":'
     '"nope"},"properties":{"class":"Assignment"}}]}', "malformed Polygon"),
])
def test_broken_files_are_refused_naming_the_feature(doc, message):
    with pytest.raises(InputError, match=message) as err:
        parse_caltopo(doc, source="team.json")
    assert "team.json" in str(err.value)


def test_an_assignment_with_too_many_vertices_is_refused_before_it_is_built():
    ring = [[8.0 + i * 1e-7, 47.0] for i in range(MAX_VERTICES + 10)] + [[8.0, 47.001], [8.0, 47.0]]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"class": "Assignment", "letter": "Z"}}]}
    with pytest.raises(InputError, match="more than 200,000 vertices"):
        parse_caltopo(doc, source="huge.json")


def test_asking_for_an_assignment_that_is_not_there_lists_the_ones_that_are(export_file):
    with pytest.raises(InputError, match=r"AB 12, C 3"):
        read_caltopo(export_file).assignment("Q 9")
