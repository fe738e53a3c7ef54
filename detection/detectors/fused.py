"""The default detector: colour anomaly proposes, the DNN looks closer, scores combine.

Why this shape: RX is fast and finds small brightly dressed people the DNN cannot resolve, but
it also flags bright objects; the DNN is precise on people it can resolve but far too slow to
tile every 1080p frame at 2 frames/s on two cores. So RX runs on every frame and the DNN runs
only on windows around RX's strongest candidates (upscaled to its input), which keeps the cost
bounded. A candidate the DNN confirms scores high; one it does not see keeps a reduced RX score
(people under ~30 px are often invisible to a COCO model, so silence is weak evidence).
Evidence for the same ground spot then accumulates across frames in the sightings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detection.detectors.nms import merge_detectors
from detection.detectors.ranked import RankedDetector
from detection.detectors.rx import RxDetector
from detection.types import Box


class FusedDetector:
    """RX (or ranked RX) candidates verified by a region-capable DNN (YOLOv4-tiny or a team's ONNX model).

    ``unconfirmed_factor`` scales the score of a candidate the network did not confirm: 0.7 for
    plain RX, whose colour score alone overstates; 1.0 behind the ranker, whose score already
    weighs shape and shadow (a COCO network's silence on a 20 px person says little).
    Candidates scoring ``verify_max`` or more are not sent to the network (behind the ranker: 0.9,
    they are flagged whatever it says), which keeps the frame rate up when many are sure.
    """

    def __init__(self, rx: RxDetector | RankedDetector, dnn: Any, max_regions: int = 4, window_px: int = 160,
                 unconfirmed_factor: float = 0.7, verify_min: float = 0.3, verify_max: float = 1.01) -> None:
        self.rx, self.dnn = rx, dnn
        self.name = f"{rx.name}+{dnn.name}"
        self.max_regions, self.window_px, self.unconfirmed_factor = max_regions, window_px, unconfirmed_factor
        self.verify_min, self.verify_max = verify_min, verify_max

    def detect(self, image: np.ndarray, gsd_m: float | None = None) -> list[Box]:
        h, w = image.shape[:2]
        cands = self.rx.detect(image, gsd_m)
        regions = []
        # the network's time goes where its answer can change the decision: candidates that could
        # become flags, but not those already sure enough to be flagged without it
        doubtful = [c for c in cands if self.verify_min <= c.score < self.verify_max]
        for b in doubtful[: self.max_regions]:
            side = int(max(self.window_px, 3 * max(b.w, b.h)))
            cx, cy = b.center
            x0 = int(np.clip(cx - side / 2, 0, max(0, w - side)))
            y0 = int(np.clip(cy - side / 2, 0, max(0, h - side)))
            regions.append((x0, y0, min(side, w), min(side, h)))
        confirmed = self.dnn.detect_regions(image, regions) if regions else []
        out: list[Box] = []
        used = set()
        for b in cands:
            match = None
            for j, d in enumerate(confirmed):
                cx, cy = b.center
                if d.iou(b) > 0.1 or (d.x <= cx <= d.x + d.w and d.y <= cy <= d.y + d.h):
                    match = j
                    break
            if match is None:
                out.append(Box(b.x, b.y, b.w, b.h, b.score * self.unconfirmed_factor, b.detector))
            else:
                used.add(match)
                d = confirmed[match]
                score = 1.0 - (1.0 - b.score) * (1.0 - d.score)
                out.append(Box(d.x, d.y, d.w, d.h, score, self.name))
        # people the DNN saw in a window that RX had not flagged themselves
        out += [d for j, d in enumerate(confirmed) if j not in used]
        return merge_detectors([out], 0.3) if out else []


class EnsembleDetector:
    """Several detectors on the whole frame, merged by non-maximum suppression ("all")."""

    def __init__(self, detectors: list[Any]) -> None:
        self.detectors = detectors
        self.name = "all"

    def detect(self, image: np.ndarray, gsd_m: float | None = None) -> list[Box]:
        return merge_detectors([d.detect(image, gsd_m) for d in self.detectors], 0.3)
