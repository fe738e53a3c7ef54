"""Placing what the camera saw on the map: pixel → ray → attitude → ground → lat/lon."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from detection.geolocate import footprint_latlon, locate
from search_patterns.camera import Camera
from search_patterns.geo import haversine_m, offset_latlon
from search_patterns.pose import Pose
from sitl.camera.projection import Projector
from sitl.scene import Scene, Subject
from sitl.sim_camera import SimCamera

CAM = Camera.from_fov(69.0, 1920, 1080)
HOME = (46.5, 8.0)


def test_image_centre_looking_straight_down_is_the_spot_below_the_drone() -> None:
    fix = locate(CAM, Pose(*HOME, 50.0, yaw=123.0), 960, 540)
    assert fix is not None
    assert haversine_m(fix.lat, fix.lon, *HOME) < 0.01
    assert abs(fix.range_m - 50.0) < 1e-6


def test_top_of_the_picture_is_ahead_of_the_drone() -> None:
    # flying east (yaw 90), the top edge of a nadir image is east of the drone
    fix = locate(CAM, Pose(*HOME, 50.0, yaw=90.0), 960, 0)
    half_height = 50.0 * (CAM.sensor_height_mm / 2) / CAM.focal_length_mm
    north, east = _ne(fix.lat, fix.lon)
    assert abs(east - half_height) < 0.05 and abs(north) < 0.05


def _ne(lat: float, lon: float) -> tuple[float, float]:
    n = haversine_m(HOME[0], HOME[1], lat, HOME[1]) * (1 if lat >= HOME[0] else -1)
    e = haversine_m(HOME[0], HOME[1], HOME[0], lon) * (1 if lon >= HOME[1] else -1)
    return n, e


@given(yaw=st.floats(0, 360), roll=st.floats(-20, 20), pitch=st.floats(-20, 20),
       gimbal_pitch=st.floats(-90, -35), gimbal_yaw=st.floats(-60, 60), alt=st.floats(15, 150),
       north=st.floats(-60, 60), east=st.floats(-60, 60), stabilized=st.booleans())
def test_geolocation_inverts_the_simulated_cameras_projection(yaw: float, roll: float, pitch: float,
                                                            gimbal_pitch: float, gimbal_yaw: float, alt: float,
                                                            north: float, east: float, stabilized: bool) -> None:
    """The simulator's projection (sitl) and the geolocation (detection) are written apart; a
    ground point projected by one must come back to the same place through the other."""
    pose = Pose(*HOME, alt, roll, pitch, yaw, gimbal_pitch, gimbal_yaw)
    proj = Projector(CAM, pose, (0.0, 0.0), stabilized)
    uv, depth = proj.project(np.array([[north, east, 0.0]]))
    u, v = uv[0]
    if depth[0] <= 1 or not (0 <= u <= 1920 and 0 <= v <= 1080):
        return
    fix = locate(CAM, pose, float(u), float(v), stabilized=stabilized)
    assert fix is not None
    lat, lon = offset_latlon(*HOME, north, east)
    assert haversine_m(fix.lat, fix.lon, lat, lon) < 0.05 + 1e-4 * fix.range_m


def test_error_estimate_grows_towards_the_horizon() -> None:
    pose = Pose(*HOME, 50.0, gimbal_pitch=-30.0)
    near = locate(CAM, pose, 960, 1000)
    far = locate(CAM, pose, 960, 100)
    assert near is not None and far is not None
    assert far.error_m > 3 * near.error_m
    assert far.range_m > near.range_m


def test_a_pixel_above_the_horizon_has_no_ground_position() -> None:
    assert locate(CAM, Pose(*HOME, 50.0, gimbal_pitch=-5.0), 960, 0) is None
    assert footprint_latlon(CAM, Pose(*HOME, 50.0, gimbal_pitch=-5.0)) is None


def test_rising_terrain_shortens_the_ray() -> None:
    pose = Pose(*HOME, 50.0, gimbal_pitch=-45.0)
    flat = locate(CAM, pose, 960, 540)
    hill = locate(CAM, pose, 960, 540, terrain=lambda lat, lon: 20.0)
    assert flat is not None and hill is not None
    assert abs(hill.range_m - flat.range_m * 30 / 50) < 0.2


def test_vehicle_roll_moves_the_fix_only_with_a_fixed_camera_mount() -> None:
    level = locate(CAM, Pose(*HOME, 50.0), 960, 540, stabilized=False)
    rolled = locate(CAM, Pose(*HOME, 50.0, roll=10.0), 960, 540, stabilized=False)
    held = locate(CAM, Pose(*HOME, 50.0, roll=10.0), 960, 540, stabilized=True)
    assert level and rolled and held
    assert abs(haversine_m(level.lat, level.lon, rolled.lat, rolled.lon) - 50 * math.tan(math.radians(10))) < 0.05
    assert haversine_m(level.lat, level.lon, held.lat, held.lon) < 0.01


def test_people_in_simulated_frames_geolocate_within_3_m_at_50_m_in_level_flight() -> None:
    subjects = []
    for i, posture in enumerate(["standing", "sitting", "lying"] * 3):
        lat, lon = offset_latlon(*HOME, -9 + 9 * (i % 3), -15 + 15 * (i // 3))
        subjects.append(Subject(lat, lon, posture=posture, heading_deg=40.0 * i))
    sim = SimCamera(Scene(center=HOME, seed=4, subjects=subjects), CAM)
    errors = []
    for yaw, dn, de in [(0, 0, 0), (90, 5, -8), (200, -6, 9), (315, 3, 3)]:
        pose = Pose(*offset_latlon(*HOME, dn, de), 50.0, yaw=yaw)
        _, truth = sim.render(pose)
        assert len(truth) >= 6
        for t in truth:
            x, y, w, h = t.box
            fix = locate(CAM, pose, x + w / 2, y + h / 2)
            errors.append(haversine_m(fix.lat, fix.lon, t.lat, t.lon))
    errors = np.array(errors)
    assert errors.max() < 3.0, f"errors (m): {np.round(np.sort(errors), 2)}"
    assert np.median(errors) < 1.5
