"""Hostile sizes: a 2 GB file, a million-vertex polygon, a 50,000-waypoint plan.

Each is refused (or handled) in a child process whose peak memory we read back, so "bounded"
is measured, not hoped: the 2 GB files are sparse (no 2 GB of data is written to disk).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TWO_GB = 2 * 1024**3
#: Peak resident memory allowed for refusing a hostile file (imports alone take ~150 MB).
MAX_RSS_MB = 600
MAX_SECONDS = 30

RUNNER = textwrap.dedent("""
    import importlib, json, resource, sys, time
    module, func, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    fn = getattr(importlib.import_module(module), func)
    for path in paths:
        t0 = time.perf_counter()
        try:
            out = fn(path)
            if hasattr(out, "__next__"):
                out = sum(1 for _ in out)
            result = {"ok": repr(out)[:200], "size": len(getattr(out, "waypoints", ()))}
        except Exception as exc:
            result = {"error": type(exc).__name__, "message": str(exc)}
        result["seconds"] = time.perf_counter() - t0
        result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result), flush=True)
""")


def _read_in_child(module: str, func: str, *paths: Path) -> dict | list[dict]:
    """Call ``module.func(path)`` for each path in one child process; its results with time and peak RSS."""
    r = subprocess.run([sys.executable, "-c", RUNNER, module, func, *map(str, paths)], cwd=ROOT,
                       capture_output=True, text=True, timeout=MAX_SECONDS * 4 * len(paths))
    assert r.returncode == 0, r.stderr[-2000:]
    out = [json.loads(line) for line in r.stdout.strip().splitlines()[-len(paths):]]
    return out[0] if len(paths) == 1 else out


def _sparse(path: Path, size: int = TWO_GB, head: bytes = b"") -> Path:
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


@pytest.mark.parametrize("module, func, name, head", [
    ("search_patterns.formats.caltopo", "read_caltopo", "map-export.json", b'{"type": "FeatureCollection", '),
    ("sitl.scenario", "load_scenario", "exercise.yaml", b"name: huge\n"),
    ("groundcontrol.track", "read_track", "vehicle-1.tlog", b""),
    ("groundcontrol.tlog", "iter_tlog", "vehicle-2.tlog", b""),
])
def test_a_2_gb_file_is_refused_quickly_without_reading_it_into_memory(tmp_path, module, func, name, head):
    path = _sparse(tmp_path / name, head=head)
    r = _read_in_child(module, func, path)
    assert r["seconds"] < MAX_SECONDS and r["rss_mb"] < MAX_RSS_MB, r
    if "error" in r:
        assert r["error"] == "InputError" and str(path) in r["message"], r
        assert "larger than" in r["message"], r
    else:  # a log reader may read it as an empty log, but only by not loading it
        assert r["ok"] in ("0", "[]"), r


def test_a_million_vertex_caltopo_assignment_is_refused_with_the_limit_named(tmp_path):
    n = 1_000_000
    ring = [[8.0 + 0.01 * (i / n), 47.0 + 0.001 * (i % 2)] for i in range(n)] + [[8.0, 47.0]]
    path = tmp_path / "huge-assignment.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"class": "Assignment", "letter": "Z", "number": "1"}}]}))
    r = _read_in_child("search_patterns.formats.caltopo", "read_caltopo", path)
    assert r.get("error") == "InputError" and "200,000 vertices" in r["message"], r
    assert r["seconds"] < MAX_SECONDS and r["rss_mb"] < MAX_RSS_MB * 2, r


def test_2_gb_area_and_plan_files_of_every_format_are_refused_before_reading(tmp_path):
    exts = [".kml", ".kmz", ".geojson", ".wkt", ".poly", ".plan"]
    areas = [_sparse(tmp_path / f"area{e}") for e in exts]
    plans = [_sparse(tmp_path / f"plan{e}") for e in (".plan", ".waypoints", ".kml", ".geojson", ".gpx")]
    results = _read_in_child("search_patterns.formats", "read_area", *areas)
    results += _read_in_child("search_patterns.formats", "read_plan", *plans)
    for path, r in zip(areas + plans, results, strict=True):
        assert r.get("error") == "InputError" and str(path) in r["message"] and "larger than" in r["message"], r
        assert r["seconds"] < MAX_SECONDS and r["rss_mb"] < MAX_RSS_MB, r


def test_a_kmz_zip_bomb_is_refused_without_unpacking_it(tmp_path):
    import zipfile

    path = tmp_path / "bomb.kmz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open("doc.kml", "w", force_zip64=True) as member:
        member.write(b"<kml>")
        block = b" " * (1 << 20)
        for _ in range(200):  # 200 MiB of blanks: about 200 kB compressed
            member.write(block)
    assert path.stat().st_size < 2_000_000
    r = _read_in_child("search_patterns.formats", "read_area", path)
    assert r.get("error") == "InputError" and "unpacks to more than" in r["message"], r
    assert r["seconds"] < MAX_SECONDS and r["rss_mb"] < MAX_RSS_MB, r


def _circle_wkt(path: Path, n: int) -> Path:
    import math

    pts = [(8.54 + 0.01 * math.cos(2 * math.pi * i / n), 47.39 + 0.007 * math.sin(2 * math.pi * i / n))
           for i in range(n)]
    path.write_text("POLYGON ((" + ", ".join(f"{x:.9f} {y:.9f}" for x, y in pts + pts[:1]) + "))")
    return path


def test_a_million_vertex_area_is_read_in_bounded_time_and_planning_it_is_refused_with_the_limit(tmp_path):
    path = _circle_wkt(tmp_path / "traced-boundary.wkt", 1_000_000)
    r = _read_in_child("search_patterns.formats", "read_area", path)
    assert "ok" in r and r["seconds"] < MAX_SECONDS and r["rss_mb"] < 2 * MAX_RSS_MB, r
    plan = subprocess.run([sys.executable, "-m", "ui.cli", "plan", "lawnmower", "--area", str(path), "--alt", "50",
                           "--spacing", "25", "--out", str(tmp_path / "out.plan")], cwd=ROOT, capture_output=True,
                          text=True, timeout=MAX_SECONDS * 4)
    assert plan.returncode == 1 and "1,000,001 vertices" in plan.stderr and "simplify" in plan.stderr, plan.stderr
    assert len(plan.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.plan").exists()


def test_a_50000_waypoint_plan_is_read_and_refused_for_upload_naming_the_vehicle_limit(tmp_path):
    rows = ["QGC WPL 110", "0\t1\t0\t16\t0\t0\t0\t0\t47.39\t8.54\t400\t1"]
    rows += [f"{i}\t0\t3\t16\t0\t0\t0\t0\t{47.39 + i * 1e-5:.7f}\t8.5400000\t50\t1" for i in range(1, 50_001)]
    wpl = tmp_path / "long.waypoints"
    wpl.write_text("\n".join(rows) + "\n")
    r = _read_in_child("search_patterns.formats", "read_plan", wpl)
    assert r.get("size") == 50_000 and r["seconds"] < MAX_SECONDS and r["rss_mb"] < MAX_RSS_MB, r

    from groundcontrol import preflight
    from search_patterns.formats import read_mission_items

    checks = preflight.check_plan(read_mission_items(wpl), None, preflight.Limits())
    size = next(c for c in checks if c.name == "mission size")
    assert not size.ok and size.blocking and "50001 items" in size.message and "limit 650" in size.message
