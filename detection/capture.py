"""The capture thread: reads a source continuously and hands over only the newest frame.

Why: a detector slower than the camera must not build up a queue, or the picture on screen
and the sightings on the map fall further behind with every minute of flight. So capture runs
on its own thread, the consumer always gets the newest frame, and older unread frames are
dropped and counted. For files (not live) nothing is dropped: the reader waits for the
consumer instead. Live streams that drop are reopened with a back-off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from detection.sources import VideoSource
from detection.types import Frame
from search_patterns.errors import SargcError
from search_patterns.pose import Pose

PoseProvider = Callable[[float], "Pose | None"]


@dataclass(frozen=True)
class CaptureStats:
    frames_read: int
    frames_dropped: int
    reconnects: int
    ended: bool
    error: str


class FrameGrabber:
    """Runs a source on a thread; :meth:`get` returns the newest frame not yet handed out."""

    def __init__(self, source: VideoSource, pose_provider: PoseProvider | None = None, *,
                 reconnect: bool = True, max_backoff_s: float = 5.0) -> None:
        self.source = source
        self.pose_provider = pose_provider
        self.reconnect = reconnect and source.live
        self.max_backoff_s = max_backoff_s
        self._cond = threading.Condition()
        self._slot: Frame | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._read = self._dropped = self._reconnects = 0
        self._ended = False
        self._error = ""
        self._index = 0

    def start(self) -> FrameGrabber:
        """Open the source (errors surface here, in the caller's thread) and start reading."""
        self.source.open()
        self._thread = threading.Thread(target=self._loop, name=f"capture {self.source.name}", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        backoff = 0.2
        opened = True
        try:
            while not self._stop.is_set():
                if not opened:
                    try:
                        self.source.open()
                        opened = True
                        self._reconnects += 1
                        backoff = 0.2
                    except SargcError as exc:
                        self._error = str(exc)
                        self._stop.wait(backoff)
                        backoff = min(self.max_backoff_s, backoff * 2)
                        continue
                got = self.source.read()
                if got is None:
                    if self.reconnect and not self._stop.is_set():
                        self.source.close()
                        opened = False
                        self._error = "stream dropped; reopening"
                        continue
                    break
                img, t, pose, name = got
                if pose is None and self.pose_provider is not None:
                    pose = self.pose_provider(t)
                frame = Frame(img, self._index, t, pose, name)
                self._index += 1
                self._read += 1
                with self._cond:
                    if self.source.live:
                        if self._slot is not None:
                            self._dropped += 1
                    else:
                        while self._slot is not None and not self._stop.is_set():
                            self._cond.wait(0.1)
                    self._slot = frame
                    self._cond.notify_all()
        except Exception as exc:  # a broken source must not take the application down
            self._error = f"{type(exc).__name__}: {exc}"
        finally:
            self.source.close()
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def get(self, timeout: float | None = None) -> Frame | None:
        """The newest unread frame; waits up to ``timeout`` s. ``None`` on timeout or at the end."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._slot is None and not self._ended:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining if remaining is not None else 0.5)
            frame, self._slot = self._slot, None
            self._cond.notify_all()
            return frame

    @property
    def ended(self) -> bool:
        with self._cond:
            return self._ended and self._slot is None

    def stats(self) -> CaptureStats:
        return CaptureStats(self._read, self._dropped, self._reconnects, self._ended, self._error)

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
