"""Coverage and POD while the vehicles fly, from the poses their telemetry reports.

The final numbers in the report come from the tlogs after landing; these are the running
ones a pilot and a coordinator watch during the flight ("60 % of the area seen, POD 0.45"),
built incrementally with ``search_patterns.coverage.CoverageTracker`` (each update costs only
the new footprints). One tracker per vehicle, since each track must stay continuous; with
several vehicles on split parts of the area, their seen fractions add up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from search_patterns.area import SearchArea
from search_patterns.camera import Camera
from search_patterns.coverage import CoverageSettings, CoverageTracker
from search_patterns.pose import Pose


@dataclass(frozen=True)
class LiveFigures:
    """Running coverage: fraction of the area seen, and per vehicle."""

    covered_fraction: float
    per_vehicle: dict[str, float]


class LiveCoverage:
    """Feed it each vehicle's growing pose list; read the running fraction at any time."""

    def __init__(self, area: SearchArea, camera: Camera, *, target_pod: float = 0.8, min_alt_m: float = 10.0) -> None:
        self.area = area
        self.settings = CoverageSettings(camera=camera, target_pod=target_pod, min_alt_m=min_alt_m)
        self._trackers: dict[str, CoverageTracker] = {}
        self._fed: dict[str, int] = {}
        self._lock = threading.Lock()

    def feed(self, vehicle: str, poses: list[Pose]) -> None:
        """Add the poses of ``vehicle`` not seen yet (``poses`` only ever grows)."""
        with self._lock:
            tracker = self._trackers.get(vehicle)
            if tracker is None:
                tracker = self._trackers[vehicle] = CoverageTracker(self.area, self.settings)
                self._fed[vehicle] = 0
            start = self._fed[vehicle]
            new = poses[start:]
            if new:
                tracker.add_many(new)
                self._fed[vehicle] = start + len(new)

    def figures(self) -> LiveFigures:
        with self._lock:
            per = {name: t.covered_fraction_estimate() for name, t in self._trackers.items()}
        return LiveFigures(min(1.0, sum(per.values())), per)
