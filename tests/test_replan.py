"""Re-planning what is left: legs over gaps, short transit, no-fly zones, POD below target."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import shapely
from flown_tracks import PROJ, area_from_local, fly_path, lawnmower_lines, rect_area
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon, box

from search_patterns.area import SearchArea
from search_patterns.camera import Camera
from search_patterns.coverage import compute_coverage
from search_patterns.errors import PlanningError
from search_patterns.replan import Leg, gap_legs, order_legs, plan_gaps, under_target_regions


def _route_length(route: list[Leg], start: tuple[float, float]) -> float:
    pos, total = start, 0.0
    for leg in route:
        total += math.dist(pos, leg.start)
        pos = leg.end
    return total


@given(st.floats(20, 300), st.floats(5, 200), st.floats(0, 179), st.floats(15, 80), st.floats(0, 1))
def test_legs_sweep_every_part_of_a_gap(length: float, width: float, angle: float, spacing: float,
                                        skew: float) -> None:
    gap = shapely.affinity.rotate(Polygon([(0, 0), (length, 0), (length * (0.6 + 0.4 * skew), width),
                                           (length * 0.2 * skew, width)]), angle, origin=(0, 0))
    legs = gap_legs([gap], spacing_m=spacing, bearing_deg=(90 - angle) % 180)
    swath = shapely.union_all([LineString([leg.start, leg.end]).buffer(spacing / 2, cap_style="square")
                               if leg.length > 0 else shapely.Point(leg.start).buffer(spacing / 2, cap_style="square")
                               for leg in legs])
    assert gap.difference(swath).area <= 1e-6 * gap.area
    assert len(legs) <= math.ceil(width / spacing) + 1


def test_a_strip_narrower_than_the_spacing_gets_one_leg_down_its_middle() -> None:
    legs = gap_legs([box(-200, 10, 200, 45)], spacing_m=50, bearing_deg=90)
    assert len(legs) == 1
    (x0, y0), (x1, y1) = legs[0].start, legs[0].end
    assert (y0, y1) == pytest.approx((27.5, 27.5)) and sorted((x0, x1)) == pytest.approx([-200, 200])


def test_collinear_pieces_of_one_strip_join_into_one_leg() -> None:
    # a strip interrupted by a small seen patch: one leg across, not two legs and a turn
    pieces = [box(-200, 0, -10, 30), box(10, 0, 200, 30)]
    assert len(gap_legs(pieces, spacing_m=50, bearing_deg=90)) == 1
    far = [box(-200, 0, -100, 30), box(100, 0, 200, 30)]
    assert len(gap_legs(far, spacing_m=50, bearing_deg=90)) == 2


def test_ordering_beats_the_order_the_gaps_came_in() -> None:
    rng = random.Random(4)
    legs = []
    for _ in range(14):
        x, y = rng.uniform(-800, 800), rng.uniform(-800, 800)
        legs.append(Leg((x, y), (x + 150, y)))
    start = (-900.0, -900.0)
    ordered = order_legs(legs, start)
    assert {frozenset((lg.start, lg.end)) for lg in ordered} == {frozenset((lg.start, lg.end)) for lg in legs}
    naive = _route_length(legs, start)
    assert _route_length(ordered, start) < 0.7 * naive
    # and no single 2-opt move improves it further
    best = _route_length(ordered, start)
    for i in range(len(ordered) - 1):
        for j in range(i + 1, len(ordered)):
            trial = ordered[:i] + [lg.reversed() for lg in reversed(ordered[i:j + 1])] + ordered[j + 1:]
            assert _route_length(trial, start) >= best - 1e-6


def test_gap_plan_routes_around_an_exclusion_zone() -> None:
    outer = box(-300, -200, 300, 200)
    no_fly = box(-40, -150, 40, 150)
    base = area_from_local(outer)
    excl = Polygon([PROJ.to_latlon(x, y)[::-1] for x, y in no_fly.exterior.coords])
    area = SearchArea(base.polygon, (excl,), name="with no-fly")
    gaps = [Polygon([PROJ.to_latlon(x, y)[::-1] for x, y in box(-280, -20, -60, 20).exterior.coords]),
            Polygon([PROJ.to_latlon(x, y)[::-1] for x, y in box(60, -20, 280, 20).exterior.coords])]
    plan = plan_gaps(area, gaps, spacing_m=50, alt_m=40, home=PROJ.to_latlon(-300, 0))
    ap = area.projection()
    path = LineString([ap.to_local(w.lat, w.lon) for w in plan.waypoints])
    assert not path.intersects(ap.geometry_to_local(excl).buffer(-0.5))
    assert plan.stats.extra["legs"] == 2


def test_nothing_to_replan_is_a_clear_error() -> None:
    with pytest.raises(PlanningError, match="nothing to re-plan"):
        plan_gaps(rect_area(100, 100), [], spacing_m=40, alt_m=40)


def test_parts_under_the_target_pod_become_regions_to_refly() -> None:
    cam = Camera()
    area = rect_area(400, 300)
    # dense legs over the south half only: the north half stays below target
    pts = [(x, y - 75) for x, y in lawnmower_lines(400, 150, 20.0, overshoot=40)]
    res = compute_coverage(fly_path(pts, alt=50.0), area, cam, target_pod=0.7)
    regions = under_target_regions(res.grid, res.pod, 0.7, min_size_m=10.0)
    assert regions
    total = sum(r.area for r in regions)
    assert total == pytest.approx(res.grid.fraction_where(res.pod < 0.7) * 400 * 300, rel=0.1)
    north = shapely.union_all(regions)
    assert north.centroid.y > 30
    plan = plan_gaps(area, [res.projection.geometry_to_lonlat(r) for r in regions], spacing_m=40, alt_m=50)
    assert plan.stats.extra["legs"] >= 2
    assert np.isfinite(plan.stats.length_m)


def test_a_gap_around_a_no_fly_zone_is_flown_on_both_sides_without_entering_it() -> None:
    base = area_from_local(box(-300, -200, 300, 200))
    no_fly = box(-30, -40, 30, 40)
    excl = Polygon([PROJ.to_latlon(x, y)[::-1] for x, y in no_fly.exterior.coords])
    area = SearchArea(base.polygon, (excl,), name="strip through a no-fly zone")
    strip = box(-280, -20, 280, 20).difference(no_fly)  # what coverage reports: searchable, uncovered
    gaps = [Polygon([PROJ.to_latlon(x, y)[::-1] for x, y in g.exterior.coords]) for g in shapely.get_parts(strip)]
    assert len(gaps) == 2
    plan = plan_gaps(area, gaps, spacing_m=50, alt_m=40, home=PROJ.to_latlon(-300, 0))
    ap = area.projection()
    path = LineString([ap.to_local(w.lat, w.lon) for w in plan.waypoints])
    assert not path.intersects(ap.geometry_to_local(excl).buffer(-0.5))
    assert plan.stats.extra["legs"] == 2  # the joined leg was cut at the zone
    swath = path.buffer(25, cap_style="flat")
    for g in gaps:
        local = ap.geometry_to_local(g)
        assert local.difference(swath).area < 0.02 * local.area
