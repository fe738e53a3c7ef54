"""Bad area and plan files (KML/KMZ, GeoJSON, WKT, .plan, .waypoints, .poly, GPX).

Seeds are files our own writers produce; hypothesis mutates them (and throws random bytes). Every
result is an area or plan, or an ``InputError`` naming the file: never another exception, never a hang.
"""

from __future__ import annotations

import pytest
from fuzz_helpers import Tally, holds_the_rule, inputs
from hypothesis import HealthCheck, given, settings
from shapely.geometry import Polygon

from search_patterns.area import SearchArea
from search_patterns.formats import read_area, read_plan, write_area, write_plan
from search_patterns.plan import Plan, Waypoint

AREA = SearchArea(
    Polygon([(8.540, 47.390), (8.550, 47.390), (8.552, 47.396), (8.541, 47.397)],
            [[(8.544, 47.392), (8.546, 47.392), (8.546, 47.394), (8.544, 47.394)]]),
    exclusions=(Polygon([(8.548, 47.391), (8.549, 47.391), (8.549, 47.392), (8.548, 47.392)]),),
    name="Meadow")
PLAN = Plan(tuple(Waypoint(47.39 + i * 1e-4, 8.54 + (i % 2) * 1e-3, 50.0) for i in range(8)), pattern="lawnmower",
            home=(47.3899, 8.5399), takeoff_alt=30.0, speed_m_s=8.0, name="Meadow")
AREA_EXTS = [".kml", ".kmz", ".geojson", ".wkt", ".poly"]
PLAN_EXTS = [".plan", ".waypoints", ".kml", ".geojson", ".gpx"]
TALLY: dict[str, Tally] = {}
settings_ = settings(max_examples=2 * settings.default.max_examples,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _seed(tmp_path_factory, kind: str, ext: str) -> bytes:
    p = tmp_path_factory.mktemp("seed") / f"seed{ext}"
    if kind == "area":  # WKT and .poly hold one outline only
        write_area(AREA if ext in (".kml", ".kmz", ".geojson") else SearchArea(Polygon(AREA.polygon.exterior), name="Meadow"), p)
    else:
        write_plan(PLAN, p, AREA)
    return p.read_bytes()


def _fuzz(tmp_path_factory, seed_kind: str, ext: str, tally_key: str, stem: str, read, check) -> None:
    """Feed ``read`` damaged copies of a good file; whatever it returns must pass ``check``."""
    seed = _seed(tmp_path_factory, seed_kind, ext)
    tally = TALLY.setdefault(f"{tally_key}{ext}", Tally())

    @given(data=inputs(seed))
    @settings_
    def run(data):
        path = tmp_path_factory.mktemp(tally_key) / f"{stem}{ext}"
        path.write_bytes(data)
        got = holds_the_rule(lambda: read(path), names=str(path), tally=tally)
        if got is not None:
            check(got)

    run()


@pytest.mark.parametrize("ext", AREA_EXTS)
def test_any_area_file_is_read_or_refused_naming_the_file(tmp_path_factory, ext):
    def check(area):
        assert area.polygon.is_valid and area.polygon.area > 0

    _fuzz(tmp_path_factory, "area", ext, "area", "team-area", read_area, check)


@pytest.mark.parametrize("ext", PLAN_EXTS)
def test_any_plan_file_is_read_or_refused_naming_the_file(tmp_path_factory, ext):
    def check(plan):
        for w in plan.waypoints:
            assert -90 <= w.lat <= 90 and -180 <= w.lon <= 180

    _fuzz(tmp_path_factory, "plan", ext, "plan", "team-plan", read_plan, check)


@pytest.mark.parametrize("ext", [".plan", ".waypoints"])
def test_any_mission_file_for_upload_gives_placeable_items_or_a_refusal(tmp_path_factory, ext):
    """What `sargc fly --plan` uploads comes from read_mission_items: a damaged file must not fly."""
    from search_patterns import mission_items as mi
    from search_patterns.formats import read_mission_items

    def check(items):
        for it in items:
            if it.command == mi.MAV_CMD_NAV_WAYPOINT:
                assert -90 <= it.x <= 90 and -180 <= it.y <= 180, it

    _fuzz(tmp_path_factory, "plan", ext, "items", "upload", read_mission_items, check)
