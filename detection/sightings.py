"""Merging detections into sightings: one subject, many frames.

A person flown over at 2 frames/s is in view for many frames. Showing each box to the reviewer
would bury them, so detections are joined (1) by image tracking, when a box overlaps a box of
the previous processed frame, and (2) by ground distance, when the box's ground fix falls
within the error gate of an existing sighting. A sighting keeps an error-weighted position,
its best picture, and a score that grows with repeated evidence but saturates: seeing the same
rock ten times does not make it a person, so the score is the mean of the three best detection
scores, halved while the sighting rests on a single frame (one frame never raises a flag).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from detection.types import Box, GroundFix, Sighting
from search_patterns.geo import haversine_m

EVIDENCE_TOP_K = 3


def single_frame_factor(n_detections: int) -> float:
    """The share of its detections' mean score a sighting of ``n_detections`` frames gets."""
    return 0.5 if n_detections < 2 else 1.0


@dataclass
class _Acc:
    id: int
    wsum: float = 0.0
    lat: float | None = None
    lon: float | None = None
    wlat: float = 0.0
    wlon: float = 0.0
    scores: list[float] = field(default_factory=list)
    n: int = 0
    first_time: float = math.inf
    last_time: float = -math.inf
    best_score: float = -1.0
    best_detection_id: int | None = None
    detectors: set[str] = field(default_factory=set)
    state: str = "new"
    note: str = ""
    reviewed_at: float | None = None

    def add(self, box: Box, fix: GroundFix | None, t: float) -> bool:
        """Add one detection; returns True when it becomes the sighting's best picture."""
        self.n += 1
        self.first_time = min(self.first_time, t)
        self.last_time = max(self.last_time, t)
        self.detectors.update(box.detector.split("+"))
        self.scores = sorted([*self.scores, box.score], reverse=True)[:EVIDENCE_TOP_K]
        if fix is not None:
            w = 1.0 / max(fix.error_m, 0.5) ** 2
            self.wsum += w
            self.wlat += w * fix.lat
            self.wlon += w * fix.lon
            self.lat, self.lon = self.wlat / self.wsum, self.wlon / self.wsum
        better = box.score > self.best_score
        if better:
            self.best_score = box.score
        return better

    @property
    def error_m(self) -> float | None:
        return None if self.wsum == 0 else 1.0 / math.sqrt(self.wsum)

    @property
    def score(self) -> float:
        """Mean of the best three scores, halved while the sighting rests on one frame: a
        second frame is needed before it can be flagged, and more evidence raises it, but never
        past what the best detections themselves say.

        Why not a slow ramp (two frames counting three quarters, as before): where frames are
        taken far apart (the training scenarios' camera takes one every 8 m), a person is in only
        two or three of them, and a walker seen clearly twice must still raise the alarm."""
        if not self.scores:
            return 0.0
        return sum(self.scores) / len(self.scores) * single_frame_factor(self.n)

    def snapshot(self, best_ref: int | None = None) -> Sighting:
        return Sighting(self.id, self.lat, self.lon, self.error_m, self.score, self.n, self.first_time,
                        self.last_time, best_ref if best_ref is not None else self.best_detection_id,
                        self.state, self.note, self.reviewed_at, tuple(sorted(self.detectors)))


@dataclass(frozen=True)
class Assignment:
    """Which sighting and image track a detection joined, and whether it is now the best picture."""

    sighting_id: int
    track_id: int
    best: bool


