"""End to end: a whole training search flown from the command line, as a trainer would run it.

`sargc mission` plans the scenario, starts the vehicle, uploads and verifies, flies it sped up,
runs the simulated camera from telemetry through detection, and writes the mission folder.
The checks are what a trainer looks at afterwards: was everyone found, where, was the area
covered, is the report complete, and is nothing left running.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitl.scenario import find_scenario, load_scenario
from ui.mission.endpoints import sitl_available

pytestmark = pytest.mark.slow


def group_alive(pgid: int) -> list[str]:
    """Command lines of processes still in process group ``pgid``."""
    alive = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append((d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except (OSError, ValueError):
            continue
    return alive


def run_mission(*args: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
    """`sargc mission ...` in its own process group; asserts nothing of it outlives it."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "mission", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"sargc mission did not finish in {timeout} s:\n{err[-3000:]}")
    deadline = time.monotonic() + 5
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = group_alive(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not left, f"processes left behind: {left}"
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def check_complete_folder(folder: Path, n_vehicles: int = 1) -> dict:
    """The mission folder has every part a coordinator opens, and the report shows them."""
    names = {p.name for p in folder.iterdir()}
    expected = {"area.geojson", "detections.sqlite", "report.html", "mission.json", "coverage", "scenario.yaml"}
    expected |= {"plan.plan"} if n_vehicles == 1 else {f"plan-{i + 1}.plan" for i in range(n_vehicles)}
    expected |= {f"vehicle-{i + 1}.tlog" for i in range(n_vehicles)}
    assert expected <= names, f"missing: {expected - names}"
    assert (folder / "coverage" / "summary.json").exists()
    for i in range(n_vehicles):
        assert (folder / f"vehicle-{i + 1}.tlog").stat().st_size > 10_000, "tlog holds the flight"
    report = (folder / "report.html").read_text()
    for section in ("id='training'", "id='map-picture'", "id='statistics'", "id='timeline'", "id='sightings'"):
        assert section in report
    assert report.count("data:image/png;base64,") >= 1, "the map picture is embedded"
    assert not re.search(r"""(src|href)=['"]?(https?:|//)""", report)
    summary = json.loads((folder / "mission.json").read_text())
    cards = report.count("class='card sighting'")
    assert cards == min(len(summary["sightings"]), 60), "every sighting (or the 60 most likely) has a card"
    return summary


def assert_everyone_found(summary: dict, within_m: float = 10.0) -> None:
    subjects = summary["training"]["subjects"]
    assert subjects
    for s in subjects:
        assert s["found"], f"{s['name']} not found"
        assert s["distance_m"] <= within_m, f"{s['name']} placed {s['distance_m']:.1f} m off"
        assert s["time_to_first_s"] is not None and s["time_to_first_s"] > 0


def test_moorland_on_the_builtin_vehicle_finds_both_walkers_and_covers_the_area(tmp_path: Path) -> None:
    out = tmp_path / "moor"
    res = run_mission("--scenario", "moorland", "--headless", "--speedup", "10", "--out", str(out))
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().splitlines()[-1] == str(out / "report.html"), "the last line is the report path"
    assert "mission uploaded and verified" in res.stderr
    summary = check_complete_folder(out)
    assert summary["status"] == "complete" and not summary["resume"]
    assert summary["coverage"]["covered_fraction"] >= 0.95
    assert summary["coverage_source"] == "tlog", "coverage is computed from the recorded tlog"
    assert_everyone_found(summary)
    run = summary["vehicle_runs"][0]
    assert run["completed"] and run["last_waypoint_reached"] == run["waypoints_planned"]


@pytest.mark.sitl
@pytest.mark.skipif(sitl_available() is None,
                    reason="ArduPilot SITL not installed: set ARDUPILOT_SITL to an arducopter binary "
                           "(or put arducopter on PATH) to fly the moorland scenario on it")
def test_moorland_on_ardupilot_sitl_finds_both_walkers(tmp_path: Path) -> None:
    out = tmp_path / "moor-sitl"
    res = run_mission("--scenario", "moorland", "--vehicle", "sitl", "--headless", "--speedup", "5",
                      "--out", str(out), timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    summary = check_complete_folder(out)
    assert summary["coverage"]["covered_fraction"] >= 0.95
    assert_everyone_found(summary)


def test_bad_scenario_is_refused_in_one_line_before_anything_starts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = find_scenario("moorland").read_text().replace("alt_m: 40", "alt_m: -40")
    bad.write_text(text)
    res = run_mission("--scenario", str(bad), "--headless", "--out", str(tmp_path / "never"), timeout=60)
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0 and "bad.yaml: pattern.alt_m" in res.stderr
    assert not (tmp_path / "never").exists()


def test_forest_plan_and_the_way_home_stay_out_of_the_no_fly_zone() -> None:
    from shapely.geometry import LineString

    from ui.mission.planning import NO_FLY_CLEARANCE_M, plan_for_vehicles

    sc = load_scenario(find_scenario("forest-edge"))
    (plan,) = plan_for_vehicles(sc)
    home = (sc.home.lon, sc.home.lat)
    # take-off climbs over home, then waypoints, then RTL flies straight home from the last one
    path = LineString([home, *[(w.lon, w.lat) for w in plan.waypoints], home])
    proj = sc.area.projection()
    for ex in sc.area.exclusions:
        assert proj.geometry_to_local(path).distance(proj.geometry_to_local(ex)) >= NO_FLY_CLEARANCE_M - 0.5


def test_demo_with_a_missing_ardupilot_binary_says_so_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "ARDUPILOT_SITL": str(tmp_path / "no-arducopter")}
    env.pop("DISPLAY", None)
    res = subprocess.run([sys.executable, "-m", "ui.cli", "demo", "--out", str(tmp_path / "d")], capture_output=True,
                         text=True, timeout=60, env=env)
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0 and "no-arducopter does not exist" in res.stderr
    assert not (tmp_path / "d").exists()


def test_resume_of_a_folder_that_is_not_a_mission_is_refused(tmp_path: Path) -> None:
    res = run_mission("--resume", str(tmp_path), "--headless", timeout=60)
    assert res.returncode == 1 and "not a mission folder (no mission.json)" in res.stderr
    res = run_mission("--headless", timeout=60)
    assert res.returncode == 1 and "give --scenario" in res.stderr


def test_a_vehicle_that_cannot_be_reached_fails_the_run_but_the_folder_says_what_is_left(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "m"
    res = run_mission("--scenario", "moorland", "--vehicle", f"tcp:127.0.0.1:{port}", "--headless",
                      "--out", str(out), timeout=120)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1].startswith("sargc: error: vehicle-1: LinkError")
    summary = json.loads((out / "mission.json").read_text())
    assert summary["status"] == "interrupted" and summary["resume"][0]["from_waypoint"] == 1
    assert (out / "report.html").exists()
