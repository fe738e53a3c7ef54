"""Expanding square, sector search and spacing: the IAMSAR rules a searcher would check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planner_helpers import ORIGIN, area_from_local, path_line, path_local
from shapely.geometry import Point, box

from search_patterns.area import Datum
from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.expanding_square import plan_expanding_square
from search_patterns.geo import LocalProjection
from search_patterns.sector import plan_sector
from search_patterns.spacing import (
    coverage_factor_for_pod,
    pod_from_spacing,
    spacing_for_target,
    spacing_from_camera,
    spacing_from_pod,
)

DATUM = Datum(54.45, -3.05, name="LKP")


def _legs(plan) -> tuple[np.ndarray, np.ndarray]:
    """Leg lengths (m) and compass bearings of a plan, measured on the ground."""
    proj = LocalProjection(DATUM.lat, DATUM.lon)
    xy = path_local(plan, proj)
    d = np.diff(xy, axis=0)
    return np.hypot(d[:, 0], d[:, 1]), np.degrees(np.arctan2(d[:, 0], d[:, 1])) % 360


@settings(max_examples=30, deadline=None)
@given(st.floats(10, 200), st.floats(0, 359.9), st.integers(1, 30), st.sampled_from(["right", "left"]))
def test_expanding_square_legs_follow_the_iamsar_rule(spacing: float, first: float, legs: int, turn: str) -> None:
    plan = plan_expanding_square(DATUM, spacing_m=spacing, alt_m=40, first_bearing_deg=first, legs=legs, turn=turn)
    lengths, bearings = _legs(plan)
    assert len(lengths) == legs
    expected = [math.ceil(k / 2) * spacing for k in range(1, legs + 1)]
    assert lengths == pytest.approx(expected, rel=1e-6, abs=1e-3)
    turns = (np.diff(bearings) + 180) % 360 - 180
    assert turns == pytest.approx([90 if turn == "right" else -90] * (legs - 1), abs=1e-3)
    assert bearings[0] == pytest.approx(first % 360, abs=1e-3) or abs(bearings[0] - first % 360) > 359.99
    first_wp = plan.waypoints[0]
    assert (first_wp.lat, first_wp.lon) == pytest.approx((DATUM.lat, DATUM.lon), abs=1e-9)


def test_expanding_square_stops_once_the_radius_is_swept() -> None:
    plan = plan_expanding_square(DATUM, spacing_m=50, alt_m=40, radius_m=300)
    proj = LocalProjection(DATUM.lat, DATUM.lon)
    swath = path_line(plan, proj).buffer(25, cap_style="square", join_style="mitre")
    assert swath.buffer(0.01).covers(Point(0, 0).buffer(300))
    fewer = plan_expanding_square(DATUM, spacing_m=50, alt_m=40, legs=len(plan.waypoints) - 3)
    assert not path_line(fewer, proj).buffer(25, cap_style="square", join_style="mitre").covers(Point(0, 0).buffer(300))
    assert plan.stats.coverage_fraction > 0.98


def test_expanding_square_clipped_to_an_area_avoids_its_no_fly_zone() -> None:
    nofly = box(60, -200, 140, 200)
    area = area_from_local(box(-300, -300, 300, 300), (nofly,))
    datum = Datum(*ORIGIN.to_latlon(0, 0))
    plan = plan_expanding_square(datum, spacing_m=40, alt_m=40, area=area)
    line = path_line(plan)
    assert line.intersection(nofly).length < 0.05
    assert box(-300, -300, 300, 300).buffer(0.05).covers(line)
    assert plan.stats.coverage_fraction > 0.95


def test_datum_outside_the_area_is_refused() -> None:
    area = area_from_local(box(100, 100, 400, 400))
    with pytest.raises(InputError, match=r"LKP: datum \(54\.45.*is outside the area"):
        plan_expanding_square(DATUM, spacing_m=40, alt_m=40, area=area)


def test_expanding_square_needs_a_way_to_stop() -> None:
    with pytest.raises(InputError, match="give a number of legs, a radius or an area"):
        plan_expanding_square(DATUM, spacing_m=40, alt_m=40)


@pytest.mark.parametrize("second", [False, True])
def test_sector_search_legs_are_r_long_turn_120_and_cross_the_datum(second: bool) -> None:
    plan = plan_sector(DATUM, radius_m=250, alt_m=40, first_bearing_deg=30, second_pattern=second)
    lengths, bearings = _legs(plan)
    assert lengths == pytest.approx([250] * (18 if second else 9), abs=0.01)
    turns = (np.diff(bearings) + 180) % 360 - 180
    # 120° turns inside each triangle, straight on over the datum into the next one
    assert list(turns[:8]) == pytest.approx([120, 120, 0, 120, 120, 0, 120, 120], abs=1e-3)
    proj = LocalProjection(DATUM.lat, DATUM.lon)
    xy = path_local(plan, proj)
    at_datum = np.hypot(xy[:, 0], xy[:, 1]) < 0.01
    assert int(at_datum.sum()) == (7 if second else 4)  # start, and the end of every triangle
    outward = sorted({round(b) % 360 for b, k in zip(bearings, range(len(bearings)), strict=True) if k % 3 == 0})
    expected = [30, 150, 270] + ([60, 180, 300] if second else [])
    assert outward == sorted(expected)


def test_camera_spacing_and_pod() -> None:
    cam = Camera(sensor_width_mm=6.17, sensor_height_mm=4.55, focal_length_mm=4.5, image_width_px=4000,
                 image_height_px=3000)
    info = spacing_from_camera(cam, alt_m=50, side_overlap=0.2)
    assert info.footprint_m[0] == pytest.approx(50 * 6.17 / 4.5)
    assert info.spacing_m == pytest.approx(0.8 * 50 * 6.17 / 4.5)
    assert info.gsd_m == pytest.approx(50 * 6.17 / 4.5 / 4000)
    assert info.coverage_factor == pytest.approx(1.25)
    assert info.pod == pytest.approx(1 - math.exp(-1.25))


@given(st.floats(1, 500), st.floats(0.01, 0.99))
def test_spacing_for_a_target_pod_gives_that_pod_back(sweep: float, pod: float) -> None:
    s = spacing_from_pod(sweep_width_m=sweep, target_pod=pod)
    assert pod_from_spacing(sweep_width_m=sweep, spacing_m=s) == pytest.approx(pod, rel=1e-9)
    assert sweep / s == pytest.approx(coverage_factor_for_pod(pod))
    assert spacing_for_target(sweep_width_m=sweep, target_pod=pod).spacing_m == pytest.approx(s)


def test_bad_spacing_inputs_are_refused() -> None:
    with pytest.raises(InputError, match="target POD must be between 0 and 1"):
        spacing_from_pod(sweep_width_m=30, target_pod=1.0)
    with pytest.raises(InputError, match="side overlap"):
        spacing_from_camera(Camera(), alt_m=50, side_overlap=1.2)
