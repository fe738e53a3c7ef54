"""POD on the grid: effort from passes, the exponential model, GSD limit, sorties combined."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from flown_tracks import LAT0, LON0, fly_path, lawnmower_lines, rect_area
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box

from search_patterns.camera import Camera
from search_patterns.coverage import compute_coverage, compute_coverage_sorties
from search_patterns.errors import InputError
from search_patterns.pod import (
    SweepWidthTable,
    cumulative_pod,
    make_grid,
    pod_from_effort,
    rasterize_convex,
)
from search_patterns.pose import Pose

CAM = Camera()
ALT = 50.0
W = 30.0  # a constant effective sweep width keeps the expected numbers simple


def test_one_pass_gives_sweep_width_over_swath_width_of_effort() -> None:
    area = rect_area(400, 60)  # fully inside one 68.6 m swath
    res = compute_coverage(fly_path([(-260, 0), (260, 0)], alt=ALT), area, CAM,
                           sweep_widths=SweepWidthTable.constant(W))
    swath = CAM.footprint_m(ALT)[0]
    expected = 1 - math.exp(-W / swath)
    inside = res.grid.weight > 0.999
    assert np.median(res.pod[inside]) == pytest.approx(expected, rel=0.03)
    assert res.mean_pod == pytest.approx(expected, rel=0.03)


def test_lawnmower_mean_effort_is_sweep_width_over_spacing() -> None:
    spacing = 50.0
    area = rect_area(400, 300)
    poses = fly_path(lawnmower_lines(400, 300, spacing, overshoot=40), alt=ALT, rate_hz=4)
    res = compute_coverage(poses, area, CAM, sweep_widths=SweepWidthTable.constant(W))
    effort = -np.log1p(-res.pod)
    assert res.grid.mean(effort) == pytest.approx(W / spacing, rel=0.04)


def test_cumulative_pod_over_two_sorties_matches_the_formula() -> None:
    area = rect_area(300, 200)
    first = fly_path(lawnmower_lines(300, 200, 60.0, overshoot=30), alt=ALT)
    second = fly_path(lawnmower_lines(300, 200, 45.0, overshoot=30), alt=60.0, t0=10_000)
    one = compute_coverage(first, area, CAM)
    two = compute_coverage(second, area, CAM)
    both = compute_coverage_sorties([first, second], area, CAM)
    expected = 1 - (1 - one.pod) * (1 - two.pod)
    assert np.allclose(both.pod, expected, atol=1e-9)
    assert both.summary["sorties"] == 2
    assert both.mean_pod > max(one.mean_pod, two.mean_pod)
    assert both.summary["covered_fraction"] >= max(one.covered_fraction, two.covered_fraction)


def test_pass_too_high_to_see_a_person_adds_coverage_but_no_pod() -> None:
    area = rect_area(400, 100)
    high = fly_path([(-260, 0), (260, 0)], alt=110.0)
    gsd = CAM.gsd_m(110.0)
    res = compute_coverage(high, area, CAM, sweep_widths=SweepWidthTable(max_gsd_m=gsd * 0.9))
    assert res.covered_fraction > 0.9
    assert res.mean_pod == 0.0
    ok = compute_coverage(high, area, CAM, sweep_widths=SweepWidthTable(max_gsd_m=gsd * 1.1))
    assert ok.mean_pod > 0.2


def test_hovering_adds_no_effort_but_counts_as_seen() -> None:
    area = rect_area(200, 200)
    hover = [Pose(LAT0, LON0, ALT, time=t) for t in range(0, 120)]
    res = compute_coverage(hover, area, CAM)
    w, h = CAM.footprint_m(ALT)
    assert res.covered_fraction == pytest.approx(w * h / (200 * 200), rel=1e-3)
    assert res.mean_pod == 0.0


def test_effort_does_not_depend_on_the_telemetry_rate() -> None:
    area = rect_area(300, 200)
    path = lawnmower_lines(300, 200, 50.0, overshoot=30)
    slow = compute_coverage(fly_path(path, alt=ALT, rate_hz=1), area, CAM)
    fast = compute_coverage(fly_path(path, alt=ALT, rate_hz=20), area, CAM)
    assert slow.mean_pod == pytest.approx(fast.mean_pod, rel=0.02)
    assert slow.covered_fraction == pytest.approx(fast.covered_fraction, abs=0.01)


def test_terrain_class_changes_pod_through_the_sweep_width() -> None:
    area = rect_area(300, 200)
    poses = fly_path(lawnmower_lines(300, 200, 50.0, overshoot=30), alt=ALT)
    open_ = compute_coverage(poses, area, CAM, terrain="open")
    dense = compute_coverage(poses, area, CAM, terrain="dense")
    assert dense.mean_pod < open_.mean_pod / 3
    assert dense.covered_fraction == open_.covered_fraction
    with pytest.raises(InputError, match="terrain"):
        compute_coverage(poses, area, CAM, terrain="jungle")


def test_fraction_above_target_counts_area_not_cells() -> None:
    area = rect_area(300, 200)
    poses = fly_path(lawnmower_lines(300, 200, 20.0, overshoot=30), alt=ALT)
    res = compute_coverage(poses, area, CAM, target_pod=0.5)
    assert res.fraction_above_target == pytest.approx(res.grid.fraction_where(res.pod >= 0.5))
    assert 0.9 < res.fraction_above_target <= 1.0
    assert res.summary["fraction_above_target"] == pytest.approx(res.fraction_above_target, abs=1e-4)


def test_exponential_model_and_product_rule() -> None:
    assert float(pod_from_effort(0.0)) == 0.0
    assert float(pod_from_effort(math.log(2))) == pytest.approx(0.5)
    assert float(cumulative_pod([0.3, 0.6])) == pytest.approx(1 - 0.7 * 0.4)


@given(st.lists(st.floats(0, 1), max_size=6))
def test_cumulative_pod_never_drops_and_stays_a_probability(pods: list[float]) -> None:
    total = float(cumulative_pod(pods))
    assert 0.0 <= total <= 1.0
    assert total >= max(pods, default=0.0) - 1e-12


def test_sweep_width_table_rejects_nonsense_with_a_clear_message() -> None:
    with pytest.raises(InputError, match="increasing"):
        SweepWidthTable(bands={"open": ((50.0, 10.0), (30.0, 5.0))})
    with pytest.raises(InputError, match="sweep width"):
        SweepWidthTable.constant(0.0)
    with pytest.raises(InputError, match="cell"):
        make_grid(box(0, 0, 10, 10), 0.0)


@given(st.floats(0, 50), st.floats(0, 50), st.floats(5, 80), st.floats(5, 80), st.floats(0.7, 9))
def test_grid_weights_add_up_to_the_area(x: float, y: float, w: float, h: float, cell: float) -> None:
    poly = Polygon([(x, y), (x + w, y + h * 0.3), (x + w * 0.6, y + h), (x - w * 0.2, y + h * 0.5)])
    g = make_grid(poly, cell)
    assert g.weight.sum() * cell * cell == pytest.approx(poly.area, rel=1e-6)
    assert g.weight.min() >= 0 and g.weight.max() <= 1 + 1e-9


coord = st.floats(-60, 60).map(lambda v: round(v, 3))  # millimetres: footprints, not float edge cases
quads = st.lists(st.tuples(coord, coord), min_size=3, max_size=8)


@settings(max_examples=30)
@given(quads, st.floats(1, 7))
def test_rasterised_cells_are_exactly_those_with_centres_inside(pts: list[tuple[float, float]], cell: float) -> None:
    hull = shapely.convex_hull(shapely.multipoints(pts))
    if hull.geom_type != "Polygon" or hull.area < 1e-6:
        return
    grid = make_grid(box(-70, -70, 70, 70), cell)
    verts = np.asarray(hull.exterior.coords)[:-1]
    got = np.zeros(grid.weight.size, bool)
    for cells, _ in rasterize_convex(grid, [verts]):
        got[cells] = True
    cx, cy = grid.centres()
    xx, yy = np.meshgrid(cx, cy)
    inside = shapely.contains_xy(hull, xx, yy).ravel() & (grid.weight.ravel() > 0)
    boundary = shapely.distance(hull.exterior, shapely.points(xx.ravel(), yy.ravel())) < 1e-6
    assert np.array_equal(got[~boundary], inside[~boundary])


def test_terrain_regions_lower_pod_where_the_ground_is_wooded() -> None:
    from flown_tracks import area_from_local

    area = rect_area(300, 200)
    woods = area_from_local(box(0, -100, 150, 100)).polygon  # the east half is dense forest
    poses = fly_path(lawnmower_lines(300, 200, 50.0, overshoot=30), alt=ALT)
    res = compute_coverage(poses, area, CAM, terrain="open", terrain_regions=((woods, "dense"),))
    cx, _ = res.grid.centres()
    west = res.grid.weight.copy()
    west[:, cx > -10] = 0
    east = res.grid.weight.copy()
    east[:, cx < 10] = 0
    pod_w = (res.pod * west).sum() / west.sum()
    pod_e = (res.pod * east).sum() / east.sum()
    open_ = compute_coverage(poses, area, CAM, terrain="open")
    dense = compute_coverage(poses, area, CAM, terrain="dense")
    assert pod_w == pytest.approx(open_.mean_pod, rel=0.05)
    assert pod_e == pytest.approx(dense.mean_pod, rel=0.05)
    with pytest.raises(InputError, match="terrain"):
        compute_coverage(poses, area, CAM, terrain_regions=((woods, "swamp"),))
