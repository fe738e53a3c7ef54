"""The laptop's process is killed (kill -9) while it writes: what was committed is all still there.

Real child processes write the detections store and a telemetry log and report, line by line,
what they have committed; we SIGKILL them mid-write and open what they left.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from pymavlink import mavutil

from detection.store import SightingStore
from groundcontrol.tlog import iter_tlog

STORE_WRITER = textwrap.dedent("""
    import sys, time
    from detection.store import SightingStore
    from detection.types import Box, Detection, GroundFix, Sighting
    store = SightingStore(sys.argv[1])
    jpeg = bytes(range(256)) * 40  # a 10 kB stand-in picture
    frame = 0
    while True:
        frame += 1
        dets = [(Detection(frame, time.time(), "cam0", Box(10 + k, 20, 30, 60, 0.8, "yolo"),
                           GroundFix(47.39 + frame * 1e-6, 8.54, 3.0, 60.0), sighting_id=1 + frame % 5),
                 jpeg) for k in range(3)]
        sightings = [Sighting(1 + frame % 5, 47.39, 8.54, 3.0, 0.8, frame, 0.0, time.time(), -1, detectors=("yolo",))]
        store.write_frame(dets, sightings)
        print(frame, flush=True)
""")

TLOG_WRITER = textwrap.dedent("""
    import sys
    from pymavlink.dialects.v20 import ardupilotmega as mavlink
    from groundcontrol.tlog import TlogWriter
    log = TlogWriter(sys.argv[1], flush_interval_s=0.05)
    mav = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    n = 0
    while True:
        n += 1
        msg = mavlink.MAVLink_global_position_int_message(n, 473900000 + n, 85400000, 500000, 20000, 0, 0, 0, 0)
        log.write(msg.pack(mav))
        if n % 50 == 0:
            log.flush()
            print(n, flush=True)
""")


def _run_and_kill(script: str, target: Path, at_least: int) -> int:
    """Start ``script``, wait until it reports ``at_least`` commits, SIGKILL it; the last reported count."""
    proc = subprocess.Popen([sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    last = 0
    deadline = time.monotonic() + 60
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            last = int(line)
            if last >= at_least or time.monotonic() > deadline:
                break
        os.kill(proc.pid, signal.SIGKILL)  # mid-write: the child is busy in its loop
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    assert last >= at_least, f"the writer only got to {last}"
    return last


def test_detections_committed_before_kill_9_are_all_there_with_pictures(tmp_path):
    db = tmp_path / "detections.sqlite"
    committed = _run_and_kill(STORE_WRITER, db, at_least=40)
    # a reader opens what the killed writer left (WAL not checkpointed: readers must replay it)
    with SightingStore(db, readonly=True) as store:
        n_det, n_sig = store.counts()
        assert n_det >= 3 * committed, f"{n_det} detections for {committed} committed frames"
        assert n_sig == 5
        dets = store.detections()
        assert all(store.thumbnail(d.id) == bytes(range(256)) * 40 for d in dets[:: max(1, len(dets) // 20)])
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    # and the station can go on writing to it
    with SightingStore(db) as store:
        store.review(1, "confirmed", "after the crash")
        assert store.sighting(1).state == "confirmed"


def test_tlog_records_flushed_before_kill_9_all_decode(tmp_path):
    path = tmp_path / "vehicle-1.tlog"
    flushed = _run_and_kill(TLOG_WRITER, path, at_least=400)
    records = list(iter_tlog(path))
    assert len(records) >= flushed
    # the log reads in pymavlink as a tlog, in order, up to where the kill cut it
    mlog = mavutil.mavlink_connection(str(path))
    boots = []
    while (m := mlog.recv_match(type="GLOBAL_POSITION_INT")) is not None:
        boots.append(m.time_boot_ms)
    assert len(boots) >= flushed and boots[:flushed] == list(range(1, flushed + 1))
