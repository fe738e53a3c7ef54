"""The simulated payload camera, driven by telemetry, feeding the detection pipeline.

Why from telemetry: the ground station must treat the built-in simulator, ArduPilot SITL and
a real drone alike. The camera here knows nothing about the simulator: it places itself
where the vehicle *says* it is (GLOBAL_POSITION_INT, ATTITUDE from the vehicle snapshot), so
a link blackout also blinds it, as it would blind a pilot's video.

Why triggered by distance: detection on a 2-core laptop is slower than a sped-up simulator
flies. Like a survey camera with a distance trigger, a frame is taken every
``frame_every_m`` metres of track; frames queue up and the worker catches up after landing,
so no ground is skipped however loaded the machine is. Frames carry mission time, so
sightings say when (in flight) the subject was seen, not when the CPU got to it.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from search_patterns.geo import haversine_m
from search_patterns.pose import Pose

MIN_ALT_M = 5.0  # below this the camera is on its way up or down, not searching


class FrameSink(Protocol):
    """Where rendered frames go (the detection pipeline)."""

    def process(self, image: Any, pose: Pose, t: float, vehicle: str, index: int) -> None: ...


def pose_from_snapshot(snap: Any, t: float, gimbal_pitch: float = -90.0) -> Pose | None:
    """A camera pose from a vehicle snapshot, or None when it has no usable position yet.

    Height above ground is the vehicle's altitude relative to home (no terrain model).
    """
    if snap is None or getattr(snap, "lat", None) is None or getattr(snap, "lon", None) is None:
        return None
    if (snap.lat, snap.lon) == (0.0, 0.0) or snap.alt_rel is None:
        return None
    yaw = snap.yaw if snap.yaw is not None else (snap.heading or 0.0)
    return Pose(lat=float(snap.lat), lon=float(snap.lon), alt_agl_m=float(snap.alt_rel),
                roll=float(snap.roll or 0.0), pitch=float(snap.pitch or 0.0), yaw=float(yaw) % 360.0,
                gimbal_pitch=gimbal_pitch, gimbal_yaw=0.0, time=t)


@dataclass
class FeedStats:
    offered: int = 0
    queued: int = 0
    processed: int = 0
    errors: int = 0
    max_backlog: int = 0
    busy_s: float = 0.0  # render + detection time, for the bench
    last_error: str = ""


class TelemetryCamera:
    """Takes a simulated picture every ``frame_every_m`` metres the vehicle reports flying.

    ``render(pose) -> image`` is the simulated camera; ``sink`` gets each rendered frame on a
    worker thread. :meth:`offer` is cheap and called from the flight loop; :meth:`close`
    waits until every queued frame has been through detection.
    """

    def __init__(self, render: Callable[[Pose], Any], sink: FrameSink, *, frame_every_m: float,
                 min_alt_m: float = MIN_ALT_M, on_error: Callable[[str], None] | None = None) -> None:
        self._render = render
        self._sink = sink
        self.frame_every_m = frame_every_m
        self.min_alt_m = min_alt_m
        self._on_error = on_error
        self._last: dict[str, Pose] = {}
        self._q: queue.Queue[tuple[str, Pose, float, int] | None] = queue.Queue()
        self._index = 0
        self.stats = FeedStats()
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, name="sim-camera", daemon=True)
        self._worker.start()

    def offer(self, vehicle: str, pose: Pose | None, t: float) -> bool:
        """Consider a new pose of ``vehicle``; queue a frame when it has moved far enough."""
        if pose is None:
            return False
        self.stats.offered += 1
        if pose.alt_agl_m < self.min_alt_m:
            return False
        last = self._last.get(vehicle)
        if last is not None:
            moved = haversine_m(last.lat, last.lon, pose.lat, pose.lon)
            turned = abs(((pose.yaw - last.yaw) + 180) % 360 - 180)
            if moved < self.frame_every_m and not (turned > 30 and moved > self.frame_every_m / 3):
                return False
        self._last[vehicle] = pose
        with self._lock:
            self._index += 1
            idx = self._index
        self._q.put((vehicle, pose, t, idx))
        self.stats.queued += 1
        self.stats.max_backlog = max(self.stats.max_backlog, self._q.qsize())
        return True

    @property
    def backlog(self) -> int:
        return self._q.qsize()

    def _work(self) -> None:
        while True:
            item = self._q.get()
            if item is None:
                return
            vehicle, pose, t, idx = item
            started = time.perf_counter()
            try:
                image = self._render(pose)
                self._sink.process(image, pose, t, vehicle, idx)
                self.stats.processed += 1
            except Exception as exc:  # a bad frame must not stop the search; it is counted and reported
                self.stats.errors += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                if self._on_error:
                    self._on_error(self.stats.last_error)
            finally:
                self.stats.busy_s += time.perf_counter() - started

    def close(self, timeout: float | None = None) -> None:
        """Finish every queued frame, then stop the worker."""
        self._q.put(None)
        self._worker.join(timeout)


def track_length_m(points: list[tuple[float, float]]) -> float:
    """Length of a (lat, lon) polyline in metres."""
    return float(sum(haversine_m(a[0], a[1], b[0], b[1]) for a, b in zip(points, points[1:], strict=False)))
