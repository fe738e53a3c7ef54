"""``sargc plan`` as a pilot uses it: files by extension, --json statistics, help with examples, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from search_patterns.examples import MOORLAND_KML, NOFLY_GEOJSON
from search_patterns.formats import read_plan
from ui.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "plan_search.py"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["plan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_lawnmower_writes_every_out_file_and_prints_json_stats(tmp_path: Path, capsys) -> None:
    outs = [tmp_path / n for n in ("p.plan", "p.waypoints", "p.kml", "p.geojson", "p.gpx", "p.png")]
    code, out, err = run(capsys, "lawnmower", "--area", str(MOORLAND_KML), "--exclude", str(NOFLY_GEOJSON),
                         "--alt", "50", "--spacing", "40", "--home", "54.4985,-3.0545", "--angle", "auto",
                         "--speed", "8", *[a for o in outs for a in ("--out", str(o))], "--json")
    assert code == 0, err
    stats = json.loads(out)
    for key in ("waypoints", "length_m", "duration_s", "area_m2", "coverage_fraction", "spacing_m", "pod"):
        assert key in stats
    assert stats["spacing_m"] == 40 and stats["coverage_fraction"] > 0.98
    assert stats["files"] == [str(o) for o in outs]
    for o in outs[:-1]:
        assert len(read_plan(o).waypoints) == stats["waypoints"]
    assert outs[-1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_spacing_from_camera_and_from_target_pod(capsys) -> None:
    code, out, _ = run(capsys, "lawnmower", "--area", str(MOORLAND_KML), "--alt", "60", "--sensor-width", "6.17",
                       "--focal-length", "4.5", "--image-width", "4000", "--side-overlap", "0.25", "--json")
    stats = json.loads(out)
    assert code == 0 and stats["spacing_m"] == pytest.approx(60 * 6.17 / 4.5 * 0.75)
    assert stats["gsd_m"] == pytest.approx(60 * 6.17 / 4.5 / 4000)
    code, out, _ = run(capsys, "lawnmower", "--area", str(MOORLAND_KML), "--alt", "60", "--sweep-width", "30",
                       "--pod", "0.8", "--json")
    assert code == 0 and json.loads(out)["pod"] == pytest.approx(0.8)


def test_expanding_square_sector_and_split(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "expanding-square", "--datum", "54.5012,-3.0475", "--alt", "40", "--spacing", "30",
                       "--legs", "12", "--first-bearing", "270", "--json")
    assert code == 0 and json.loads(out)["legs"] == 12
    code, out, _ = run(capsys, "sector", "--datum", "54.5012,-3.0475", "--alt", "40", "--radius", "200",
                       "--second-pattern", "--json")
    assert code == 0 and json.loads(out)["waypoints"] == 19
    code, out, _ = run(capsys, "split", "--area", str(MOORLAND_KML), "--parts", "3", "--alt", "50", "--spacing", "40",
                       "--out", str(tmp_path / "s.plan"), "--areas-out", str(tmp_path / "part.geojson"))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "part-part1.geojson", "part-part2.geojson", "part-part3.geojson", "s-part1.plan", "s-part2.plan",
        "s-part3.plan"]
    assert out.count("lawnmower 'Kentmere moor part") == 3


def test_endurance_check_proposes_sorties(capsys) -> None:
    code, out, _ = run(capsys, "lawnmower", "--area", str(MOORLAND_KML), "--alt", "50", "--spacing", "25",
                       "--endurance", "10")
    assert code == 0
    assert "does not fit one 10-min battery" in out and "sargc plan split --parts" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--spacing", "0"], "spacing must be a positive number of metres, got 0.0"),
    (["--spacing", "25", "--alt", "150"], "150 m is above the 120 m legal altitude limit"),
    (["--spacing", "25", "--home", "54.5"], "--home: expected LAT,LON"),
    (["--spacing", "25", "--max-waypoints", "20"], "more than the limit of 20"),
    ([], "give exactly one of --spacing M"),
])
def test_bad_options_fail_with_one_line_naming_the_problem(capsys, args: list[str], message: str) -> None:
    base = ["lawnmower", "--area", str(MOORLAND_KML)]
    if "--alt" not in args:
        base += ["--alt", "50"]
    code, _, err = run(capsys, *base, *args)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_plan_help_shows_an_example_for_every_pattern() -> None:
    out = subprocess.run([sys.executable, "-m", "ui.cli", "plan", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0
    for pattern in ("sargc plan lawnmower", "sargc plan expanding-square", "sargc plan sector", "sargc plan split"):
        assert pattern in out.stdout


def test_example_script_plans_and_writes_sorties(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(EXAMPLE), str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "within half a swath" in out.stdout
    plans = sorted(tmp_path.glob("sortie-*.plan"))
    assert plans and all(read_plan(p).waypoints for p in plans)
