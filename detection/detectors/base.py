"""What every detector is: frame in, boxes with score and label out."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from detection.types import Box


@runtime_checkable
class Detector(Protocol):
    """A person detector. ``gsd_m`` (metres per pixel near the image centre) lets a detector
    reject blobs whose size on the ground cannot be a person; ``None`` when the pose is unknown."""

    name: str

    def detect(self, image: np.ndarray, gsd_m: float | None = None) -> list[Box]: ...
