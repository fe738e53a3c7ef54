"""A coordinator's round trip on the command line: assignment in, flown assignment out."""

from __future__ import annotations

import json

from shapely.geometry import box, mapping, shape

from detection.store import SightingStore
from detection.types import Sighting
from search_patterns.formats import read_area
from ui.cli import main

RING = [[8.540, 47.390, 0], [8.550, 47.390, 0], [8.550, 47.396, 0], [8.540, 47.396, 0], [8.540, 47.390, 0]]


def _export(tmp_path):
    p = tmp_path / "map-export.json"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "f1", "geometry": None, "properties": {"class": "Folder", "title": "Segments"}},
        {"type": "Feature", "id": "seg-ab12", "geometry": {"type": "Polygon", "coordinates": [RING]},
         "properties": {"class": "Assignment", "title": "AB 12", "letter": "AB", "number": "12",
                        "status": "PREPARED", "resourceType": "AIR", "operationalPeriodId": "op1"}}]}))
    return p


def test_import_gives_an_area_the_planner_reads_and_export_hands_back_coverage_and_sightings(tmp_path, capsys):
    src = _export(tmp_path)
    assert main(["share", "caltopo-import", str(src)]) == 0
    assert "AB 12" in capsys.readouterr().out
    area_file = tmp_path / "area.geojson"
    assert main(["share", "caltopo-import", str(src), "--assignment", "ab 12", "--out", str(area_file)]) == 0
    area = read_area(area_file)
    assert area.polygon.equals_exact(shape({"type": "Polygon", "coordinates": [[p[:2] for p in RING]]}), 1e-9)

    mission = tmp_path / "mission"
    (mission / "coverage").mkdir(parents=True)
    flown = box(8.540, 47.390, 8.550, 47.3955)
    (mission / "coverage" / "coverage.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(flown), "properties": {"pod": 0.8}}]}))
    (mission / "coverage" / "summary.json").write_text(json.dumps({"covered_fraction": 0.917, "mean_pod": 0.74}))
    with SightingStore(mission) as store:
        store.write_frame([], [Sighting(1, 47.392, 8.544, 3.0, 0.93, 4, 1_764_500_000.0, 1_764_500_009.0, None),
                               Sighting(2, 47.393, 8.545, 5.0, 0.41, 1, 1_764_500_100.0, 1_764_500_100.0, None)])
        store.review(1, "confirmed")
        store.review(2, "rejected")
    out = tmp_path / "back.json"
    assert main(["share", "caltopo-export", str(src), "--assignment", "AB", "--mission", str(mission),
                 "--out", str(out)]) == 0
    assert "COMPLETED, 92% covered" in capsys.readouterr().out
    feats = json.loads(out.read_text())["features"]
    assert [f["properties"]["class"] for f in feats] == ["Assignment", "Shape", "Marker"], "rejected left out"
    a = feats[0]
    assert a["id"] == "seg-ab12" and a["properties"]["status"] == "COMPLETED"
    assert a["properties"]["responsivePOD"] == "HIGH" and "mean POD 0.74" in a["properties"]["description"]
    assert shape(feats[1]["geometry"]).equals_exact(flown, 1e-7)
    assert feats[2]["properties"]["title"] == "CONFIRMED Sighting 1"
    assert "2025-11-30" in feats[2]["properties"]["description"]


def test_export_of_a_missing_mission_folder_is_one_clear_line(tmp_path, capsys):
    src = _export(tmp_path)
    code = main(["share", "caltopo-export", str(src), "--assignment", "AB", "--mission", str(tmp_path / "nope"),
                 "--out", str(tmp_path / "x.json")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "no such mission folder" in err
    assert not (tmp_path / "x.json").exists()
