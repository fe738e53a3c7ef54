"""End to end: two drones search one hillside together, and one report tells the whole story."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import LineString
from shapely.ops import unary_union
from test_e2e_mission import assert_everyone_found, check_complete_folder, run_mission

from search_patterns.formats import read_plan
from sitl.scenario import find_scenario, load_scenario

pytestmark = pytest.mark.slow


def test_two_drones_split_the_area_both_fly_and_one_report_combines_them(tmp_path: Path) -> None:
    out = tmp_path / "two"
    res = run_mission("--scenario", "two-drones", "--headless", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    summary = check_complete_folder(out, n_vehicles=2)

    # the area was split: each plan sweeps its own part, and together they sweep it all
    scenario = load_scenario(find_scenario("two-drones"))
    paths = [LineString([(w.lon, w.lat) for w in read_plan(out / f"plan-{i}.plan").waypoints]) for i in (1, 2)]
    proj = scenario.area.projection()
    swept = [proj.geometry_to_local(p).buffer(scenario.pattern.spacing_m / 2) for p in paths]
    area_local = proj.geometry_to_local(scenario.area.polygon)
    overlap = swept[0].intersection(swept[1]).intersection(area_local).area / area_local.area
    # legs run on half a spacing past each part's edge, so the parts' sweeps meet with a seam
    assert overlap < 0.3, "each drone searches its own part"
    for sw in swept:
        assert sw.intersection(area_local).area / area_local.area > 0.35
    assert unary_union(swept).intersection(area_local).area / area_local.area > 0.9

    # both flew the whole of their plan
    runs = summary["vehicle_runs"]
    assert [r["name"] for r in runs] == ["vehicle-1", "vehicle-2"]
    assert all(r["completed"] and r["flown_m"] > 500 for r in runs)
    assert summary["coverage"]["sorties"] == 2, "coverage combines both vehicles' tracks"
    assert summary["coverage"]["covered_fraction"] >= 0.95

    # sightings from both drones end up in one store and one report
    assert {s["vehicle"] for s in summary["sightings"]} == {"vehicle-1", "vehicle-2"}
    assert_everyone_found(summary)
    report = (out / "report.html").read_text()
    assert "vehicle-1" in report and "vehicle-2" in report
    texts = [e["text"] for e in summary["timeline"]]
    assert sum(t == "MISSION_START: flying the plan in AUTO" for t in texts) == 2
