"""The sightings store: one SQLite file (WAL) in the mission folder, ``detections.sqlite``.

Why SQLite in WAL mode with a commit per frame: the laptop may be killed or lose power in the
field, and every sighting that was reported must still be there afterwards, with its picture.
A committed transaction in WAL survives a killed process; ``synchronous=FULL`` also makes it
survive a power cut. Readers (the desktop app, a report) open the same file from other
threads or processes without blocking the writer.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from detection.types import Box, Detection, GroundFix, Sighting
from search_patterns.errors import InputError
from search_patterns.pose import Pose

FILENAME = "detections.sqlite"
REVIEW_STATES = ("new", "confirmed", "rejected")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS sightings (
  id INTEGER PRIMARY KEY,
  lat REAL, lon REAL, error_m REAL,
  score REAL NOT NULL,
  n_detections INTEGER NOT NULL,
  first_time REAL NOT NULL, last_time REAL NOT NULL,
  best_detection_id INTEGER,
  detectors TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'confirmed', 'rejected')),
  note TEXT NOT NULL DEFAULT '',
  reviewed_at REAL
);
CREATE TABLE IF NOT EXISTS detections (
  id INTEGER PRIMARY KEY,
  sighting_id INTEGER REFERENCES sightings(id),
  track_id INTEGER,
  time REAL NOT NULL, frame_index INTEGER NOT NULL, source TEXT NOT NULL,
  x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,
  score REAL NOT NULL, detector TEXT NOT NULL, label TEXT NOT NULL,
  lat REAL, lon REAL, error_m REAL, range_m REAL,
  pose_lat REAL, pose_lon REAL, pose_alt REAL, roll REAL, pitch REAL, yaw REAL,
  gimbal_pitch REAL, gimbal_yaw REAL,
  thumbnail BLOB
);
CREATE INDEX IF NOT EXISTS detections_sighting ON detections(sighting_id);
"""


def _row_to_sighting(r: sqlite3.Row) -> Sighting:
    return Sighting(r["id"], r["lat"], r["lon"], r["error_m"], r["score"], r["n_detections"], r["first_time"],
                    r["last_time"], r["best_detection_id"], r["state"], r["note"], r["reviewed_at"],
                    tuple(d for d in r["detectors"].split(",") if d))


def _row_to_detection(r: sqlite3.Row) -> Detection:
    fix = GroundFix(r["lat"], r["lon"], r["error_m"], r["range_m"]) if r["lat"] is not None else None
    pose = None
    if r["pose_lat"] is not None:
        pose = Pose(r["pose_lat"], r["pose_lon"], r["pose_alt"], r["roll"], r["pitch"], r["yaw"],
                    r["gimbal_pitch"], r["gimbal_yaw"], r["time"])
    box = Box(r["x"], r["y"], r["w"], r["h"], r["score"], r["detector"], r["label"])
    return Detection(r["frame_index"], r["time"], r["source"], box, fix, pose, r["track_id"], r["sighting_id"],
                     r["id"])


