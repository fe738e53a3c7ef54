"""Colour-anomaly candidates ranked by the person ranker: the detector that finds drab clothing too.

Why: RX on its own must choose between missing people in grey, green or navy (a high threshold
on unnatural colour) and flagging every stone and log (a low one). Here RX only proposes, with
a low bar so nearly everyone in view becomes a candidate (about 98 % per frame in the
benchmark), and the ranker (:mod:`detection.detectors.ranker`) scores each proposal from its
ground-scale shape, tones and shadow. Score = the ranker's probability that it is a person.
"""

from __future__ import annotations

import numpy as np

from detection.detectors.features import candidate_features
from detection.detectors.ranker import PersonRanker
from detection.detectors.rx import DEFAULT_GSD_M, RxDetector
from detection.types import Box


class RankedDetector:
    """RX proposals, each scored by a :class:`PersonRanker`."""

    name = "ranked"

    def __init__(self, rx: RxDetector | None = None, ranker: PersonRanker | None = None,
                 max_candidates: int = 40, keep_min: float = 0.02) -> None:
        self.rx = rx or RxDetector()
        self.ranker = ranker or PersonRanker.load()
        self.max_candidates, self.keep_min = max_candidates, keep_min

    def detect(self, image: np.ndarray, gsd_m: float | None = None) -> list[Box]:
        boxes, rows = measure_candidates(self.rx, image, gsd_m)
        if not boxes:
            return []
        p = self.ranker.probability(rows)
        out = [Box(b.x, b.y, b.w, b.h, float(s), self.name) for b, s in zip(boxes, p, strict=True)
               if s >= self.keep_min]
        out.sort(key=lambda b: -b.score)
        return out[: self.max_candidates]


def measure_candidates(rx: RxDetector, image: np.ndarray, gsd_m: float | None = None) -> tuple[list[Box], np.ndarray]:
    """Every RX proposal in ``image`` and its measurement row: what the ranker scores, and
    what it is trained on (so training and use can never measure differently)."""
    gsd = gsd_m or DEFAULT_GSD_M
    cands = rx.candidates(image, gsd)
    rows = [candidate_features(image, b, f, gsd) for b, f in cands]
    return [b for b, _ in cands], np.array(rows, np.float32).reshape(len(rows), -1)
