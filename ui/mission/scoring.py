"""Scoring a training search: which subjects were found, how precisely, how fast, at what cost.

The score is meant for a debrief, not a league table. It weighs what matters on a real
search: finding everyone (60 points), searching the ground as well as planned (20 points:
achieved POD against planned POD), and not sending ground teams to rocks (20 points times the
share of sightings that were a subject).
"""

from __future__ import annotations

from collections.abc import Sequence

from search_patterns.geo import haversine_m
from ui.mission.model import SightingRecord, SubjectResult, TrainingScore

MATCH_RADIUS_M = 20.0  # a ground team sent to a sighting finds a person within this


def score_training(subjects: Sequence[object], sightings: Sequence[SightingRecord], *,
                   planned_pod: float | None, achieved_pod: float | None,
                   match_radius_m: float = MATCH_RADIUS_M) -> TrainingScore:
    """Match sightings to true subjects (nearest within ``match_radius_m``) and score the search.

    ``subjects`` are objects with ``name, lat, lon, posture`` (scenario subjects). A subject is
    found when some sighting the crew acts on (flagged or confirmed, see
    :attr:`SightingRecord.counts`) lies within the radius; its distance error is that of the
    nearest such sighting and its time to first sighting the earliest one within the radius. A
    false alarm is such a sighting near no subject. Low-score sightings stay in the report's list
    but neither find anyone nor count against the crew, as they raised no alert.
    """
    sightings = [s for s in sightings if s.counts]
    results: list[SubjectResult] = []
    near_any: set[int] = set()
    for subj in subjects:
        near = []
        for s in sightings:
            d = haversine_m(subj.lat, subj.lon, s.lat, s.lon)  # type: ignore[attr-defined]
            if d <= match_radius_m:
                near.append((d, s))
                near_any.add(s.id)
        if near:
            d, best = min(near, key=lambda x: x[0])
            times = [s.t for _, s in near if s.t is not None]
            results.append(SubjectResult(subj.name, subj.lat, subj.lon, subj.posture, True,  # type: ignore[attr-defined]
                                         best.id, d, min(times) if times else None))
        else:
            results.append(SubjectResult(subj.name, subj.lat, subj.lon, subj.posture, False))  # type: ignore[attr-defined]
    false_alarms = sum(1 for s in sightings if s.id not in near_any)
    found_part = 60.0 * (sum(r.found for r in results) / len(results)) if results else 60.0
    if planned_pod and achieved_pod is not None:
        pod_part = 20.0 * min(1.0, achieved_pod / planned_pod)
    else:
        pod_part = 0.0
    counted = len(sightings)
    fa_part = 20.0 * (1.0 - false_alarms / counted) if counted else 20.0
    return TrainingScore(tuple(results), false_alarms, planned_pod, achieved_pod,
                         round(found_part + pod_part + fa_part, 1), match_radius_m)
