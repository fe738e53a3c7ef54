"""HOG + linear SVM people detector (OpenCV's built-in model): needs no weights file.

It was trained on upright pedestrians seen from the side at 64×128 px, so from the air it only
helps with oblique views of standing people; it is the fallback when no DNN weights exist.
"""

from __future__ import annotations

import cv2
import numpy as np

from detection.detectors.nms import nms
from detection.types import Box


class HogDetector:
    name = "hog"

    def __init__(self, upscale: float = 2.0, hit_threshold: float = 0.0, max_width: int = 1920) -> None:
        self.hog = cv2.HOGDescriptor()
        self.hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self.upscale, self.hit_threshold, self.max_width = upscale, hit_threshold, max_width

    def detect(self, image: np.ndarray, gsd_m: float | None = None) -> list[Box]:
        h, w = image.shape[:2]
        s = min(self.upscale, self.max_width * self.upscale / max(w, 1))
        img = cv2.resize(image, (int(w * s), int(h * s))) if s != 1 else image
        rects, weights = self.hog.detectMultiScale(img, hitThreshold=self.hit_threshold, winStride=(8, 8),
                                                   padding=(8, 8), scale=1.1)
        out = []
        for (x, y, bw, bh), wt in zip(rects, np.ravel(weights) if len(rects) else [], strict=False):
            score = float(1.0 / (1.0 + np.exp(-1.5 * float(wt))))
            out.append(Box(x / s, y / s, bw / s, bh / s, score, self.name))
        return nms(out, 0.4)
