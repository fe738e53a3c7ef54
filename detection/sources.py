"""Where frames come from: a video file, a folder of images, a camera device, a network stream
(``udp://``, ``rtsp://``, ``http(s)://``, ``tcp://``, ``srt://``) or an in-process callable.

Network streams go through OpenCV's FFmpeg backend with low-latency options (no input
buffering, no B-frame reordering queue) and are reopened after they drop, because a drone's
video link comes and goes. Each source says whether it is ``live``: a live source is read as
fast as it arrives and stale frames are dropped; a file is read frame by frame at the pace of
the detector, so offline processing sees every frame.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from search_patterns.errors import InputError
from search_patterns.pose import Pose

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
STREAM_SCHEMES = ("udp://", "rtsp://", "rtsps://", "rtp://", "tcp://", "http://", "https://", "srt://")

#: One frame read from a source: pixels, capture time, pose when the source knows it, and a name.
Read = tuple[np.ndarray, float, "Pose | None", str]

_env_lock = threading.Lock()


class VideoSource(Protocol):
    """Something frames are read from. ``read`` returns ``None`` at the end (files) or when the
    stream has dropped; live sources may then be reopened."""

    name: str
    live: bool

    def open(self) -> None: ...

    def read(self) -> Read | None: ...

    def close(self) -> None: ...


def ffmpeg_options(url: str, rtsp_transport: str = "tcp") -> str:
    """OpenCV FFmpeg capture options (``key;value|key;value``) for a low-latency stream."""
    opts = ["fflags;nobuffer", "flags;low_delay", "reorder_queue_size;0", "max_delay;0",
            "probesize;500000", "analyzeduration;1000000"]
    if url.startswith(("rtsp://", "rtsps://")):
        opts.append(f"rtsp_transport;{rtsp_transport}")
        opts.append("stimeout;5000000")
    return "|".join(opts)


class CaptureSource:
    """A file, device or stream read with ``cv2.VideoCapture``."""

    def __init__(self, target: str | int, *, live: bool, start_time: float | None = None,
                 rtsp_transport: str = "tcp", open_timeout_s: float = 10.0, read_timeout_s: float = 2.0) -> None:
        self.target = target
        self.live = live
        self.name = str(target)
        self.start_time = start_time
        self.rtsp_transport = rtsp_transport
        self.open_timeout_s, self.read_timeout_s = open_timeout_s, read_timeout_s
        self.cap: cv2.VideoCapture | None = None
        self.fps = 0.0
        self._index = 0

    def open(self) -> None:
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(self.open_timeout_s * 1000),
                  cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(self.read_timeout_s * 1000),
                  cv2.CAP_PROP_N_THREADS, 1]  # frame-threaded decoding would add frames of delay
        if isinstance(self.target, int):
            cap = cv2.VideoCapture(self.target)
        elif self.target.startswith(STREAM_SCHEMES):
            with _env_lock:  # the option is read from the environment when the capture opens
                old = os.environ.get("OPENCV_FFMPEG_CAPTURE_OPTIONS")
                os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = ffmpeg_options(self.target, self.rtsp_transport)
                try:
                    cap = cv2.VideoCapture(self.target, cv2.CAP_FFMPEG, params)
                finally:
                    if old is None:
                        os.environ.pop("OPENCV_FFMPEG_CAPTURE_OPTIONS", None)
                    else:
                        os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = old
        else:
            cap = cv2.VideoCapture(self.target, cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise InputError("cannot open video (not a video file, or the stream is not sending)",
                             where=self.name)
        self.cap = cap
        self.fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if self.start_time is None:
            self.start_time = time.time()

    def read(self) -> Read | None:
        if self.cap is None:
            return None
        ok, img = self.cap.read()
        if not ok or img is None:
            return None
        idx = self._index
        self._index += 1
        if self.live:
            t = time.time()
        else:
            pos = self.cap.get(cv2.CAP_PROP_POS_MSEC)
            t = (self.start_time or 0.0) + (pos / 1000.0 if pos and pos > 0 else idx / (self.fps or 30.0))
        return img, t, None, str(idx)

    def close(self) -> None:
        if self.cap is not None:
            self.cap.release()
            self.cap = None


class FolderSource:
    """Still images in a folder, in name order; each frame is named after its file."""

    live = False

    def __init__(self, folder: str | Path, *, start_time: float = 0.0, interval_s: float = 1.0,
                 only: Path | None = None) -> None:
        self.folder = Path(folder)
        self.only = only
        self.name = str(only or folder)
        self.start_time, self.interval_s = start_time, interval_s
        self.files: list[Path] = []
        self._i = 0

    def open(self) -> None:
        if self.only is not None:
            self.files = [self.only]
        else:
            self.files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.files:
            raise InputError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in the folder", where=self.name)
        self._i = 0

    def read(self) -> Read | None:
        while self._i < len(self.files):
            p = self.files[self._i]
            i = self._i
            self._i += 1
            img = cv2.imread(str(p), cv2.IMREAD_COLOR)
            if img is not None:
                return img, self.start_time + i * self.interval_s, None, p.name
        return None

    def close(self) -> None:
        self.files = []


class CallableSource:
    """Frames from a function (the simulated camera in-process): it returns an image, or
    ``(image, pose)``, or ``None`` at the end."""

    def __init__(self, fn: Callable[[], Any], *, live: bool = False, name: str = "callable") -> None:
        self.fn, self.live, self.name = fn, live, name
        self._i = 0

    def open(self) -> None:
        self._i = 0

    def read(self) -> Read | None:
        got = self.fn()
        if got is None:
            return None
        pose = None
        if isinstance(got, tuple):
            img, pose = got[0], got[1]
        else:
            img = got
        i = self._i
        self._i += 1
        t = pose.time if pose is not None and pose.time else time.time()
        return img, t, pose, str(i)

    def close(self) -> None:
        pass


def open_source(spec: str | int | Path | Callable[[], Any], *, live: bool | None = None,
                rtsp_transport: str = "tcp", start_time: float | None = None,
                interval_s: float = 1.0) -> VideoSource:
    """A source for a path, a device number, a stream URL or a callable (not yet opened).

    >>> open_source("udp://127.0.0.1:5600").live
    True
    """
    if callable(spec):
        return CallableSource(spec, live=bool(live))
    if rtsp_transport not in ("tcp", "udp"):
        raise InputError(f"RTSP transport must be tcp or udp, got {rtsp_transport!r}", where="--rtsp-transport")
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CaptureSource(int(spec), live=True if live is None else live)
    text = str(spec)
    if text.startswith(STREAM_SCHEMES):
        return CaptureSource(text, live=True if live is None else live, rtsp_transport=rtsp_transport)
    path = Path(text)
    if path.is_dir():
        return FolderSource(path, start_time=start_time or 0.0, interval_s=interval_s)
    if path.is_file():
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return FolderSource(path.parent, start_time=start_time or 0.0, interval_s=interval_s, only=path)
        return CaptureSource(text, live=bool(live), start_time=start_time if start_time is not None else 0.0)
    raise InputError("no such file, folder, device or stream URL "
                     "(streams start with udp://, rtsp://, tcp://, http://)", where=text)
