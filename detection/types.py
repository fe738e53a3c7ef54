"""The values that move through detection: frames, boxes, detections and sightings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from search_patterns.pose import Pose


@dataclass(frozen=True, eq=False)
class Frame:
    """One picture from a source: BGR pixels, when it was captured, and where the camera was.

    ``index`` counts frames read from the source (dropped ones included), so it is also the
    frame number in a video file. ``name`` is the image file name for folder sources.
    """

    image: np.ndarray
    index: int
    time: float
    pose: Pose | None = None
    name: str = ""


@dataclass(frozen=True)
class Box:
    """A detector's answer: pixel box (x, y, w, h), score in [0, 1], what found it and what it is."""

    x: float
    y: float
    w: float
    h: float
    score: float
    detector: str
    label: str = "person"

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2.0, self.y + self.h / 2.0)

    def iou(self, other: Box) -> float:
        ix = max(0.0, min(self.x + self.w, other.x + other.w) - max(self.x, other.x))
        iy = max(0.0, min(self.y + self.h, other.y + other.h) - max(self.y, other.y))
        inter = ix * iy
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class GroundFix:
    """Where a pixel lands on the ground, with a one-sigma horizontal error radius in metres."""

    lat: float
    lon: float
    error_m: float
    range_m: float


@dataclass(frozen=True)
class Detection:
    """A box in one frame, placed on the ground when the pose was known."""

    frame_index: int
    frame_time: float
    source: str
    box: Box
    fix: GroundFix | None = None
    pose: Pose | None = None
    track_id: int | None = None
    sighting_id: int | None = None
    id: int | None = None


#: A sighting at or above this score is *flagged*: it raises the alert, counts in the training
#: score and is what the benchmark calls a flag. Below it a sighting stays in the ranked list for
#: a thorough review but does not interrupt the crew. A sighting's score is discounted while it
#: rests on one frame (see ``detection.sightings``), so a flag needs at least two frames.
FLAG_SCORE = 0.5


@dataclass(frozen=True)
class Sighting:
    """Detections believed to be one subject: where, how sure, its best picture, and review."""

    id: int
    lat: float | None
    lon: float | None
    error_m: float | None
    score: float
    n_detections: int
    first_time: float
    last_time: float
    best_detection_id: int | None
    state: str = "new"  # new | confirmed | rejected
    note: str = ""
    reviewed_at: float | None = None
    detectors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def flagged(self) -> bool:
        """Worth interrupting the crew for (see :data:`FLAG_SCORE`)."""
        return self.score >= FLAG_SCORE
