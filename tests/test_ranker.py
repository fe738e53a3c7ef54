"""The person ranker: drab clothing found, look-alike objects left unflagged, training, bad models and labels."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detection.detectors import make_detector
from detection.detectors.features import FEATURE_NAMES
from detection.detectors.ranker import PersonRanker
from detection.detectors.weights import MissingWeightsError
from detection.types import Box
from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.geo import offset_latlon
from search_patterns.pose import Pose
from sitl.scene import Distractor, Scene, Subject
from sitl.sim_camera import SimCamera
from ui.cli.train_ranker import labelled_rows, yolo_labels

HOME = (46.5, 8.0)
CAM = Camera()  # 1920×1080, the benchmark's camera
ALT = 50.0

# drab clothing in the colours a colour-anomaly threshold cannot tell from the ground, next to
# objects of the same colours: a grey rock, a brown log, a green bush (seed 77: not a training seed)
PEOPLE = [
    Subject(*offset_latlon(*HOME, 6, -12), posture="standing", clothing=(110, 110, 108), heading_deg=30),
    Subject(*offset_latlon(*HOME, -8, 4), posture="sitting", clothing=(40, 45, 70), heading_deg=200),
    Subject(*offset_latlon(*HOME, 9, 14), posture="lying", clothing=(85, 95, 60), heading_deg=100),
]
LOOKALIKES = [
    Distractor(*offset_latlon(*HOME, -6, -14), kind="rock", size_m=1.0, color=(112, 110, 106)),
    Distractor(*offset_latlon(*HOME, 0, 20), kind="log", size_m=1.6, heading_deg=40),
    Distractor(*offset_latlon(*HOME, -12, 16), kind="bush", size_m=1.2),
    Distractor(*offset_latlon(*HOME, 12, 0), kind="rock", size_m=0.7),
]


@pytest.fixture(scope="module")
def drab_frames() -> list[tuple[np.ndarray, list]]:
    scene = Scene(center=HOME, seed=77, subjects=PEOPLE, distractors=LOOKALIKES)
    sim = SimCamera(scene, CAM, seed=3)
    return [sim.render(Pose(*offset_latlon(*HOME, dn, 0), ALT, yaw=0.0, time=i)) for i, dn in enumerate((-4, 0, 4))]


def _on(box: tuple[int, int, int, int], b: Box, margin: float = 10) -> bool:
    x, y, w, h = box
    cx, cy = b.center
    return x - margin <= cx <= x + w + margin and y - margin <= cy <= y + h + margin


def test_ranked_detector_flags_drably_dressed_people_and_not_rocks_logs_or_bushes(drab_frames) -> None:
    det = make_detector("ranked")
    rx = make_detector("rx")
    found, false_flags, rx_found = set(), 0, set()
    for img, truth in drab_frames:
        assert len(truth) == 3
        flags = [b for b in det.detect(img, CAM.gsd_m(ALT)) if b.score >= 0.5]
        for b in flags:
            hit = [t.id for t in truth if _on(t.box, b)]
            found.update(hit)
            false_flags += not hit
        rx_found.update(t.id for t in truth for b in rx.detect(img, CAM.gsd_m(ALT)) if b.score >= 0.5 and _on(t.box, b))
    # every drab person is flagged in at least one of three frames; colour alone flags at most one
    assert found == {"S1", "S2", "S3"}, found
    assert len(rx_found) <= 1
    assert false_flags <= 1


def test_shipped_ranker_loads_and_scores_in_0_1() -> None:
    r = PersonRanker.load()
    assert r.forest.getVarCount() == len(FEATURE_NAMES)
    p = r.probability(np.zeros((3, len(FEATURE_NAMES)), np.float32))
    assert p.shape == (3,) and ((p >= 0) & (p <= 1)).all()
    assert r.probability(np.zeros((0, len(FEATURE_NAMES)))).shape == (0,)
    assert {n for n, _ in r.importance()} == set(FEATURE_NAMES)


def test_a_broken_or_missing_model_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "ranker.yml.gz"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="ranker.yml.gz"):
        PersonRanker.load(bad)
    with pytest.raises(MissingWeightsError, match="nothing.yml.gz"):
        PersonRanker.load(tmp_path / "nothing.yml.gz")
    with pytest.raises(ValueError, match="measurements"):
        PersonRanker.train(np.zeros((4, 3)), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="both people and non-people"):
        PersonRanker.train(np.zeros((4, len(FEATURE_NAMES))), np.zeros(4))


def test_train_ranker_cli_trains_on_simulated_flights_and_detect_uses_the_model(tmp_path: Path, drab_frames) -> None:
    out = tmp_path / "team_ranker.yml.gz"
    cmd = [sys.executable, "-m", "ui.cli", "train-ranker", "--simulated", "2", "--every", "12", "--trees", "40",
           "--person-weight", "3", "--cache", str(tmp_path / "cache"), "--out", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr
    assert "training on" in run.stdout and "people" in run.stdout and "leans most on" in run.stdout
    assert len(list((tmp_path / "cache").glob("flight-*.npz"))) == 2
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=240)  # measurements come from the cache
    assert again.returncode == 0 and "reusing the measurements of 2 simulated flights" in again.stdout
    assert out.is_file() and not list(tmp_path.glob(".*tmp*"))  # written atomically, no leftovers
    model = PersonRanker.load(out)
    assert model.forest.getVarCount() == len(FEATURE_NAMES)
    # the team's model is used through --ranker, on a still image with a fixed pose
    img, _ = drab_frames[1]
    frames = tmp_path / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "f1.png"), img)
    det = subprocess.run([sys.executable, "-m", "ui.cli", "detect", str(frames), "--detector", "ranked",
                          "--ranker", str(out), "--pose", f"{HOME[0]},{HOME[1]},{ALT}",
                          "--out", str(tmp_path / "hits.jsonl")], capture_output=True, text=True, timeout=120)
    assert det.returncode == 0, det.stderr
    assert "frames" in det.stdout


def test_labelled_frames_give_training_rows_and_bad_labels_name_file_and_line(tmp_path: Path, drab_frames) -> None:
    img, truth = drab_frames[1]
    h, w = img.shape[:2]
    cv2.imwrite(str(tmp_path / "a.png"), img)
    lines = [f"0 {(x + bw / 2) / w:.5f} {(y + bh / 2) / h:.5f} {bw / w:.5f} {bh / h:.5f}" for _, (x, y, bw, bh), _ in truth]
    (tmp_path / "a.txt").write_text("\n".join(lines) + "\n")
    x, y = labelled_rows(tmp_path, CAM.gsd_m(ALT))
    assert x.shape[1] == len(FEATURE_NAMES) and len(x) == len(y)
    assert 3 <= int(y.sum()) < len(y)  # each person is a candidate, and so is some clutter
    (tmp_path / "a.txt").write_text(lines[0] + "\n0 0.5 0.5 1.7 0.1\n")
    with pytest.raises(InputError, match=r"a\.txt:2"):
        labelled_rows(tmp_path, CAM.gsd_m(ALT))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="0123456789 .-e\nx\t", max_size=80))
def test_yolo_label_reader_takes_any_text_without_crashing(tmp_path_factory, text: str) -> None:
    p = tmp_path_factory.mktemp("lab") / "f.txt"
    p.write_text(text)
    try:
        boxes = yolo_labels(p, 640, 480)
    except InputError as e:
        assert "f.txt:" in str(e)
        return
    for _, (x, y, w, h) in boxes:
        assert -640 <= x <= 640 and -480 <= y <= 480 and 0 <= w <= 640 and 0 <= h <= 480
