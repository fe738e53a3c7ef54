"""Streaming the simulated camera like a drone does: H.264 in MPEG-TS over UDP, via ffmpeg.

The ground station then reads the simulated video through exactly the path it uses for a
real drone's video (OpenCV's FFmpeg backend on a ``udp://`` URL). Frames can carry their
number as a block barcode that survives compression, so a benchmark can measure the delay
from rendering to detection without trusting any clock on the receiving side.
"""

from __future__ import annotations

import shutil
import socket
import subprocess

import numpy as np

from search_patterns.errors import SargcError

STAMP_BITS = 24
STAMP_BLOCK = 16


def free_udp_port(host: str = "127.0.0.1") -> int:
    """An ephemeral UDP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def stamp_frame(img: np.ndarray, number: int) -> None:
    """Draw ``number`` (24 bits + 8-bit check) as black/white blocks along the top-left edge."""
    n = number & ((1 << STAMP_BITS) - 1)
    check = (n ^ (n >> 8) ^ (n >> 16) ^ 0xA5) & 0xFF
    word = (n << 8) | check
    b = STAMP_BLOCK
    for i in range(STAMP_BITS + 8):
        bit = (word >> (STAMP_BITS + 7 - i)) & 1
        img[0:b, i * b:(i + 1) * b] = 255 if bit else 0


def read_stamp(img: np.ndarray) -> int | None:
    """The number :func:`stamp_frame` drew, or ``None`` if the blocks do not check out."""
    b = STAMP_BLOCK
    if img.shape[0] < b or img.shape[1] < (STAMP_BITS + 8) * b:
        return None
    word = 0
    for i in range(STAMP_BITS + 8):
        v = float(img[b // 4: 3 * b // 4, i * b + b // 4:(i + 1) * b - b // 4].mean())
        word = (word << 1) | (1 if v > 127 else 0)
    n, check = word >> 8, word & 0xFF
    return n if check == ((n ^ (n >> 8) ^ (n >> 16) ^ 0xA5) & 0xFF) else None


class UdpH264Streamer:
    """Feeds BGR frames to an ffmpeg process that sends H.264/MPEG-TS to ``udp://host:port``."""

    def __init__(self, width: int, height: int, fps: float = 10.0, port: int | None = None,
                 host: str = "127.0.0.1", bitrate: str = "4M", gop: int | None = None) -> None:
        exe = shutil.which("ffmpeg")
        if exe is None:
            raise SargcError("ffmpeg is not installed (apt-get install ffmpeg, or `make sysdeps`)")
        self.width, self.height, self.fps = width, height, fps
        self.port = port or free_udp_port(host)
        self.url = f"udp://{host}:{self.port}"
        g = gop or max(1, int(round(fps)))  # a keyframe every second: a late receiver syncs quickly
        cmd = [exe, "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "bgr24",
               "-s", f"{width}x{height}", "-r", f"{fps}", "-i", "-",
               "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
               "-b:v", bitrate, "-g", str(g), "-bf", "0", "-threads", "1",
               "-f", "mpegts", "-muxdelay", "0", "-muxpreload", "0", "-flush_packets", "1", f"{self.url}?pkt_size=1316"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)

    def send(self, img: np.ndarray) -> None:
        if img.shape[:2] != (self.height, self.width):
            raise ValueError(f"frame is {img.shape[1]}x{img.shape[0]}, stream is {self.width}x{self.height}")
        if self.proc.poll() is not None:
            err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
            raise SargcError(f"ffmpeg streamer stopped: {err.strip()[:200]}")
        assert self.proc.stdin is not None
        self.proc.stdin.write(np.ascontiguousarray(img).tobytes())
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def __enter__(self) -> UdpH264Streamer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