class SightingTracker:
    """Assigns each frame's boxes to sightings. Resume a mission with :meth:`load`."""

    def __init__(self, gate_m: float = 5.0, max_gate_m: float = 15.0, iou_gate: float = 0.2) -> None:
        self.gate_m, self.max_gate_m, self.iou_gate = gate_m, max_gate_m, iou_gate
        self._acc: dict[int, _Acc] = {}
        self._next_sighting = 1
        self._next_track = 1
        self._prev: list[tuple[Box, int, int, GroundFix | None]] = []  # box, track, sighting, fix

    def load(self, sightings: list[Sighting]) -> None:
        """Continue from stored sightings (after a restart), so new detections join them."""
        for s in sightings:
            a = _Acc(s.id, n=s.n_detections, first_time=s.first_time, last_time=s.last_time,
                     best_detection_id=s.best_detection_id, detectors=set(s.detectors), state=s.state,
                     note=s.note, reviewed_at=s.reviewed_at, best_score=s.score,
                     scores=[min(1.0, s.score / single_frame_factor(s.n_detections))])
            if s.lat is not None and s.error_m:
                a.wsum = 1.0 / s.error_m ** 2
                a.wlat, a.wlon = a.wsum * s.lat, a.wsum * s.lon
                a.lat, a.lon = s.lat, s.lon
            self._acc[s.id] = a
            self._next_sighting = max(self._next_sighting, s.id + 1)

    def _nearest(self, fix: GroundFix, taken: set[int]) -> int | None:
        best, best_d = None, math.inf
        for a in self._acc.values():
            if a.lat is None or a.id in taken:
                continue
            d = haversine_m(fix.lat, fix.lon, a.lat, a.lon)
            gate = min(self.max_gate_m, max(self.gate_m, 2.5 * math.hypot(fix.error_m, a.error_m or 0.0)))
            if d <= gate and d < best_d:
                best, best_d = a.id, d
        return best

    def assign(self, boxes: list[Box], fixes: list[GroundFix | None], t: float,
               shift: tuple[float, float] = (0.0, 0.0)) -> tuple[list[Assignment], list[int]]:
        """Assign one frame's boxes; ``shift`` is how far the picture moved since the previous
        frame (pixels). Returns the assignments and the ids of the sightings changed."""
        out: list[Assignment] = []
        taken: set[int] = set()
        prev_used: set[int] = set()
        cur: list[tuple[Box, int, int, GroundFix | None]] = []
        for box, fix in sorted(zip(boxes, fixes, strict=True), key=lambda bf: -bf[0].score):
            sid = track = None
            # (1) image tracking against the previous processed frame
            best_iou, best_j = self.iou_gate, None
            for j, (pb, _pt, _ps, _pf) in enumerate(self._prev):
                if j in prev_used:
                    continue
                moved = Box(pb.x + shift[0], pb.y + shift[1], pb.w, pb.h, pb.score, pb.detector)
                iou = box.iou(moved)
                if iou > best_iou:
                    best_iou, best_j = iou, j
            if best_j is not None:
                pb, pt, ps, pf = self._prev[best_j]
                far = (fix is not None and self._acc[ps].lat is not None and
                       haversine_m(fix.lat, fix.lon, self._acc[ps].lat, self._acc[ps].lon) > self.max_gate_m)
                if not far and ps not in taken:
                    prev_used.add(best_j)
                    sid, track = ps, pt
            # (2) ground distance to known sightings
            if sid is None and fix is not None:
                sid = self._nearest(fix, taken)
            if sid is None:
                sid = self._next_sighting
                self._next_sighting += 1
                self._acc[sid] = _Acc(sid)
            if track is None:
                track = self._next_track
                self._next_track += 1
            taken.add(sid)
            better = self._acc[sid].add(box, fix, t)
            out.append(Assignment(sid, track, better))
            cur.append((box, track, sid, fix))
        # restore the caller's order
        order = {id(b): i for i, b in enumerate(boxes)}
        pairs = sorted(zip([c[0] for c in cur], out, strict=True), key=lambda p: order[id(p[0])])
        self._prev = cur
        return [a for _, a in pairs], sorted(taken)

    def sighting(self, sid: int, best_ref: int | None = None) -> Sighting:
        return self._acc[sid].snapshot(best_ref)

    def set_best_detection(self, sid: int, detection_id: int) -> None:
        self._acc[sid].best_detection_id = detection_id

    def all(self) -> list[Sighting]:
        return [a.snapshot() for a in self._acc.values()]
