"""Video in: files, folders, and the simulated camera streamed as H.264 over UDP like a drone."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from detection.capture import FrameGrabber
from detection.sources import open_source
from search_patterns.errors import InputError
from sitl.camera.stream import UdpH264Streamer, free_udp_port, read_stamp, stamp_frame

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed (make sysdeps)")
W, H = 640, 360


def _numbered(n: int) -> np.ndarray:
    img = np.full((H, W, 3), (60, 120, 80), np.uint8)
    stamp_frame(img, n)
    return img


class Sender:
    """Streams numbered frames at a fixed rate until stopped, like a drone's video link."""

    def __init__(self, fps: float = 25.0, port: int | None = None) -> None:
        self.streamer = UdpH264Streamer(W, H, fps=fps, port=port)
        self.sent: dict[int, float] = {}
        self.fps = fps
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        n = 0
        next_t = time.monotonic()
        while not self._stop.is_set():
            self.sent[n] = time.time()
            self.streamer.send(_numbered(n))
            n += 1
            next_t += 1.0 / self.fps
            time.sleep(max(0.0, next_t - time.monotonic()))

    def stop(self) -> None:
        self._stop.set()
        self._t.join(5)
        self.streamer.close()


@needs_ffmpeg
def test_udp_stream_is_read_newest_frame_first_and_stale_frames_are_dropped() -> None:
    sender = Sender(fps=25)
    try:
        grabber = FrameGrabber(open_source(sender.streamer.url)).start()
        try:
            first = grabber.get(timeout=15)
            assert first is not None and read_stamp(first.image) is not None
            numbers, delays = [], []
            for _ in range(6):
                time.sleep(0.4)  # a slow detector: ten frames arrive meanwhile
                f = grabber.get(timeout=5)
                assert f is not None
                n = read_stamp(f.image)
                assert n is not None
                numbers.append(n)
                delays.append(time.time() - sender.sent[n])
            stats = grabber.stats()
        finally:
            grabber.stop()
    finally:
        sender.stop()
    assert numbers == sorted(numbers) and numbers[-1] - numbers[0] >= 5 * 8  # it kept up with the sender
    assert stats.frames_dropped >= 30  # the stale frames were dropped, not queued
    assert max(delays) < 1.5, f"delays {delays}"  # and the picture stayed current
    assert first.image.shape == (H, W, 3)


@needs_ffmpeg
def test_a_dropped_stream_is_reopened_when_the_video_comes_back() -> None:
    port = free_udp_port()
    sender = Sender(fps=25, port=port)
    grabber = FrameGrabber(open_source(f"udp://127.0.0.1:{port}")).start()
    try:
        assert grabber.get(timeout=15) is not None
        sender.stop()  # the link drops ...
        time.sleep(3.0)
        sender = Sender(fps=25, port=port)  # ... and comes back
        deadline = time.time() + 25
        fresh = None
        while time.time() < deadline:
            f = grabber.get(timeout=1)
            if f is not None and read_stamp(f.image) is not None and grabber.stats().reconnects >= 1:
                fresh = f
                break
        assert fresh is not None, grabber.stats()
    finally:
        grabber.stop()
        sender.stop()


def test_a_video_file_is_read_frame_by_frame_without_drops(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (W, H))
    for n in range(12):
        vw.write(_numbered(n))
    vw.release()
    grabber = FrameGrabber(open_source(str(path), start_time=1000.0)).start()
    frames = []
    while True:
        f = grabber.get(timeout=5)
        if f is None:
            break
        time.sleep(0.01)  # slower than the file: nothing may be dropped
        frames.append(f)
    assert [read_stamp(f.image) for f in frames] == list(range(12))
    assert grabber.stats().frames_dropped == 0
    assert frames[5].time == pytest.approx(1000.5, abs=0.01)  # capture time from the frame position


def test_a_folder_of_images_is_read_in_name_order_with_file_names(tmp_path: Path) -> None:
    for n in (2, 0, 1):
        cv2.imwrite(str(tmp_path / f"img_{n}.png"), _numbered(n))
    (tmp_path / "notes.txt").write_text("not an image")
    grabber = FrameGrabber(open_source(str(tmp_path))).start()
    got = []
    while (f := grabber.get(timeout=5)) is not None:
        got.append((f.name, read_stamp(f.image)))
    assert got == [("img_0.png", 0), ("img_1.png", 1), ("img_2.png", 2)]


def test_missing_or_empty_sources_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        open_source(str(tmp_path / "nope.mp4"))
    with pytest.raises(InputError, match="no images"):
        open_source(str(tmp_path)).open()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"this is not a video")
    with pytest.raises(InputError, match="cannot open video"):
        open_source(str(bad)).open()
    with pytest.raises(InputError, match="RTSP transport"):
        open_source("rtsp://127.0.0.1:8554/cam", rtsp_transport="sctp")
