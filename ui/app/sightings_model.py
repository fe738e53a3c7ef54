"""Sightings and live video as seen by the GUI, without Qt.

``SightingsFeed`` owns the detection store on one worker thread: it re-reads the sightings a
few times a second and applies the reviewer's confirm / reject / note there, so SQLite never
runs on the GUI thread. ``VideoFeed`` keeps only the newest frame and its boxes; any thread may
push, the GUI pulls when it repaints.
"""

from __future__ import annotations

import importlib
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ui.app.models import MapMarker


@dataclass(frozen=True)
class SightingRow:
    """One line of the sighting list: the store's sighting plus its picture (JPEG/PNG bytes)."""

    id: int
    lat: float | None
    lon: float | None
    score: float
    time: float
    state: str
    note: str
    n_detections: int
    picture: bytes | None = None

    @property
    def key(self) -> str:
        return f"S{self.id}"

    def marker(self) -> MapMarker:
        return MapMarker(self.lat or 0.0, self.lon or 0.0, f"#{self.id} {self.score:.2f}", "sighting",
                         self.state, self.key)


def _store_class():
    return importlib.import_module("detection.store").SightingStore


def _picture(store: Any, sighting: Any) -> bytes | None:
    """The JPEG of the sighting's best detection (None when the store kept no picture)."""
    if sighting.best_detection_id is None:
        return None
    data = store.thumbnail(sighting.best_detection_id)
    return bytes(data) if data else None


def rows_from_store(store: Any, with_pictures: bool = True) -> list[SightingRow]:
    """Turn the store's sightings into rows, newest first."""
    rows = []
    for s in store.sightings():
        rows.append(SightingRow(s.id, s.lat, s.lon, float(s.score), float(s.last_time), s.state, s.note or "",
                                int(s.n_detections), _picture(store, s) if with_pictures else None))
    rows.sort(key=lambda r: r.time, reverse=True)
    return rows


def read_sightings(path: str | Path) -> list[SightingRow]:
    """Sightings in a detection store file (for the coordinator view)."""
    store = _store_class()(Path(path), readonly=True)
    try:
        return rows_from_store(store)
    finally:
        close = getattr(store, "close", None)
        if close:
            close()


class SightingsFeed:
    """Polls one detection store on its own thread and applies review actions in order."""

    def __init__(self, path: str | Path, interval_s: float = 0.3) -> None:
        self.path = Path(path)
        self.interval_s = interval_s
        self._actions: queue.Queue = queue.Queue()
        self._rows: list[SightingRow] | None = None
        self._version = 0
        self._seen = 0
        self._lock = threading.Lock()
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sightings", daemon=True)
        self._thread.start()

    def review(self, sighting_id: int, action: str, note: str | None = None) -> None:
        """Queue ``confirm`` / ``reject`` / ``note`` for a sighting."""
        if action not in ("confirm", "reject", "note", "reset"):
            raise ValueError(f"unknown review action {action!r}")
        self._actions.put((sighting_id, action, note))

    def latest(self) -> list[SightingRow] | None:
        """New rows since the last call, or None when nothing changed."""
        with self._lock:
            if self._version == self._seen:
                return None
            self._seen = self._version
            return list(self._rows or [])

    def _loop(self) -> None:
        store = None
        last: list[SightingRow] | None = None
        while not self._stop.is_set():
            try:
                if store is None:
                    store = _store_class()(self.path)
                self._apply(store)
                rows = rows_from_store(store)
                if rows != last:
                    last = rows
                    with self._lock:
                        self._rows = rows
                        self._version += 1
                self.error = None
            except Exception as exc:  # noqa: BLE001 - shown in the panel, retried
                self.error = str(exc)
            try:
                item = self._actions.get(timeout=self.interval_s)
                self._actions.put(item)
            except queue.Empty:
                pass
        if store is not None and hasattr(store, "close"):
            store.close()

    def _apply(self, store: Any) -> None:
        while True:
            try:
                sid, action, note = self._actions.get_nowait()
            except queue.Empty:
                return
            current = store.sighting(sid)
            state = {"confirm": "confirmed", "reject": "rejected", "reset": "new"}.get(action, current.state)
            store.review(sid, state, current.note if note is None else note)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


@dataclass(frozen=True)
class VideoFrame:
    """The newest picture with its detector boxes and when it was captured (time.time())."""

    image: np.ndarray
    boxes: tuple = ()
    captured: float = 0.0
    index: int = 0


class VideoFeed:
    """Keeps only the newest frame; counts frames for the fps readout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: VideoFrame | None = None
        self._version = 0
        self._seen = 0
        self._times: deque[float] = deque(maxlen=120)

    def push(self, image: np.ndarray, boxes=(), captured: float | None = None, index: int = 0) -> None:
        """Called from the capture / detection thread."""
        now = time.time()
        with self._lock:
            self._frame = VideoFrame(image, tuple(boxes), captured or now, index)
            self._version += 1
            self._times.append(now)

    def latest(self) -> VideoFrame | None:
        """The newest frame if it is new since the last call."""
        with self._lock:
            if self._version == self._seen:
                return None
            self._seen = self._version
            return self._frame

    def fps(self) -> float:
        with self._lock:
            t = list(self._times)
        if len(t) < 2 or t[-1] - t[0] <= 0:
            return 0.0
        return (len(t) - 1) / (t[-1] - t[0])
