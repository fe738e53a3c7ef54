"""The simulated camera's video over a real video link: H.264 over UDP, read back like a drone's.

With ``sargc mission --video udp`` every frame the telemetry camera takes goes through ffmpeg
(H.264 in MPEG-TS over UDP, ``sitl.camera.stream``) and is read back by the same OpenCV/FFmpeg
stream reader ``sargc detect udp://…`` uses for a real drone (``detection.sources``), then
detected. Compression, decoding and the stream reader are then part of every training run.

Like a drone's, the stream never stops: between pictures it carries a plain frame at a few
frames per second, so the reader can open it before the drone is in the air. Each picture
carries its frame number as a block barcode in its top rows (``stamp_frame``); the reader
matches it to the telemetry pose the picture was rendered from (a sped-up simulator moves tens
of metres during the stream's delay, so times cannot be matched) and wipes the barcode before
detection. Sending waits until the reader has the frame (re-sending it if its number did not
come through), so no picture is lost to a slow decoder.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from search_patterns.pose import Pose

IDLE_FPS = 4.0  # plain frames between pictures
FLUSH_FPS = 30.0  # while a picture is on its way: the reader's demuxer passes a frame on once more follow
FRAME_TIMEOUT_S = 5.0
RESEND_S = 0.5
OPEN_TIMEOUT_S = 20.0


class UdpVideoLink:
    """A :class:`~ui.mission.camera_feed.FrameSink` that sends frames over UDP video to ``inner``."""

    def __init__(self, inner: Any, width: int, height: int) -> None:
        from detection.sources import CaptureSource
        from sitl.camera.stream import UdpH264Streamer

        self.inner = inner
        self.width, self.height = width, height
        self.streamer = UdpH264Streamer(width, height, fps=10.0)
        self.url = self.streamer.url
        self._pending: dict[int, tuple[Pose, float, str]] = {}
        self._cond = threading.Condition()
        self._send_lock = threading.Lock()
        self._last_send = 0.0
        self._stop = threading.Event()
        self._opened = threading.Event()
        self.received = 0
        self.lost = 0
        self.resent = 0
        self.error: str | None = None
        self._idle = np.full((height, width, 3), 90, np.uint8)
        self._source = CaptureSource(self.url, live=True, open_timeout_s=OPEN_TIMEOUT_S, read_timeout_s=2.0)
        self._idle_thread = threading.Thread(target=self._idle_loop, name="video-idle", daemon=True)
        self._rx_thread = threading.Thread(target=self._receive, name="video-rx", daemon=True)
        self._idle_thread.start()
        self._rx_thread.start()

    # -- sending -------------------------------------------------------------------------------
    def _send(self, img: np.ndarray) -> None:
        with self._send_lock:
            self.streamer.send(img)
            self._last_send = time.monotonic()

    def _idle_loop(self) -> None:
        while not self._stop.wait(1.0 / FLUSH_FPS):
            period = 1.0 / (FLUSH_FPS if self._pending else IDLE_FPS)
            if time.monotonic() - self._last_send >= period:
                try:
                    self._send(self._idle)
                except Exception as exc:  # ffmpeg gone: the next picture reports it
                    self.error = str(exc)
                    return

    def process(self, image: Any, pose: Pose, t: float, vehicle: str, index: int) -> None:
        """Send one picture and wait until the reader has passed it to detection."""
        from sitl.camera.stream import stamp_frame

        if not self._opened.wait(OPEN_TIMEOUT_S):
            raise RuntimeError(self.error or f"video stream {self.url} did not open")
        img = np.ascontiguousarray(image).copy()
        stamp_frame(img, index)
        with self._cond:
            self._pending[index] = (pose, t, vehicle)
        self._send(img)
        deadline = time.monotonic() + FRAME_TIMEOUT_S
        resend_at = time.monotonic() + RESEND_S
        with self._cond:
            while index in self._pending and time.monotonic() < deadline and not self._stop.is_set():
                self._cond.wait(0.05)
                if index in self._pending and time.monotonic() >= resend_at:
                    # a picture right after a long still scene can come out too blurred to read its
                    # number; the encoder has it as a reference now, so the copy comes out sharp
                    self._cond.release()
                    try:
                        self._send(img)
                        self.resent += 1
                    finally:
                        self._cond.acquire()
                    resend_at = time.monotonic() + RESEND_S
            if self._pending.pop(index, None) is not None:
                self.lost += 1

    # -- receiving -----------------------------------------------------------------------------
    def _receive(self) -> None:
        from sitl.camera.stream import STAMP_BLOCK, read_stamp

        try:
            self._source.open()
        except Exception as exc:
            self.error = f"video stream {self.url} did not open: {exc}"
            return
        self._opened.set()
        try:
            while not self._stop.is_set():
                r = self._source.read()
                if r is None:
                    continue
                img = r[0]
                n = read_stamp(img)
                if n is None:
                    continue  # a plain frame between pictures
                with self._cond:
                    entry = self._pending.get(n)
                if entry is None:
                    continue  # a repeat, or a picture given up on
                pose, t, vehicle = entry
                img[:STAMP_BLOCK] = img[STAMP_BLOCK:STAMP_BLOCK + 1]  # wipe the barcode
                try:
                    self.inner.process(img, pose, t, vehicle, n)
                    self.received += 1
                finally:
                    with self._cond:
                        self._pending.pop(n, None)
                        self._cond.notify_all()
        finally:
            self._source.close()

    def close(self) -> None:
        """Stop the stream and the reader (call after the last picture was processed)."""
        self._stop.set()
        self._idle_thread.join(2)
        with self._cond:
            self._cond.notify_all()
        self.streamer.close()
        self._rx_thread.join(10)
