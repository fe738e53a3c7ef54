"""Camera footprints on the ground, against cases worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import affinity
from shapely.geometry import Point

from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.footprint import footprint_local, footprints_local
from search_patterns.pose import Pose

# 6 × 4 mm sensor behind a 4 mm lens: tan(hfov/2) = 0.75, tan(vfov/2) = 0.5
CAM = Camera(sensor_width_mm=6.0, sensor_height_mm=4.0, focal_length_mm=4.0)
HALF_H = math.atan(0.75)
HALF_V = math.atan(0.5)


def test_nadir_footprint_is_the_rectangle_the_lens_sees() -> None:
    fp = footprint_local(Pose(0, 0, alt_agl_m=50.0), CAM)
    assert fp.bounds == pytest.approx((-37.5, -25.0, 37.5, 25.0))
    assert fp.area == pytest.approx(75 * 50)


def test_heading_east_turns_the_picture_width_north_south() -> None:
    fp = footprint_local(Pose(0, 0, alt_agl_m=50.0, yaw=90.0), CAM)
    assert fp.bounds == pytest.approx((-25.0, -37.5, 25.0, 37.5))


def test_camera_tilted_forward_gives_a_trapezoid_ahead() -> None:
    # 30° forward of straight down: near edge at h·tan(30° − vfov/2), far edge at h·tan(30° + vfov/2)
    h, tilt = 50.0, math.radians(30)
    fp = footprint_local(Pose(0, 0, alt_agl_m=h, gimbal_pitch=-60.0), CAM)
    near, far = h * math.tan(tilt - HALF_V), h * math.tan(tilt + HALF_V)
    # a far corner lies tan(hfov/2) × (its depth along the optical axis) to the side
    far_half_width = 0.75 * (h / math.cos(tilt + HALF_V)) * math.cos(HALF_V)
    near_half_width = 0.75 * (h / math.cos(tilt - HALF_V)) * math.cos(HALF_V)
    xs, ys = np.asarray(fp.exterior.coords)[:-1].T
    assert ys.min() == pytest.approx(near) and ys.max() == pytest.approx(far)
    assert sorted(xs[np.isclose(ys, far)]) == pytest.approx([-far_half_width, far_half_width])
    assert sorted(xs[np.isclose(ys, near)]) == pytest.approx([-near_half_width, near_half_width])


def test_roll_swings_a_fixed_camera_sideways_but_not_a_gimbal() -> None:
    h, roll = 50.0, math.radians(10)
    fixed = footprint_local(Pose(0, 0, alt_agl_m=h, roll=10.0), CAM, mount="fixed")
    # right wing down: the downward camera looks left (west)
    minx, miny, maxx, maxy = fixed.bounds
    assert minx == pytest.approx(-h * math.tan(roll + HALF_H))
    assert maxx == pytest.approx(h * math.tan(HALF_H - roll))
    # the far (west) edge is longer: ±tan(vfov/2) × depth of that edge along the optical axis
    assert maxy == pytest.approx(0.5 * h / math.cos(roll + HALF_H) * math.cos(HALF_H))
    stabilised = footprint_local(Pose(0, 0, alt_agl_m=h, roll=10.0), CAM, mount="gimbal")
    assert stabilised.bounds == pytest.approx((-37.5, -25.0, 37.5, 25.0))


def test_nose_down_pitch_moves_a_fixed_camera_view_backwards() -> None:
    fp = footprint_local(Pose(0, 0, alt_agl_m=50.0, pitch=-15.0), CAM, mount="fixed")
    c = fp.centroid
    assert c.y < -5 and abs(c.x) < 1e-6


def test_view_towards_the_horizon_is_capped_at_the_maximum_range() -> None:
    fp = footprint_local(Pose(0, 0, alt_agl_m=50.0, gimbal_pitch=-5.0), CAM, max_range_m=250.0)
    assert fp is not None and fp.area > 0
    dist = np.hypot(*np.asarray(fp.exterior.coords).T)
    assert dist.max() == pytest.approx(250.0, rel=1e-6)
    # near edge still where the bottom of the picture meets the ground
    assert fp.bounds[1] == pytest.approx(50.0 * math.tan(math.radians(85) - HALF_V), rel=1e-6)


def test_camera_looking_at_the_sky_or_sitting_on_the_ground_sees_nothing() -> None:
    assert footprint_local(Pose(0, 0, alt_agl_m=50.0, gimbal_pitch=40.0), CAM) is None
    assert footprint_local(Pose(0, 0, alt_agl_m=0.0), CAM) is None


def test_bad_mount_or_range_is_refused_with_a_clear_message() -> None:
    with pytest.raises(InputError, match="mount"):
        footprint_local(Pose(0, 0, 50.0), CAM, mount="sideways")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="range"):
        footprint_local(Pose(0, 0, 50.0), CAM, max_range_m=0)


poses = st.builds(
    Pose, lat=st.just(0.0), lon=st.just(0.0), alt_agl_m=st.floats(5, 150),
    roll=st.floats(-25, 25), pitch=st.floats(-25, 25), yaw=st.floats(0, 360),
    gimbal_pitch=st.floats(-90, -20), gimbal_yaw=st.floats(-180, 180),
)


@given(poses, st.sampled_from(["gimbal", "fixed"]))
def test_footprint_is_convex_valid_and_inside_the_range(pose: Pose, mount: str) -> None:
    fp = footprint_local(pose, CAM, mount=mount, max_range_m=400.0)  # type: ignore[arg-type]
    if fp is None:
        return
    assert fp.is_valid and fp.area > 0
    assert fp.convex_hull.area == pytest.approx(fp.area, rel=1e-6)
    assert np.hypot(*np.asarray(fp.exterior.coords).T).max() <= 400.0 * (1 + 1e-9)


@given(poses)
def test_footprint_turns_with_heading_and_grows_with_height(pose: Pose) -> None:
    big = 1e6  # no range cap in this property
    base = footprint_local(pose, CAM, max_range_m=big)
    if base is None:
        return
    turned = footprint_local(Pose(0, 0, pose.alt_agl_m, yaw=pose.yaw + 30, gimbal_pitch=pose.gimbal_pitch,
                                  gimbal_yaw=pose.gimbal_yaw), CAM, max_range_m=big)
    expected = affinity.rotate(base, -30, origin=(0, 0))  # clockwise from north = negative maths angle
    assert turned.symmetric_difference(expected).area <= 1e-6 * base.area
    higher = footprint_local(Pose(0, 0, pose.alt_agl_m * 2, yaw=pose.yaw, gimbal_pitch=pose.gimbal_pitch,
                                  gimbal_yaw=pose.gimbal_yaw), CAM, max_range_m=big)
    assert higher.area == pytest.approx(4 * base.area, rel=1e-6)


@given(poses)
def test_the_point_the_camera_aims_at_is_inside_its_footprint(pose: Pose) -> None:
    fp = footprint_local(pose, CAM, mount="fixed", max_range_m=1e6)
    if fp is None:
        return
    # optical axis ground point from the same rotation, computed in one place
    from search_patterns.footprint import camera_rotations
    r = camera_rotations(*(np.array([v]) for v in (pose.roll, pose.pitch, pose.yaw, pose.gimbal_pitch,
                                                  pose.gimbal_yaw)), "fixed")[0]
    axis = r[:, 0]
    if axis[2] <= 0.05:
        return
    aim = Point(axis[1] / axis[2] * pose.alt_agl_m, axis[0] / axis[2] * pose.alt_agl_m)
    assert fp.buffer(1e-6 * math.sqrt(fp.area)).contains(aim)


def test_batch_footprints_match_one_by_one() -> None:
    rng = np.random.default_rng(3)
    n = 50
    cols = [rng.uniform(-100, 100, n), rng.uniform(-100, 100, n), rng.uniform(10, 120, n),
            rng.uniform(-20, 20, n), rng.uniform(-20, 20, n), rng.uniform(0, 360, n),
            rng.uniform(-90, -10, n), rng.uniform(-30, 30, n)]
    batch = footprints_local(*cols, CAM, mount="fixed")
    for i in range(n):
        one = footprint_local(Pose(0, 0, cols[2][i], cols[3][i], cols[4][i], cols[5][i], cols[6][i], cols[7][i]),
                              CAM, x=cols[0][i], y=cols[1][i], mount="fixed")
        if one is None:
            assert batch[i] is None
        else:
            assert np.allclose(np.asarray(one.exterior.coords)[:-1], batch[i])


@given(poses, st.sampled_from([True, False]))
def test_footprint_corners_are_the_image_corners_of_the_simulated_camera(pose: Pose, stabilised: bool) -> None:
    # sitl.camera.projection is written independently; it must see our corners at its image corners
    from sitl.camera.projection import Projector

    cam = Camera(sensor_width_mm=6.0, sensor_height_mm=4.0, focal_length_mm=4.0, image_width_px=600,
                 image_height_px=400)
    fp = footprints_local(0.0, 0.0, pose.alt_agl_m, pose.roll, pose.pitch, pose.yaw, pose.gimbal_pitch,
                          pose.gimbal_yaw, cam, mount="gimbal" if stabilised else "fixed", max_range_m=1e7)[0]
    from search_patterns.footprint import camera_rotations

    r = camera_rotations(*(np.array([v]) for v in (pose.roll, pose.pitch, pose.yaw, pose.gimbal_pitch,
                                                  pose.gimbal_yaw)), "gimbal" if stabilised else "fixed")[0]
    rays = r @ np.array([[1, u, v] for u in (-0.75, 0.75) for v in (-0.5, 0.5)]).T
    if fp is None or rays[2].min() < 0.05:  # the view reaches the horizon: not a four-corner case
        return
    proj = Projector(cam, pose, (0.0, 0.0), stabilized=stabilised)
    ned = np.c_[fp[:, 1], fp[:, 0], np.zeros(4)]  # (east, north) → (north, east, down=0)
    px, depth = proj.project(ned)
    assert np.all(depth > 0)
    corners = {(0, 0), (600, 0), (600, 400), (0, 400)}
    for u, v in px:
        assert min(math.hypot(u - a, v - b) for a, b in corners) < 1e-6 * 600
