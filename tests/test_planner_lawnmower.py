"""Parallel-track planning as a pilot sees it: coverage, entry corner, no-fly zones, angles, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from planner_helpers import ORIGIN, area_from_local, path_line, path_local
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box

from search_patterns.errors import InputError, PlanningError
from search_patterns.lawnmower import plan_lawnmower
from search_patterns.validate import Limits


def test_rectangle_is_covered_by_straight_legs_inset_half_a_spacing() -> None:
    area = area_from_local(box(0, 0, 600, 400))
    plan = plan_lawnmower(area, spacing_m=40, alt_m=50, angle_deg=0)
    xy = path_local(plan)
    assert plan.stats.coverage_fraction >= 0.99
    # north-south legs: 600 m wide / 40 m = 15 tracks, outermost 20 m from the edges
    xs = np.unique(np.round(xy[:, 0], 1))
    assert len(xs) == 15
    assert xs.min() == pytest.approx(20, abs=0.5) and xs.max() == pytest.approx(580, abs=0.5)
    assert np.all(np.diff(xs) == pytest.approx(40, abs=0.5))
    # legs run to the boundary they meet, unless asked to stop short
    assert xy[:, 1].min() == pytest.approx(0, abs=0.5) and xy[:, 1].max() == pytest.approx(400, abs=0.5)
    short = path_local(plan_lawnmower(area, spacing_m=40, alt_m=50, angle_deg=0, end_inset_m=20))
    assert short[:, 1].min() == pytest.approx(20, abs=0.5) and short[:, 1].max() == pytest.approx(380, abs=0.5)
    assert plan.stats.waypoints == len(plan.waypoints) == 30
    assert all(w.alt == 50 for w in plan.waypoints)


def test_stats_match_the_path_flown() -> None:
    area = area_from_local(box(0, 0, 500, 300))
    plan = plan_lawnmower(area, spacing_m=50, alt_m=40, angle_deg=90, speed_m_s=5, turn_cost_s=3)
    xy = path_local(plan)
    length = float(np.hypot(*np.diff(xy, axis=0).T).sum())
    assert plan.stats.length_m == pytest.approx(length, rel=1e-3)
    turns = len(xy) - 2
    assert plan.stats.duration_s == pytest.approx(length / 5 + 3 * turns, rel=1e-3)
    assert plan.stats.area_m2 == pytest.approx(150_000, rel=1e-3)
    assert plan.stats.spacing_m == 50
    assert plan.stats.pod == pytest.approx(1 - math.exp(-1))


@pytest.mark.parametrize("corner", [(-300, -300), (900, -300), (-300, 700), (900, 700)])
def test_plan_starts_at_the_corner_nearest_the_launch_point(corner: tuple[float, float]) -> None:
    area = area_from_local(box(0, 0, 600, 400))
    home = ORIGIN.to_latlon(*corner)
    plan = plan_lawnmower(area, spacing_m=40, alt_m=50, angle_deg=0, home=home)
    first = path_local(plan)[0]
    corners = [(20, 0), (580, 0), (20, 400), (580, 400)]
    nearest = min(corners, key=lambda c: math.dist(c, corner))
    assert math.dist(first, nearest) < 1.0
    assert plan.home == home


def test_auto_angle_sweeps_along_a_long_narrow_area() -> None:
    strip = affinity.rotate(box(0, 0, 2000, 200), 30, origin=(0, 0))  # long axis at bearing 60°
    area = area_from_local(strip)
    auto = plan_lawnmower(area, spacing_m=25, alt_m=50)
    across = plan_lawnmower(area, spacing_m=25, alt_m=50, angle_deg=150)
    assert auto.stats.extra["angle_deg"] == pytest.approx(60, abs=1.0)
    assert auto.stats.duration_s < across.stats.duration_s
    assert auto.params["angle_auto"] is True


def test_u_shaped_area_is_covered_without_leaving_it() -> None:
    u = box(0, 0, 1000, 800).difference(box(300, 200, 700, 900))
    plan = plan_lawnmower(area_from_local(u), spacing_m=25, alt_m=50, angle_deg=90)
    line = path_line(plan)
    assert u.buffer(0.05).covers(line)
    assert plan.stats.coverage_fraction >= 0.99


def test_path_goes_around_an_exclusion_zone_and_covers_the_rest() -> None:
    outline = box(0, 0, 800, 600)
    nofly = Polygon([(300, 150), (500, 200), (450, 450), (250, 400)])
    area = area_from_local(outline, (nofly,))
    for angle in (0, 45, 90):
        plan = plan_lawnmower(area, spacing_m=30, alt_m=60, angle_deg=angle)
        line = path_line(plan)
        assert not line.intersects(nofly.buffer(-0.05)), f"crosses the no-fly zone at angle {angle}"
        assert outline.buffer(0.05).covers(line)
        assert plan.stats.coverage_fraction >= 0.98


def test_holes_are_not_searched_but_may_be_overflown_unless_avoided() -> None:
    lake = box(200, 200, 400, 400)
    poly = Polygon(box(0, 0, 600, 600).exterior, [lake.exterior.coords])
    area = area_from_local(poly)
    plan = plan_lawnmower(area, spacing_m=30, alt_m=60, angle_deg=0)
    assert plan.stats.area_m2 == pytest.approx(600 * 600 - 200 * 200, rel=1e-3)
    # legs never run over the lake (only transits may)
    xy = path_local(plan)
    assert not any(lake.buffer(-1).contains(Point(p)) for p in xy)
    avoided = plan_lawnmower(area, spacing_m=30, alt_m=60, angle_deg=0, avoid_holes=True)
    assert not path_line(avoided).intersects(lake.buffer(-0.05))
    assert avoided.stats.coverage_fraction >= 0.98


def test_overshoot_extends_legs_past_the_inset_but_stays_within_the_margin() -> None:
    outline = box(0, 0, 400, 400)
    area = area_from_local(outline)
    plain = plan_lawnmower(area, spacing_m=40, alt_m=50, angle_deg=0)
    over = plan_lawnmower(area, spacing_m=40, alt_m=50, angle_deg=0, overshoot_m=30)
    assert path_local(plain)[:, 1].max() == pytest.approx(400, abs=0.5)
    assert path_local(over)[:, 1].max() == pytest.approx(430, abs=0.5)
    assert path_local(over)[:, 1].min() == pytest.approx(-30, abs=0.5)
    assert outline.buffer(30.05, join_style="mitre").covers(path_line(over))


def test_lat_lon_round_trip_error_is_below_a_centimetre() -> None:
    proj = area_from_local(box(0, 0, 20000, 20000)).projection()
    rng = np.random.default_rng(1)
    for x, y in rng.uniform(-15000, 15000, size=(50, 2)):
        lat, lon = proj.to_latlon(x, y)
        x2, y2 = proj.to_local(lat, lon)
        assert math.hypot(x2 - x, y2 - y) < 0.01


def test_bad_settings_are_refused_with_a_reason() -> None:
    area = area_from_local(box(0, 0, 300, 300))
    with pytest.raises(InputError, match="spacing"):
        plan_lawnmower(area, spacing_m=0, alt_m=50)
    with pytest.raises(InputError, match="spacing"):
        plan_lawnmower(area, spacing_m=-5, alt_m=50)
    with pytest.raises(InputError, match="150 m is above the 120 m"):
        plan_lawnmower(area, spacing_m=20, alt_m=150)
    # the ceiling is configurable where the law allows more
    plan_lawnmower(area, spacing_m=20, alt_m=150, limits=Limits(max_alt_m=200))
    with pytest.raises(PlanningError, match="waypoints, more than the limit of 10"):
        plan_lawnmower(area, spacing_m=20, alt_m=50, limits=Limits(max_waypoints=10))
    with pytest.raises(PlanningError, match="larger than the 0.05 km"):
        plan_lawnmower(area, spacing_m=20, alt_m=50, limits=Limits(max_area_km2=0.05))


def test_self_intersecting_polygon_error_names_the_vertices() -> None:
    bowtie = Polygon([(0, 0), (300, 300), (300, 0), (0, 300)])
    area = area_from_local(bowtie)
    with pytest.raises(InputError, match=r"self-intersecting polygon: outline edge from vertex 1 to 2 "
                                         r"crosses the edge from vertex 3 to 4 near lat 54\.45"):
        plan_lawnmower(area, spacing_m=20, alt_m=50)


def test_exclusions_that_cover_everything_are_refused() -> None:
    outline = box(0, 0, 300, 300)
    with pytest.raises(InputError, match="nothing left to search"):
        plan_lawnmower(area_from_local(outline, (box(-10, -10, 310, 310),)), spacing_m=20, alt_m=50)


def test_climb_out_and_return_go_round_a_no_fly_zone_between_launch_and_area() -> None:
    wall = box(-250, -100, -150, 500)
    home_xy = (-400.0, 200.0)
    area = area_from_local(box(0, 0, 600, 400), (wall,))
    plan = plan_lawnmower(area, spacing_m=40, alt_m=50, angle_deg=90, home=ORIGIN.to_latlon(*home_xy))
    flown = LineString([home_xy, *path_local(plan), home_xy])  # takeoff, the waypoints, RTL straight home
    assert flown.intersection(wall).length < 0.05
    assert plan.stats.coverage_fraction >= 0.99


def test_auto_angle_keeps_legs_parallel_to_a_narrow_strip_and_is_fastest() -> None:
    area = area_from_local(box(0, 0, 104, 1000))  # 3.5 spacings wide: a slanted sweep looks cheaper on paper
    auto = plan_lawnmower(area, spacing_m=30, alt_m=50)
    assert auto.stats.extra["angle_deg"] % 180 == pytest.approx(0, abs=0.1) or \
        auto.stats.extra["angle_deg"] % 180 == pytest.approx(180, abs=0.1)
    for bearing in (5, 10, 175):
        assert auto.stats.duration_s <= plan_lawnmower(area, spacing_m=30, alt_m=50, angle_deg=bearing).stats.duration_s
