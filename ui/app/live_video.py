"""Live eyes for the desktop app: a video source joined to detection, the store and the video panel.

This is where ``sitl`` (the simulated camera), ``detection`` (pipeline and store) and
``groundcontrol`` (vehicle poses) meet, which is why it lives in ``ui``. No Qt here: frames are
rendered and detected on worker threads; the video panel only pulls the newest frame from the
``VideoFeed`` and the sighting list reads the store on its own thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from detection.pipeline import DetectionPipeline
from detection.store import SightingStore
from detection.types import Frame
from search_patterns.camera import Camera
from search_patterns.pose import Pose
from ui.app.sightings_model import VideoFeed
from ui.mission.camera_feed import TelemetryCamera

# a light preview camera: 69° across, 640x360, so rendering + detection keep up on a laptop
SIM_CAMERA = Camera.from_fov(69.0, 640, 360, name="simulated 640x360")

PoseSource = Callable[[], dict[str, Pose | None]]


class _Sink:
    """TelemetryCamera's sink: detect and store each frame, show it with its boxes."""

    def __init__(self, pipeline: DetectionPipeline, feed: VideoFeed) -> None:
        self.pipeline, self.feed = pipeline, feed
        self.frames = 0

    def process(self, image, pose: Pose, t: float, vehicle: str, index: int) -> None:
        result = self.pipeline.process(Frame(image, index, t, pose, name=vehicle))
        self.frames += 1
        self.feed.push(image, [d.box for d in result.detections], captured=time.time(), index=index)


class LiveDetection:
    """Runs the simulated camera (or a video stream) through detection into ``store_path``.

    ``poses()`` returns the current camera pose of each vehicle (from telemetry); it is polled
    at ``poll_hz`` on a driver thread, and a frame is taken every ``frame_every_m`` metres.
    """

    def __init__(self, store_path: str | Path, feed: VideoFeed, *, detector: str = "rx",
                 camera: Camera = SIM_CAMERA) -> None:
        self.store = SightingStore(store_path)
        self.feed = feed
        self.camera = camera
        self.detector = detector
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._feeder: TelemetryCamera | None = None
        self._pipeline: DetectionPipeline | None = None
        self.errors: list[str] = []

    def start_simulated(self, scene, poses: PoseSource, *, frame_every_m: float = 12.0,
                        poll_hz: float = 10.0) -> None:
        """Render ``scene`` (a ``sitl.scene.Scene``) from each vehicle's reported pose."""
        from sitl.sim_camera import SimCamera

        sim = SimCamera(scene, self.camera)
        # process() is driven by the TelemetryCamera worker; the pipeline's own source is never started
        self._pipeline = DetectionPipeline(lambda: None, self.detector, camera=self.camera, store=self.store)
        sink = _Sink(self._pipeline, self.feed)
        self._feeder = TelemetryCamera(lambda pose: sim.render(pose)[0], sink, frame_every_m=frame_every_m,
                                       on_error=self.errors.append)

        def drive() -> None:
            while not self._stop.wait(1.0 / poll_hz):
                now = time.time()
                for key, pose in poses().items():
                    self._feeder.offer(key, pose, now)

        t = threading.Thread(target=drive, name="sim-camera-driver", daemon=True)
        t.start()
        self._threads.append(t)

    def start_stream(self, spec: str, pose: Callable[[float], Pose | None] | None = None) -> None:
        """Detect on a real stream / file / device (``rtsp://…``, ``udp://…``, ``video.mp4``, ``0``)."""
        self._pipeline = DetectionPipeline(spec, self.detector, pose_provider=pose, store=self.store,
                                           observers=[lambda r: self.feed.push(
                                               r.frame.image, [d.box for d in r.detections], index=r.frame.index)])
        self._pipeline.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        if self._feeder is not None:
            self._feeder.close(timeout=10)
        if self._pipeline is not None:
            self._pipeline.stop()
        self.store.close()
