"""The sound of a new sighting: a short two-tone chime, loud enough for a pilot looking away.

The chime is generated once (no sound files to ship) into the user's cache folder and played
with QtMultimedia where it exists; otherwise, or on a screenless test run, the system beep.
"""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import platformdirs
from PyQt6.QtWidgets import QApplication

from search_patterns.atomic import write_atomic

RATE = 22050


def chime_wav(tones: tuple[float, ...] = (880.0, 660.0, 880.0), tone_s: float = 0.18) -> bytes:
    """A mono 16-bit WAV of short tones with soft edges (no clicks)."""
    frames = bytearray()
    n = int(RATE * tone_s)
    for f in tones:
        for i in range(n):
            edge = min(1.0, i / 200, (n - i) / 200)
            frames += struct.pack("<h", int(0.6 * 32767 * edge * math.sin(2 * math.pi * f * i / RATE)))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return buf.getvalue()


class AlertSound:
    """``play()`` the chime; never raises (no audio device is normal on a field laptop's dock)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir or Path(platformdirs.user_cache_dir("sargc", appauthor=False))
        self._effect = None
        self.played = 0

    def _load(self):
        app = QApplication.instance()
        if app is None or app.platformName() in ("offscreen", "minimal"):
            return None
        try:
            from PyQt6.QtCore import QUrl
            from PyQt6.QtMultimedia import QMediaDevices, QSoundEffect
        except ImportError:
            return None
        if not QMediaDevices.audioOutputs():
            return None  # no speaker: the system beep is all there is
        path = self.cache_dir / "sighting-chime.wav"
        if not path.exists():
            write_atomic(path, chime_wav())
        effect = QSoundEffect()
        effect.setSource(QUrl.fromLocalFile(str(path)))
        effect.setVolume(1.0)
        return effect

    def play(self) -> None:
        self.played += 1
        try:
            if self._effect is None:
                self._effect = self._load() or False
            if self._effect:
                self._effect.play()
                return
        except (OSError, RuntimeError):
            self._effect = False
        QApplication.beep()
