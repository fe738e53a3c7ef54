"""End to end: things going wrong during a search, and picking the search up again.

A trainer's scenario blacks the radio link out mid-search (through the faulty-link proxy), or
gives the drone a small battery. The station must say so, the vehicle must come home, nothing
recorded so far may be lost, and `sargc mission --resume` must fly the rest of the area.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from test_e2e_mission import assert_everyone_found, check_complete_folder, run_mission

from sitl.scenario import find_scenario

pytestmark = pytest.mark.slow


def trainer_scenario(tmp_path: Path, name: str, **changes) -> Path:
    """The moorland scenario as a trainer would adapt it: events and a smaller battery."""
    data = yaml.safe_load(find_scenario("moorland").read_text())
    data["name"] = name
    for key, value in changes.items():
        if key == "battery_mah":
            data["vehicles"][0]["battery_mah"] = value
        else:
            data[key] = value
    path = tmp_path / f"{name.replace(' ', '-')}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def sightings_in(store: Path) -> dict[int, tuple[float, float]]:
    db = sqlite3.connect(store)
    try:
        return {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, lat, lon FROM sightings")}
    finally:
        db.close()


def timeline_texts(summary: dict) -> list[str]:
    return [e["text"] for e in summary["timeline"]]


def test_link_blackout_sends_the_drone_home_and_the_rest_of_the_area_is_flown_on_resume(tmp_path: Path) -> None:
    scenario = trainer_scenario(tmp_path, "moor blackout",
                                events=[{"type": "link_blackout", "after_waypoint": 3, "duration_s": 60}])
    out = tmp_path / "mission"
    first = run_mission("--scenario", str(scenario), "--headless", "--out", str(out))
    assert first.returncode == 0, first.stderr[-3000:]
    assert "LINK LOST" in first.stderr and "resume" in first.stderr

    summary = check_complete_folder(out)
    texts = timeline_texts(summary)
    assert any("blacked out" in t for t in texts)
    assert any(t.startswith("LINK LOST") for t in texts), "the station reports the lost link"
    assert any(t.startswith("link back") for t in texts)
    assert any("→ RTL" in t for t in texts), "the vehicle returned home on its own (GCS failsafe)"
    assert summary["status"] == "interrupted"
    (resume,) = summary["resume"]
    run = summary["vehicle_runs"][0]
    assert not run["completed"] and run["last_waypoint_reached"] >= 3
    assert resume["from_waypoint"] == run["last_waypoint_reached"]
    before = sightings_in(out / "detections.sqlite")
    tlog_size = (out / "vehicle-1.tlog").stat().st_size
    covered_before = summary["coverage"]["covered_fraction"]
    assert covered_before < 0.95, "part of the area is left"

    second = run_mission("--resume", str(out), "--headless")
    assert second.returncode == 0, second.stderr[-3000:]
    after = check_complete_folder(out)
    assert (out / "vehicle-1-sortie-2.tlog").exists() and (out / "plan-sortie-2.plan").exists()
    assert (out / "vehicle-1.tlog").stat().st_size == tlog_size, "the first sortie's log is untouched"
    after_sightings = sightings_in(out / "detections.sqlite")
    assert all(after_sightings.get(k) is not None for k in before), "no sighting of the first sortie is lost"
    assert after["status"] == "complete" and not after["resume"]
    assert after["coverage"]["sorties"] == 2
    assert after["coverage"]["covered_fraction"] >= 0.95
    assert len(after["vehicle_runs"]) == 2 and after["vehicle_runs"][1]["completed"]
    assert any(t.startswith("resuming sortie 2") for t in timeline_texts(after))
    assert_everyone_found(after)
    report = (out / "report.html").read_text()
    assert "LINK LOST" in report and "sortie 2" in report


def test_low_battery_brings_the_drone_home_with_everything_recorded_and_a_resume_plan(tmp_path: Path) -> None:
    scenario = trainer_scenario(tmp_path, "moor low battery", battery_mah=1600,
                                failsafe={"battery_rtl_percent": 30, "link_lost_s": 3})
    out = tmp_path / "mission"
    res = run_mission("--scenario", str(scenario), "--headless", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    summary = check_complete_folder(out)
    texts = timeline_texts(summary)
    battery = [e for e in summary["timeline"] if e["kind"] in ("battery-low", "reserve")]
    assert battery, "the station reports the low battery"
    assert any("RTL" in t for t in texts)
    run = summary["vehicle_runs"][0]
    assert not run["completed"] and 1 <= run["last_waypoint_reached"] < run["waypoints_planned"]
    (resume,) = summary["resume"]
    assert resume["reason"] in ("low battery", "vehicle returned home")
    assert len(resume["waypoints"]) == run["waypoints_planned"] - run["last_waypoint_reached"] + 1
    # the flight home was recorded: the track ends near home, landed
    mission = json.loads((out / "mission.json").read_text())
    last = mission["sortie_tracks"][0][-1]
    home = yaml.safe_load(scenario.read_text())["home"]
    assert abs(last[0] - home["lat"]) < 2e-4 and abs(last[1] - home["lon"]) < 3e-4
    assert 0.1 < summary["coverage"]["covered_fraction"] < 0.95, "what was searched before turning home counts"
    assert "--resume" in (out / "report.html").read_text()
