"""Frames from the telemetry-driven camera into the detection pipeline and the sightings store.

The pipeline is ``detection.pipeline.DetectionPipeline``, the same loop ``sargc detect`` and
the desktop app run; here frames are pushed into it one by one (``process``) by the camera
worker instead of being pulled from a video source. Frame names carry the vehicle, so each
detection in the store says which drone saw it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from search_patterns.camera import Camera
from search_patterns.pose import Pose


class DetectionSink:
    """Owns the sightings store (``detections.sqlite``) and the pipeline for one run."""

    def __init__(self, store_path: Path, camera: Camera, *, detector: str | None = None) -> None:
        from detection.pipeline import DetectionPipeline
        from detection.store import SightingStore

        self.store = SightingStore(store_path)
        self.pipeline = DetectionPipeline(lambda: None, detector, camera=camera, store=self.store)
        self.detector_name = type(self.pipeline.detector).__name__
        self._lock = threading.Lock()
        self._closed = False
        self._final_counts = (0, 0)

    def process(self, image: Any, pose: Pose, t: float, vehicle: str, index: int) -> None:
        """Detect, geolocate, merge and store one frame (``t`` is mission time)."""
        from detection.types import Frame

        with self._lock:
            if self._closed:
                return
            self.pipeline.process(Frame(image=image, index=index, time=t, pose=pose, name=vehicle))

    def counts(self) -> tuple[int, int]:
        """(detections, sightings) in the store."""
        with self._lock:
            return self._final_counts if self._closed else self.store.counts()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._final_counts = self.store.counts()
                self._closed = True
                self.store.close()
