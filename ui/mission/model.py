"""What a mission run produces, as plain values: timeline, sightings, per-subject results, score.

The runner fills these while it flies; the report, ``mission.json`` and the tests read them.
Kept separate from the runner so a mission folder written on another laptop can be turned
back into the same values (see :func:`ui.mission.folder.load_summary`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from detection.types import FLAG_SCORE


@dataclass(frozen=True)
class TimelineEvent:
    """Something that happened, at mission time ``t`` (seconds since the first vehicle started its mission).

    Mission time is vehicle time: with a simulator sped up ten times, 60 s of mission time pass in
    6 s of wall time, and the timeline reads as the pilot would have lived it.
    """

    t: float
    vehicle: str
    kind: str
    text: str
    severity: str = "info"  # info | warning | critical


@dataclass(frozen=True)
class SightingRecord:
    """One sighting as the report shows it (thumbnail is JPEG bytes, may be empty)."""

    id: int
    lat: float
    lon: float
    score: float
    t: float | None = None
    error_m: float | None = None
    detector: str = ""
    vehicle: str = ""
    detections: int = 1
    review: str = "new"
    thumbnail: bytes = field(default=b"", repr=False)

    @property
    def counts(self) -> bool:
        """What the crew acts on: flagged by the detector (``detection.types.FLAG_SCORE``) or
        confirmed by a reviewer, and not rejected."""
        return self.review != "rejected" and (self.score >= FLAG_SCORE or self.review == "confirmed")


@dataclass(frozen=True)
class SubjectResult:
    """Training ground truth against what the crew found."""

    name: str
    lat: float
    lon: float
    posture: str
    found: bool
    sighting_id: int | None = None
    distance_m: float | None = None
    time_to_first_s: float | None = None


@dataclass(frozen=True)
class TrainingScore:
    """How well the search went, for a trainer: see :func:`ui.mission.scoring.score_training`."""

    subjects: tuple[SubjectResult, ...]
    false_alarms: int
    planned_pod: float | None
    achieved_pod: float | None
    score: float
    match_radius_m: float

    @property
    def found(self) -> int:
        return sum(1 for s in self.subjects if s.found)


@dataclass(frozen=True)
class VehicleRun:
    """What one vehicle did."""

    name: str
    connection: str
    tlogs: tuple[str, ...]
    plan_file: str
    waypoints_planned: int
    last_waypoint_reached: int
    flown_m: float
    completed: bool
    interrupted_by: str | None = None


def to_jsonable(value: Any) -> Any:
    """Dataclasses → dicts for ``mission.json`` (bytes dropped: thumbnails live in the store)."""
    if hasattr(value, "__dataclass_fields__"):
        d = asdict(value)
        d.pop("thumbnail", None)
        return {k: to_jsonable(v) for k, v in d.items()}
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items() if not isinstance(v, bytes)}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
