"""`sargc coverage` and `sargc plan gaps` as a coordinator uses them, on a real tlog."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from flown_tracks import PROJ, fly_path, lawnmower_lines, write_tlog
from lxml import etree
from shapely.geometry import box, mapping, shape

from search_patterns.camera import Camera
from ui.cli import main

CAM = Camera()
SPACING = round(CAM.footprint_m(50.0)[0] * 0.8, 1)


def _area_file(tmp: Path) -> Path:
    ring = [PROJ.to_latlon(x, y)[::-1] for x, y in box(-200, -150, 200, 150).exterior.coords]
    from shapely.geometry import Polygon

    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "field"}, "geometry": mapping(Polygon(ring))}]}
    p = tmp / "area.geojson"
    p.write_text(json.dumps(fc))
    return p


@pytest.fixture(scope="module")
def flown(tmp_path_factory) -> tuple[Path, Path, list[float]]:
    """A tlog of a lawnmower over the field with every second leg missing."""
    tmp = tmp_path_factory.mktemp("cov")
    pts = lawnmower_lines(400, 300, SPACING, overshoot=30)
    legs = [pts[i:i + 2] for i in range(0, len(pts), 2)]
    skipped = [leg[0][1] for leg in legs[1::2]]
    poses, t = [], 0.0
    for leg in legs[0::2]:
        seg = fly_path(leg, alt=50.0, rate_hz=4, t0=t)
        poses += seg
        t = seg[-1].time + 40.0
    write_tlog(tmp / "vehicle-1.tlog", poses)
    return tmp / "vehicle-1.tlog", _area_file(tmp), skipped


def test_coverage_command_writes_summary_layers_kml_and_picture(flown, tmp_path, capsys) -> None:
    tlog, area, skipped = flown
    out = tmp_path / "coverage"
    marks = tmp_path / "sightings.geojson"
    lat, lon = PROJ.to_latlon(50, 20)
    marks.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [lon, lat]}}]}))
    assert main(["coverage", str(tlog), "--area", str(area), "--out", str(out), "--target-pod", "0.5",
                 "--sightings", str(marks)]) == 0
    said = capsys.readouterr().out
    assert "covered" in said and f"{len(skipped)} gap(s)" in said
    s = json.loads((out / "summary.json").read_text())
    for key in ("covered_fraction", "mean_pod", "fraction_above_target", "gaps", "flown_length_m"):
        assert key in s
    assert 0.5 < s["covered_fraction"] < 0.9 and len(s["gaps"]) == len(skipped)
    gaps = json.loads((out / "gaps.geojson").read_text())["features"]
    assert len(gaps) == len(skipped)
    for f in gaps:
        cy = PROJ.to_local(*shape(f["geometry"]).centroid.coords[0][::-1])[1]
        assert min(abs(cy - y) for y in skipped) < SPACING / 4
    pod = json.loads((out / "pod.geojson").read_text())["features"]
    assert pod and all(0.0 <= f["properties"]["pod"] <= 1.0 for f in pod)
    covered_pods = sorted({f["properties"]["pod_min"] for f in pod})
    assert covered_pods[0] == 0.0 and covered_pods[-1] > 0.3  # unseen strips and searched ground
    kml = etree.parse(str(out / "coverage.kml"))
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    folders = [f.findtext("k:name", namespaces=ns) for f in kml.findall(".//k:Folder", ns)]
    assert {"Coverage (seen)", "Gaps", "POD", "Flown track"} <= set(folders)
    assert len(kml.findall(".//k:Folder[k:name='Gaps']/k:Placemark", ns)) == len(skipped)
    # an independent KML reader (what Google Earth-style tools use) sees the same layers
    from fastkml import kml as fkml

    doc = fkml.KML.parse(str(out / "coverage.kml")).features[0]
    by_name = {f.name: f.features for f in doc.features}
    assert len(by_name["Gaps"]) == len(skipped)
    assert all(type(p.geometry).__name__ == "Polygon" for p in by_name["Gaps"])
    assert {type(p.geometry).__name__ for p in by_name["Flown track"]} == {"LineString"}
    for name in ("coverage", "gaps", "pod", "under_target"):
        for f in json.loads((out / f"{name}.geojson").read_text())["features"]:
            g = shape(f["geometry"])
            assert g.is_valid and -180 <= g.bounds[0] <= g.bounds[2] <= 180 and -90 <= g.bounds[1] <= 90
    img = cv2.imread(str(out / "coverage.png"))
    assert img is not None and img.shape[1] == 1200
    red = (img[..., 2] > 180) & (img[..., 1] < 90) & (img[..., 0] < 90)
    assert red.sum() > 2000  # the gaps are drawn
    magenta = (img[100:, :, 2] > 140) & (img[100:, :, 1] < 40) & (img[100:, :, 0] > 150)  # below the key
    assert magenta.sum() > 50  # and the sighting


def test_two_logs_are_two_sorties(flown, tmp_path) -> None:
    tlog, area, _ = flown
    out = tmp_path / "two"
    assert main(["coverage", str(tlog), str(tlog), "--area", str(area), "--out", str(out), "--json"]) == 0
    one = tmp_path / "one"
    assert main(["coverage", str(tlog), "--area", str(area), "--out", str(one)]) == 0
    s2, s1 = (json.loads((d / "summary.json").read_text()) for d in (out, one))
    assert s2["sorties"] == 2 and s2["mean_pod"] > s1["mean_pod"]
    assert s2["covered_fraction"] == pytest.approx(s1["covered_fraction"], abs=1e-4)


def test_bad_inputs_fail_with_one_clear_line(flown, tmp_path, capsys) -> None:
    tlog, area, _ = flown
    assert main(["coverage", str(tmp_path / "missing.tlog"), "--area", str(area), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "missing.tlog" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["coverage", str(tlog), "--area", str(area), "--out", str(tmp_path), "--camera", "wide"]) == 1
    assert "--camera" in capsys.readouterr().err
    empty = tmp_path / "empty.tlog"
    empty.write_bytes(b"")
    assert main(["coverage", str(empty), "--area", str(area), "--out", str(tmp_path)]) == 1
    assert "no vehicle positions" in capsys.readouterr().err


def test_plan_gaps_flies_the_missing_strips(flown, tmp_path, capsys) -> None:
    tlog, area, skipped = flown
    out = tmp_path / "cov"
    assert main(["coverage", str(tlog), "--area", str(area), "--out", str(out)]) == 0
    plan_file = tmp_path / "gaps.waypoints"
    assert main(["plan", "gaps", "--coverage", str(out / "summary.json"), "--out", str(plan_file),
                 "--home", "{:.6f},{:.6f}".format(*PROJ.to_latlon(-250, -200))]) == 0
    assert f"{len(skipped)} leg(s)" in capsys.readouterr().out
    from search_patterns.formats import read_plan

    wps = read_plan(plan_file).waypoints
    xy = [PROJ.to_local(w.lat, w.lon) for w in wps]
    legs = [(a, b) for a, b in zip(xy[0::2], xy[1::2], strict=True)]
    assert len(legs) == len(skipped)
    for (x0, y0), (x1, y1) in legs:
        assert y0 == pytest.approx(y1, abs=0.5) and min(abs(y0 - y) for y in skipped) < SPACING / 4
        assert abs(x1 - x0) > 250 and np.isclose(wps[0].alt, 50.0, atol=0.5)
    assert main(["plan", "gaps", "--coverage", str(tmp_path / "nowhere" / "summary.json"),
                 "--out", str(plan_file)]) == 1
    assert "summary not found" in capsys.readouterr().err


def test_a_mission_folder_needs_no_area_or_out_option(flown, tmp_path, capsys) -> None:
    import shutil

    tlog, area, _ = flown
    mission = tmp_path / "missions" / "2026-11-30T14-05-12"
    mission.mkdir(parents=True)
    shutil.copy(tlog, mission / "vehicle-1.tlog")
    assert main(["coverage", str(mission / "vehicle-1.tlog")]) == 1
    assert "area.geojson" in capsys.readouterr().err
    shutil.copy(area, mission / "area.geojson")
    assert main(["coverage", str(mission / "vehicle-1.tlog")]) == 0
    assert json.loads((mission / "coverage" / "summary.json").read_text())["gap_count"] >= 1


def test_sightings_from_the_mission_detection_store_are_marked(flown, tmp_path) -> None:
    from detection.store import SightingStore
    from detection.types import Box, Detection, GroundFix, Sighting

    tlog, area, _ = flown
    lat, lon = PROJ.to_latlon(-60, 30)
    db = tmp_path / "detections.sqlite"
    with SightingStore(db) as store:
        det = Detection(0, 1.0, "vehicle-1", Box(10, 10, 20, 40, 0.9, "test"), GroundFix(lat, lon, 3.0, 60.0),
                        sighting_id=1)
        store.write_frame([(det, None)], [Sighting(1, lat, lon, 3.0, 0.9, 1, 1.0, 1.0, -1)])
    out = tmp_path / "cov"
    assert main(["coverage", str(tlog), "--area", str(area), "--out", str(out), "--sightings", str(db)]) == 0
    img = cv2.imread(str(out / "coverage.png"))
    magenta = (img[100:, :, 2] > 140) & (img[100:, :, 1] < 40) & (img[100:, :, 0] > 150)
    assert magenta.sum() > 50
