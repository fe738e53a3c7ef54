"""The person ranker: a random forest that turns a candidate's measurements into "how likely a person".

Why a learned model on top of colour anomaly: a threshold on colour finds brightly dressed
people but not drab ones, and lowering it floods the reviewer with stones and logs (measured
in ``bench/detection.py``). Whether a blob is a person is a judgement over many weak cues at
once (size on the ground, number of tones, limbs, shadow), which is what a forest of decision
trees does well with little data and no GPU. OpenCV's own ``cv2.ml.RTrees`` is used, so the
model needs no extra runtime and loads in milliseconds.

The shipped model (``detection/models/person_ranker.yml.gz``) was trained on simulated flights
(``sargc train-ranker``), on scenes and seeds different from the ones the benchmark scores.
A team with labelled frames of its own terrain trains its own with the same command and
points ``--ranker`` at it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from detection.detectors.features import FEATURE_NAMES
from detection.detectors.weights import MissingWeightsError
from search_patterns.atomic import write_atomic

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "person_ranker.yml.gz"


class PersonRanker:
    """P(person) for rows of :data:`detection.detectors.features.FEATURE_NAMES`."""

    def __init__(self, forest: cv2.ml.RTrees, source: str = "") -> None:
        if forest.getVarCount() != len(FEATURE_NAMES):
            raise ValueError(f"ranker model {source or ''} expects {forest.getVarCount()} measurements, "
                             f"this version makes {len(FEATURE_NAMES)}; retrain it with `sargc train-ranker`")
        self.forest = forest
        self.source = source

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> PersonRanker:
        """Load a trained model (the shipped one when ``path`` is None)."""
        p = Path(path) if path is not None else DEFAULT_MODEL
        if not p.is_file():
            if path is None:
                raise MissingWeightsError(f"the shipped person ranker {p} is missing; reinstall the project "
                                          "(`make` reinstalls it) or train one with `sargc train-ranker`")
            raise MissingWeightsError(f"person ranker model {p} not found")
        try:
            forest = cv2.ml.RTrees_load(str(p))
        except cv2.error as e:
            raise ValueError(f"{p} is not a person ranker model: {e.msg.strip() or e}") from e
        if forest is None or forest.empty():
            raise ValueError(f"{p} is not a person ranker model (empty)")
        return cls(forest, str(p))

    @classmethod
    def train(cls, x: np.ndarray, y: np.ndarray, trees: int = 150, depth: int = 12,
              min_samples: int = 5, person_weight: float = 1.0) -> PersonRanker:
        """Fit a forest on measurements ``x`` (n × features) and labels ``y`` (1 = person).

        ``person_weight`` > 1 makes a missed person cost more than a false alarm (class priors),
        which moves the trees' votes towards "person" for the doubtful candidates: in a search
        a reviewer glancing at one more stone is cheap, a walker never shown is not."""
        x = np.asarray(x, np.float32)
        y = np.asarray(y, np.int32)
        if x.ndim != 2 or x.shape[1] != len(FEATURE_NAMES):
            raise ValueError(f"training rows must have {len(FEATURE_NAMES)} measurements, got shape {x.shape}")
        if len(set(y.tolist())) < 2:
            raise ValueError("training needs both people and non-people candidates")
        forest = cv2.ml.RTrees_create()
        forest.setMaxDepth(depth)
        forest.setMinSampleCount(min_samples)
        forest.setActiveVarCount(int(round(np.sqrt(x.shape[1]))))
        forest.setTermCriteria((cv2.TERM_CRITERIA_MAX_ITER, trees, 0))
        forest.setCalculateVarImportance(True)
        if person_weight != 1.0:
            forest.setPriors(np.array([1.0, person_weight], np.float32))
        forest.train(x, cv2.ml.ROW_SAMPLE, y)
        return cls(forest, "trained")

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the model atomically (``.gz`` suffix compresses it).

        OpenCV can only save to a path, so the model is saved in a scratch folder first and its
        bytes then go through the project's one atomic writer."""
        target = Path(path)
        suffix = "".join(target.suffixes) or ".yml"
        with tempfile.TemporaryDirectory() as scratch:
            tmp = Path(scratch) / f"model{suffix}"
            self.forest.save(str(tmp))
            return write_atomic(target, tmp.read_bytes())

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Share of trees voting "person", per row."""
        x = np.asarray(x, np.float32)
        if len(x) == 0:
            return np.zeros(0, np.float32)
        votes = self.forest.getVotes(x, 0)
        labels = [int(v) for v in votes[0]]
        counts = votes[1:].astype(np.float32)
        if 1 not in labels:
            return np.zeros(len(x), np.float32)
        return counts[:, labels.index(1)] / np.maximum(counts.sum(axis=1), 1.0)

    def importance(self) -> list[tuple[str, float]]:
        """Which measurements the forest leans on, most first (for the README and tuning)."""
        imp = self.forest.getVarImportance()
        if imp is None or len(imp) == 0:
            return []
        return sorted(zip(FEATURE_NAMES, imp.ravel().tolist(), strict=True), key=lambda p: -p[1])
