"""The detection loop: capture thread → detector worker → geolocation → sightings → store → observers.

One object wires the parts so the headless mission runner, the desktop app and ``sargc detect``
run exactly the same loop. Observers are plain callables given a :class:`FrameResult` on the
worker thread; a GUI adapts them to its own thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from detection.capture import FrameGrabber, PoseProvider
from detection.detectors import Detector, make_detector
from detection.geolocate import Terrain, Uncertainty, locate
from detection.sightings import SightingTracker
from detection.sources import VideoSource, open_source
from detection.store import SightingStore
from detection.types import Box, Detection, Frame, GroundFix, Sighting
from search_patterns.camera import Camera

DEFAULT_HFOV_DEG = 69.0


@dataclass(frozen=True)
class FrameResult:
    """What one processed frame gave: its detections (placed on the ground when the pose was
    known), the sightings they changed, and how late the result is relative to capture."""

    frame: Frame
    detections: list[Detection]
    sightings: list[Sighting]
    latency_s: float
    processing_s: float


@dataclass
class PipelineStats:
    frames_read: int = 0
    frames_processed: int = 0
    frames_dropped: int = 0
    reconnects: int = 0
    detections: int = 0
    sightings: int = 0
    started: float = 0.0
    elapsed_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    error: str = ""

    @property
    def fps(self) -> float:
        return self.frames_processed / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def mean_latency_s(self) -> float:
        return float(np.mean(self.latencies)) if self.latencies else 0.0


def thumbnail_jpeg(image: np.ndarray, box: Box, min_side: int = 96, quality: int = 85) -> bytes:
    """A JPEG of the box with context around it, at least ``min_side`` px, for the reviewer."""
    h, w = image.shape[:2]
    side = int(max(min_side, 2.5 * max(box.w, box.h)))
    cx, cy = box.center
    x0 = int(np.clip(cx - side / 2, 0, max(0, w - side)))
    y0 = int(np.clip(cy - side / 2, 0, max(0, h - side)))
    crop = image[y0:y0 + side, x0:x0 + side]
    if crop.shape[0] < 160:
        f = 160 / max(1, crop.shape[0])
        crop = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_NEAREST)
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return buf.tobytes() if ok else b""


class DetectionPipeline:
    """Runs detection on a source until it ends or :meth:`stop` is called.

    ``camera`` defaults to a 69° horizontal field of view at the frame's resolution. Without a
    pose (no ``pose_provider`` and a source that gives none), detections are still stored and
    merged by image tracking, just not placed on the map.
    """

    def __init__(self, source: VideoSource | str | int | Callable[[], Any], detector: Detector | str | None = None,
                 *, camera: Camera | None = None, pose_provider: PoseProvider | None = None,
                 store: SightingStore | None = None, stabilized: bool = True, terrain: Terrain | None = None,
                 uncertainty: Uncertainty | None = None, observers: list[Callable[[FrameResult], None]] | None = None,
                 max_frames: int | None = None, every_nth: int = 1, thumbnails: bool = True,
                 min_score: float = 0.3) -> None:
        self.source = source if hasattr(source, "read") else open_source(source)  # type: ignore[arg-type]
        self.detector = detector if hasattr(detector, "detect") else make_detector(detector)  # type: ignore[arg-type]
        self.camera = camera
        self.store = store
        self.stabilized, self.terrain, self.uncertainty = stabilized, terrain, uncertainty
        self.observers = list(observers or [])
        self.max_frames, self.every_nth, self.thumbnails = max_frames, max(1, every_nth), thumbnails
        self.min_score = min_score
        self._prev_gray: np.ndarray | None = None
        self.tracker = SightingTracker()
        if store is not None:
            self.tracker.load(store.sightings())
        self.grabber = FrameGrabber(self.source, pose_provider)
        self.stats = PipelineStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sighting_ids: set[int] = set()

    def add_observer(self, fn: Callable[[FrameResult], None]) -> None:
        self.observers.append(fn)

    def _camera_for(self, image: np.ndarray) -> Camera:
        h, w = image.shape[:2]
        cam = self.camera
        if cam is None or cam.image_width_px != w or cam.image_height_px != h:
            # the stream's resolution wins; keep the given field of view
            hfov = cam.hfov_deg if cam is not None else DEFAULT_HFOV_DEG
            cam = Camera.from_fov(hfov, w, h, name=cam.name if cam is not None else "default")
            self.camera = cam
        return cam

    def _image_shift(self, image: np.ndarray) -> tuple[float, float]:
        """How far the picture moved since the previous processed frame (pixels), so boxes can be
        followed while the drone flies: phase correlation of small grey copies."""
        h, w = image.shape[:2]
        f = 320.0 / w
        gray = cv2.cvtColor(cv2.resize(image, (320, max(1, int(h * f))), interpolation=cv2.INTER_AREA),
                            cv2.COLOR_BGR2GRAY).astype(np.float32)
        prev, self._prev_gray = self._prev_gray, gray
        if prev is None or prev.shape != gray.shape:
            return (0.0, 0.0)
        (dx, dy), response = cv2.phaseCorrelate(prev, gray)
        if response < 0.05:
            return (0.0, 0.0)
        return (dx / f, dy / f)

    def process(self, frame: Frame) -> FrameResult:
        """Detect, geolocate, merge and store one frame (the worker calls this; tests may too)."""
        t0 = time.time()
        cam = self._camera_for(frame.image)
        gsd = None
        if frame.pose is not None:
            slant = frame.pose.alt_agl_m / max(0.2, abs(np.sin(np.radians(frame.pose.gimbal_pitch))))
            gsd = slant / cam.focal_px
        boxes = [b for b in self.detector.detect(frame.image, gsd) if b.score >= self.min_score]
        shift = self._image_shift(frame.image)
        fixes: list[GroundFix | None] = []
        for b in boxes:
            fix = None
            if frame.pose is not None:
                cx, cy = b.center
                fix = locate(cam, frame.pose, cx, cy, stabilized=self.stabilized, terrain=self.terrain,
                             sigma=self.uncertainty)
            fixes.append(fix)
        assignments, changed = self.tracker.assign(boxes, fixes, frame.time, shift)
        source = frame.name or str(frame.index)
        dets = [Detection(frame.index, frame.time, source, b, f, frame.pose, a.track_id, a.sighting_id)
                for b, f, a in zip(boxes, fixes, assignments, strict=True)]
        best_ref = {a.sighting_id: -(k + 1) for k, a in enumerate(assignments) if a.best}
        sightings = [self.tracker.sighting(sid, best_ref.get(sid)) for sid in changed]
        if self.store is not None:
            thumbs = [thumbnail_jpeg(frame.image, b) if self.thumbnails else None for b in boxes]
            ids = self.store.write_frame(list(zip(dets, thumbs, strict=True)), sightings)
            dets = [Detection(d.frame_index, d.frame_time, d.source, d.box, d.fix, d.pose, d.track_id,
                              d.sighting_id, i) for d, i in zip(dets, ids, strict=True)]
            for sid, ref in best_ref.items():
                self.tracker.set_best_detection(sid, ids[-ref - 1])
            sightings = [self.tracker.sighting(sid) for sid in changed]
        done = time.time()
        self._sighting_ids.update(changed)
        st = self.stats
        st.frames_processed += 1
        st.detections += len(dets)
        st.sightings = len(self._sighting_ids)
        latency = done - frame.time if self.source.live else done - t0
        st.latencies.append(latency)
        result = FrameResult(frame, dets, sightings, latency, done - t0)
        for fn in self.observers:
            fn(result)
        return result

    def run(self) -> PipelineStats:
        """Process the source until it ends, ``max_frames`` are done, or :meth:`stop`; blocking."""
        self.stats.started = time.time()
        self.grabber.start()
        return self._work()

    def _work(self) -> PipelineStats:
        st = self.stats
        try:
            while not self._stop.is_set():
                frame = self.grabber.get(timeout=0.5)
                if frame is None:
                    if self.grabber.ended:
                        break
                    continue
                if frame.index % self.every_nth:
                    continue
                self.process(frame)
                if self.max_frames is not None and st.frames_processed >= self.max_frames:
                    break
        finally:
            self.grabber.stop()
            cs = self.grabber.stats()
            st.frames_read, st.frames_dropped, st.reconnects = cs.frames_read, cs.frames_dropped, cs.reconnects
            st.error = cs.error
            st.elapsed_s = time.time() - st.started
        return st

    def start(self) -> DetectionPipeline:
        """Run on a worker thread (the source is opened first, so a bad source raises here)."""
        self.stats.started = time.time()
        self.grabber.start()
        self._thread = threading.Thread(target=self._work, name="detection worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> PipelineStats:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        return self.stats

    def join(self, timeout: float | None = None) -> PipelineStats:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.stats
