"""DNN person detectors: YOLOv4-tiny COCO (Darknet weights) and a team's own YOLO ONNX model.

Both run through OpenCV's DNN module (no extra runtime). Small people are the hard part from
the air, so the Darknet model runs on overlapping tiles plus one whole-frame pass, and either
model can be pointed at candidate regions only (see ``detect_regions``), which is how the
combined detector keeps the frame rate up.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from detection.detectors.nms import nms
from detection.detectors.tiles import tiles
from detection.detectors.weights import yolov4_tiny_files
from detection.types import Box
from search_patterns.errors import InputError


class DarknetYolo:
    """YOLOv4-tiny COCO, person class only, on overlapping tiles plus a whole-frame pass."""

    name = "dnn"

    def __init__(self, conf: float = 0.25, tile: int = 640, overlap: float = 0.2, input_size: int = 416,
                 whole_frame: bool = True, threads: int | None = None) -> None:
        cfg, weights, names = yolov4_tiny_files()
        self.net = cv2.dnn.readNetFromDarknet(str(cfg), str(weights))
        self.net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        self.model = cv2.dnn_DetectionModel(self.net)
        self.model.setInputParams(scale=1 / 255.0, size=(input_size, input_size), swapRB=True)
        self.labels = names.read_text().split("\n") if names.exists() else []
        self.person = self.labels.index("person") if "person" in self.labels else 0
        self.conf, self.tile, self.overlap, self.whole_frame = conf, tile, overlap, whole_frame
        self.input_size = input_size
        if threads:
            cv2.setNumThreads(threads)

    def _run(self, crop: np.ndarray, ox: float, oy: float, sx: float = 1.0) -> list[Box]:
        classes, scores, boxes = self.model.detect(crop, self.conf, 0.45)
        out = []
        for c, s, b in zip(np.ravel(classes), np.ravel(scores), boxes, strict=False):
            if int(c) != self.person:
                continue
            x, y, w, h = (float(v) for v in b)
            out.append(Box(ox + x * sx, oy + y * sx, w * sx, h * sx, float(s), self.name))
        return out

    def detect(self, image: np.ndarray, gsd_m: float | None = None) -> list[Box]:
        h, w = image.shape[:2]
        found: list[Box] = []
        for x, y, tw, th in tiles(w, h, self.tile, self.overlap):
            found += self._run(image[y:y + th, x:x + tw], x, y)
        if self.whole_frame and (w > self.tile or h > self.tile):
            found += self._run(image, 0, 0)
        return nms(found, 0.45)

    def detect_regions(self, image: np.ndarray, regions: Sequence[tuple[int, int, int, int]]) -> list[Box]:
        """Run only on the given (x, y, w, h) windows (each upscaled to the network input)."""
        out: list[Box] = []
        for x, y, w, h in regions:
            crop = image[y:y + h, x:x + w]
            if crop.size:
                out += self._run(crop, x, y)
        return nms(out, 0.45)


class OnnxYolo:
    """A YOLO-style ONNX detector a team trained (YOLOv5 or YOLOv8 output layout), via cv2.dnn.

    ``person_class`` picks the class to keep (0 for COCO and for single-class models).
    """

    def __init__(self, path: str | Path, conf: float = 0.3, person_class: int = 0, input_size: int | None = None,
                 tile: int | None = None) -> None:
        p = Path(path)
        if not p.exists():
            raise InputError("ONNX model file not found", where=str(p))
        try:
            self.net = cv2.dnn.readNetFromONNX(str(p))
        except cv2.error as exc:
            raise InputError(f"not a loadable ONNX model ({str(exc).splitlines()[-1][:120]})", where=str(p)) from exc
        self.name = f"onnx:{p.name}"
        self.conf, self.person_class = conf, person_class
        self.input_size = input_size or self._model_input_size(p) or 640
        self.tile = tile

    @staticmethod
    def _model_input_size(p: Path) -> int | None:
        try:
            import onnx  # optional: only to read the declared input size
        except ImportError:
            return None
        try:
            model = onnx.load(str(p), load_external_data=False)
            dims = model.graph.input[0].type.tensor_type.shape.dim
            size = dims[-1].dim_value
            return int(size) if size > 0 else None
        except Exception:
            return None

    def _letterbox(self, img: np.ndarray) -> tuple[np.ndarray, float, int, int]:
        s = self.input_size
        h, w = img.shape[:2]
        r = min(s / w, s / h)
        nw, nh = int(round(w * r)), int(round(h * r))
        canvas = np.full((s, s, 3), 114, np.uint8)
        px, py = (s - nw) // 2, (s - nh) // 2
        canvas[py:py + nh, px:px + nw] = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
        return canvas, r, px, py

    def decode(self, out: np.ndarray, r: float, px: int, py: int) -> list[Box]:
        """Turn the raw output tensor into boxes in the original image's pixels."""
        a = np.squeeze(np.asarray(out, np.float32))
        if a.ndim != 2:
            raise InputError(f"unexpected ONNX output shape {np.shape(out)}; expected a YOLO (1, N, 5+C) "
                             "or (1, 4+C, N) tensor", where=self.name)
        if a.shape[0] < a.shape[1]:  # YOLOv8: (4 + C, N), boxes along the long axis
            a = a.T
            cls = a[:, 4:]
            scores_all = cls
        else:  # YOLOv5: (N, 5 + C), objectness then classes
            obj = a[:, 4:5]
            cls = a[:, 5:] if a.shape[1] > 5 else np.ones_like(obj)
            scores_all = obj * cls
        if self.person_class >= scores_all.shape[1]:
            raise InputError(f"person class {self.person_class} but the model has {scores_all.shape[1]} classes",
                             where=self.name)
        best = scores_all.argmax(axis=1)
        score = scores_all[np.arange(len(a)), self.person_class]
        keep = (best == self.person_class) & (score >= self.conf)
        boxes = []
        for (cx, cy, w, h), s in zip(a[keep, :4], score[keep], strict=False):
            x = (cx - w / 2 - px) / r
            y = (cy - h / 2 - py) / r
            boxes.append(Box(float(x), float(y), float(w / r), float(h / r), float(s), self.name))
        return nms(boxes, 0.45)

    def _run(self, img: np.ndarray, ox: int = 0, oy: int = 0) -> list[Box]:
        canvas, r, px, py = self._letterbox(img)
        blob = cv2.dnn.blobFromImage(canvas, 1 / 255.0, (self.input_size, self.input_size), swapRB=True)
        self.net.setInput(blob)
        boxes = self.decode(self.net.forward(), r, px, py)
        return [Box(b.x + ox, b.y + oy, b.w, b.h, b.score, b.detector) for b in boxes]

    def detect(self, image: np.ndarray, gsd_m: float | None = None) -> list[Box]:
        if not self.tile:
            return self._run(image)
        h, w = image.shape[:2]
        found: list[Box] = []
        for x, y, tw, th in tiles(w, h, self.tile, 0.2):
            found += self._run(image[y:y + th, x:x + tw], x, y)
        return nms(found, 0.45)

    def detect_regions(self, image: np.ndarray, regions: Sequence[tuple[int, int, int, int]]) -> list[Box]:
        out: list[Box] = []
        for x, y, w, h in regions:
            if w > 0 and h > 0:
                out += self._run(image[y:y + h, x:x + w], x, y)
        return nms(out, 0.45)