class SightingStore:
    """Detections and sightings of one mission. Open it on a mission folder or a ``.sqlite`` path.

    One object may be shared by threads (calls are serialised); other processes open their own.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        p = Path(path)
        if p.is_dir() or (not p.suffix and not p.exists()):
            p = p / FILENAME
        self.path = p
        if readonly:
            if not p.exists():
                raise InputError("no detections store here", where=str(p))
            self._db = sqlite3.connect(f"file:{p}?mode=ro", uri=True, check_same_thread=False, timeout=10)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(p), check_same_thread=False, timeout=10, isolation_level=None)
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.executescript(_SCHEMA)
            except sqlite3.DatabaseError as exc:
                self._db.close()
                raise InputError(f"not a detections store ({exc})", where=str(p)) from exc
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SightingStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------
    def write_frame(self, detections: Iterable[tuple[Detection, bytes | None]],
                    sightings: Iterable[Sighting]) -> list[int]:
        """Store one frame's detections (with JPEG thumbnails) and the sightings they changed, in
        one transaction: after it returns, all of it survives a crash. Returns the detection ids.

        A sighting's ``best_detection_id`` may be given as ``-(k + 1)`` to point at the k-th
        detection of this call (its id is not known before the insert).
        """
        ids: list[int] = []
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                for det, jpeg in detections:
                    b, f, p = det.box, det.fix, det.pose
                    cur.execute(
                        "INSERT INTO detections (sighting_id, track_id, time, frame_index, source, x, y, w, h, score,"
                        " detector, label, lat, lon, error_m, range_m, pose_lat, pose_lon, pose_alt, roll, pitch,"
                        " yaw, gimbal_pitch, gimbal_yaw, thumbnail)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (det.sighting_id, det.track_id, det.frame_time, det.frame_index, det.source,
                         b.x, b.y, b.w, b.h, b.score, b.detector, b.label,
                         f.lat if f else None, f.lon if f else None, f.error_m if f else None,
                         f.range_m if f else None,
                         p.lat if p else None, p.lon if p else None, p.alt_agl_m if p else None,
                         p.roll if p else None, p.pitch if p else None, p.yaw if p else None,
                         p.gimbal_pitch if p else None, p.gimbal_yaw if p else None, jpeg))
                    ids.append(int(cur.lastrowid))
                for s in sightings:
                    best = s.best_detection_id
                    if best is not None and best < 0:
                        best = ids[-best - 1]
                    # review fields are owned by the reviewer: never overwritten from here
                    cur.execute(
                        "INSERT INTO sightings (id, lat, lon, error_m, score, n_detections, first_time, last_time,"
                        " best_detection_id, detectors) VALUES (?,?,?,?,?,?,?,?,?,?)"
                        " ON CONFLICT(id) DO UPDATE SET lat=excluded.lat, lon=excluded.lon,"
                        " error_m=excluded.error_m, score=excluded.score, n_detections=excluded.n_detections,"
                        " first_time=excluded.first_time, last_time=excluded.last_time,"
                        " best_detection_id=excluded.best_detection_id, detectors=excluded.detectors",
                        (s.id, s.lat, s.lon, s.error_m, s.score, s.n_detections, s.first_time, s.last_time,
                         best, ",".join(s.detectors)))
                cur.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite already rolled back on a full disk: keep its error
                    cur.execute("ROLLBACK")
                raise
        return ids

    def review(self, sighting_id: int, state: str, note: str = "", when: float | None = None) -> Sighting:
        """Mark a sighting confirmed, rejected or new again, with a note."""
        if state not in REVIEW_STATES:
            raise InputError(f"review state must be one of {', '.join(REVIEW_STATES)}, got {state!r}",
                             where=f"sighting {sighting_id}")
        with self._lock:
            cur = self._db.execute("UPDATE sightings SET state=?, note=?, reviewed_at=? WHERE id=?",
                                   (state, note, time.time() if when is None else when, sighting_id))
            if cur.rowcount == 0:
                raise InputError("no such sighting", where=f"sighting {sighting_id}")
        return self.sighting(sighting_id)

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET"
                             " value=excluded.value", (key, value))

    # -- reading -------------------------------------------------------------------------------
    def sighting(self, sighting_id: int) -> Sighting:
        with self._lock:
            r = self._db.execute("SELECT * FROM sightings WHERE id=?", (sighting_id,)).fetchone()
        if r is None:
            raise InputError("no such sighting", where=f"sighting {sighting_id}")
        return _row_to_sighting(r)

    def sightings(self, state: str | None = None, min_detections: int = 1) -> list[Sighting]:
        """Sightings ranked for review: most likely first."""
        q = "SELECT * FROM sightings WHERE n_detections >= ?"
        args: list[object] = [min_detections]
        if state is not None:
            q += " AND state = ?"
            args.append(state)
        q += " ORDER BY score DESC, n_detections DESC, id"
        with self._lock:
            return [_row_to_sighting(r) for r in self._db.execute(q, args)]

    def detections(self, sighting_id: int | None = None) -> list[Detection]:
        q, args = "SELECT * FROM detections", ()
        if sighting_id is not None:
            q, args = q + " WHERE sighting_id=?", (sighting_id,)
        with self._lock:
            return [_row_to_detection(r) for r in self._db.execute(q + " ORDER BY id", args)]

    def thumbnail(self, detection_id: int) -> bytes | None:
        """The JPEG picture of one detection (the best one of a sighting: ``best_detection_id``)."""
        with self._lock:
            r = self._db.execute("SELECT thumbnail FROM detections WHERE id=?", (detection_id,)).fetchone()
        return None if r is None else r[0]

    def counts(self) -> tuple[int, int]:
        """(detections, sightings) stored."""
        with self._lock:
            d = self._db.execute("SELECT COUNT(*) FROM detections").fetchone()[0]
            s = self._db.execute("SELECT COUNT(*) FROM sightings").fetchone()[0]
        return int(d), int(s)
