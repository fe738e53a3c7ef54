"""The simulated camera: what a drone camera would see of a seeded scene, with the truth."""

from __future__ import annotations

import numpy as np
import pytest

from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.geo import offset_latlon
from search_patterns.pose import Pose
from sitl.scene import Distractor, Scene, Subject
from sitl.sim_camera import SimCamera, lawnmower_poses, read_stamp, stamp_frame

HOME = (46.5, 8.0)
SMALL = Camera.from_fov(69.0, 960, 540)
TINY = Camera.from_fov(69.0, 320, 180)


def _scene(seed: int = 1, **kw) -> Scene:
    subjects = [Subject(*offset_latlon(*HOME, 0, -6), posture="lying", clothing=(210, 30, 35), heading_deg=90),
                Subject(*offset_latlon(*HOME, 5, 6), posture="standing", clothing=(85, 95, 60))]
    return Scene(center=HOME, seed=seed, subjects=subjects,
                 distractors=[Distractor(*offset_latlon(*HOME, -6, 2), kind="bright")], **kw)


def test_the_same_seed_renders_the_same_picture_and_another_seed_does_not() -> None:
    pose = Pose(*HOME, 40.0, yaw=30.0)
    a, _ = SimCamera(_scene(1), TINY, noise_sigma=0).render(pose)
    b, _ = SimCamera(_scene(1), TINY, noise_sigma=0).render(pose)
    c, _ = SimCamera(_scene(2), TINY, noise_sigma=0).render(pose)
    assert np.array_equal(a, b)
    assert np.abs(a.astype(int) - c.astype(int)).mean() > 5


def test_truth_lists_the_people_in_view_with_boxes_true_to_scale() -> None:
    cam = Camera.from_fov(69.0, 1920, 1080)
    sim = SimCamera(_scene(), cam)
    img, truth = sim.render(Pose(*HOME, 50.0))
    assert {t.id for t in truth} == {"S1", "S2"}
    lying = next(t for t in truth if t.posture == "lying")
    x, y, w, h = lying.box
    # a 1.75 m person lying east-west at 50 m: about 1.75 / GSD pixels long, across the image
    expected = 1.75 / cam.gsd_m(50.0)
    assert 0.8 * expected < w < 1.25 * expected and h < w / 2
    # the red jacket is really there, inside the box
    patch = img[y:y + h, x:x + w].reshape(-1, 3).astype(int)
    assert ((patch[:, 2] > 140) & (patch[:, 1] < 80)).sum() > 20


def test_a_person_outside_the_frame_is_not_in_the_truth() -> None:
    sim = SimCamera(_scene(), SMALL)
    _, truth = sim.render(Pose(*offset_latlon(*HOME, 200, 0), 40.0))
    assert truth == []


def test_a_tilted_camera_sees_sky_above_the_horizon() -> None:
    img, _ = SimCamera(_scene(), TINY, noise_sigma=0, blur_sigma=0).render(Pose(*HOME, 40.0, gimbal_pitch=-5.0))
    top, bottom = img[:20].reshape(-1, 3).mean(0), img[-20:].reshape(-1, 3).mean(0)
    assert top[0] > 200 and top[0] > bottom[0] + 60  # pale sky over darker ground


def test_higher_flight_makes_people_smaller() -> None:
    sim = SimCamera(_scene(), SMALL)
    _, low = sim.render(Pose(*HOME, 30.0))
    _, high = sim.render(Pose(*HOME, 90.0))
    size = {t.id: max(t.box[2:]) for t in low}
    assert all(max(t.box[2:]) < size[t.id] / 2 for t in high)


def test_bad_scene_input_is_named() -> None:
    with pytest.raises(InputError, match="posture"):
        Subject(46.5, 8.0, posture="floating")
    with pytest.raises(InputError, match="distractor kind"):
        Distractor(46.5, 8.0, kind="car")


def test_random_scene_places_people_apart_and_is_repeatable() -> None:
    a = Scene.random(HOME, seed=3, n_subjects=8, n_distractors=8, radius_m=60)
    b = Scene.random(HOME, seed=3, n_subjects=8, n_distractors=8, radius_m=60)
    assert [(s.lat, s.lon, s.posture) for s in a.subjects] == [(s.lat, s.lon, s.posture) for s in b.subjects]
    assert {s.posture for s in a.subjects} == {"standing", "sitting", "lying"}
    assert any(s.bright for s in a.subjects) and any(not s.bright for s in a.subjects)


def test_frame_number_stamp_reads_back() -> None:
    img = np.full((100, 640, 3), 90, np.uint8)
    stamp_frame(img, 123456)
    assert read_stamp(img) == 123456
    img[0:16, 0:64] = 128 - img[0:16, 0:64]  # damaged: the check byte rejects it
    assert read_stamp(img) != 123456


def test_lawnmower_flight_poses_are_spaced_by_the_frame_rate_and_overlap() -> None:
    poses = list(lawnmower_poses(HOME, 60, 100, 30, alt_m=50, speed_ms=8, frame_rate=2))
    assert poses[1].time - poses[0].time == pytest.approx(0.5)
    from search_patterns.geo import haversine_m
    step = haversine_m(poses[0].lat, poses[0].lon, poses[1].lat, poses[1].lon)
    assert step == pytest.approx(4.0, abs=0.01)
    # at 8 m/s and 2 processed frames/s each ground spot is in several frames (no gaps)
    assert step < Camera().footprint_m(50)[1] / 4
