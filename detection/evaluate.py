"""Scoring detections against known truth: which people were found, which flags were wrong.

Used on simulated flights (where the truth is known exactly) and on a team's own labelled
frames. A detection counts for a person when its centre falls inside the person's box grown by
a margin, because a colour-anomaly box often covers only the jacket, not the whole body.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from detection.types import Box

TruthBox = tuple[Hashable, tuple[float, float, float, float]]


def _hit(b: Box, t: tuple[float, float, float, float], margin_frac: float, min_margin_px: float) -> bool:
    x, y, w, h = t
    m = max(min_margin_px, margin_frac * max(w, h))
    cx, cy = b.center
    if x - m <= cx <= x + w + m and y - m <= cy <= y + h + m:
        return True
    tb = Box(x, y, w, h, 1.0, "truth")
    return b.iou(tb) > 0.2


def match_frame(truth: Sequence[TruthBox], boxes: Sequence[Box], margin_frac: float = 0.5,
                min_margin_px: float = 6.0) -> tuple[set[Hashable], list[Box], list[Box]]:
    """(ids of people found, true-positive boxes, false-positive boxes) for one frame.

    Each person can be claimed by any number of boxes (a split detection is not a false alarm),
    but a box claims at most one person.
    """
    found: set[Hashable] = set()
    tp: list[Box] = []
    fp: list[Box] = []
    ranked = sorted(boxes, key=lambda b: -b.score)
    for b, hit in zip(ranked, label_boxes(truth, ranked, margin_frac, min_margin_px), strict=True):
        if hit is None:
            fp.append(b)
        else:
            found.add(hit)
            tp.append(b)
    return found, tp, fp


def label_boxes(truth: Sequence[TruthBox], boxes: Sequence[Box], margin_frac: float = 0.5,
                min_margin_px: float = 6.0) -> list[Hashable | None]:
    """For each box, the id of the person it lands on, or ``None`` (training labels for the ranker)."""
    return [next((tid for tid, t in truth if _hit(b, t, margin_frac, min_margin_px)), None) for b in boxes]


@dataclass
class Tally:
    """Counts of people in view and found, per category, plus flags."""

    seen: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    true_flags: int = 0
    false_flags: int = 0
    empty_frames: int = 0
    empty_frame_flags: int = 0

    def add(self, category: str, was_found: bool) -> None:
        self.seen[category] += 1
        if was_found:
            self.found[category] += 1

    def recall(self, category: str = "all") -> float:
        s = self.seen.get(category, 0)
        return self.found.get(category, 0) / s if s else float("nan")

    @property
    def precision(self) -> float:
        n = self.true_flags + self.false_flags
        return self.true_flags / n if n else float("nan")

    @property
    def false_alarms_per_empty_frame(self) -> float:
        return self.empty_frame_flags / self.empty_frames if self.empty_frames else float("nan")


def size_bucket(box: tuple[float, float, float, float]) -> str:
    """People's size class by the longer side of their box, in pixels."""
    s = max(box[2], box[3])
    if s < 20:
        return "<20px"
    if s < 30:
        return "20-30px"
    if s < 45:
        return "30-45px"
    return ">=45px"
