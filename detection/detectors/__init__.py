"""Person detectors behind one interface, and ``make_detector`` to build one from a name.

| name          | what                                                         |
|---------------|--------------------------------------------------------------|
| ``rx``        | colour anomaly (RX on Lab), fast, no weights                  |
| ``ranked``    | RX proposals scored by the person ranker (shape, tones, shadow) |
| ``dnn``       | YOLOv4-tiny COCO on overlapping tiles + whole frame           |
| ``hog``       | OpenCV's HOG people detector, no weights                      |
| ``onnx:PATH`` | a team's YOLO ONNX model (v5 or v8 output layout)             |
| ``rx+dnn``    | RX candidates checked by YOLOv4-tiny                          |
| ``ranked+dnn``| ranked candidates checked by YOLOv4-tiny (the default, "best") |
| ``rx+onnx:PATH`` | RX candidates checked by a team's ONNX model               |
| ``all``       | rx, dnn and hog on every frame, merged                        |
"""

from __future__ import annotations

from typing import Any

from detection.detectors.base import Detector
from detection.detectors.fused import EnsembleDetector, FusedDetector
from detection.detectors.hog import HogDetector
from detection.detectors.ranked import RankedDetector
from detection.detectors.ranker import PersonRanker
from detection.detectors.rx import RxDetector
from detection.detectors.weights import MissingWeightsError
from detection.detectors.yolo import DarknetYolo, OnnxYolo
from search_patterns.errors import InputError

__all__ = ["Detector", "make_detector", "RxDetector", "DarknetYolo", "OnnxYolo", "HogDetector",
           "FusedDetector", "EnsembleDetector", "RankedDetector", "PersonRanker", "MissingWeightsError", "DETECTOR_NAMES"]

DETECTOR_NAMES = ("best", "rx", "ranked", "dnn", "hog", "onnx:PATH", "rx+dnn", "ranked+dnn", "rx+onnx:PATH",
                  "ranked+onnx:PATH", "all")


def make_detector(spec: str | None = None, *, sensitivity: float = 0.5, ranker: str | None = None,
                  **options: Any) -> Detector:
    """Build a detector from its name (see the module table). ``None`` or ``"best"`` gives
    ``ranked+dnn``; without the YOLO weights installed, ``best`` is ``ranked`` alone.
    ``ranker`` is the path of a team's own person ranker model (default: the shipped one)."""
    name = (spec or "best").strip()
    low = name.lower()

    def ranked() -> RankedDetector:
        return RankedDetector(RxDetector(sensitivity), PersonRanker.load(ranker))

    if low in ("best", "default"):
        proposer = ranked()
        try:
            return FusedDetector(proposer, DarknetYolo(**options), unconfirmed_factor=1.0, verify_max=0.9)
        except MissingWeightsError:
            return proposer
    if low == "rx":
        return RxDetector(sensitivity, **options)
    if low == "ranked":
        return ranked()
    if low == "ranked+dnn":
        return FusedDetector(ranked(), DarknetYolo(**options), unconfirmed_factor=1.0, verify_max=0.9)
    if low.startswith("ranked+onnx:"):
        return FusedDetector(ranked(), OnnxYolo(name[12:], **options), unconfirmed_factor=1.0, verify_max=0.9)
    if low == "dnn":
        return DarknetYolo(**options)
    if low == "hog":
        return HogDetector(**options)
    if low.startswith("onnx:"):
        return OnnxYolo(name[5:], **options)
    if low == "rx+dnn":
        return FusedDetector(RxDetector(sensitivity), DarknetYolo(**options))
    if low.startswith("rx+onnx:"):
        return FusedDetector(RxDetector(sensitivity), OnnxYolo(name[8:], **options))
    if low == "all":
        return EnsembleDetector([RxDetector(sensitivity), DarknetYolo(), HogDetector()])
    raise InputError(f"unknown detector {name!r}; choose one of {', '.join(DETECTOR_NAMES)}", where="--detector")
