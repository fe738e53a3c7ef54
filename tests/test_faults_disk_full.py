"""The disk fills up mid-mission: a clear error, nothing already saved is damaged, the link flies on.

Each case runs in a child process whose file size limit (RLIMIT_FSIZE) plays a full disk: writes
past it fail with EFBIG exactly where a full disk fails them with ENOSPC.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from groundcontrol.tlog import iter_tlog

ROOT = Path(__file__).resolve().parents[1]


def _limited(limit_bytes: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get an error from write(), not a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return apply


def _child(script: str, *args: str, limit: int, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=_limited(limit))


def test_a_file_rewritten_on_a_full_disk_keeps_its_old_version(tmp_path):
    target = tmp_path / "plan.plan"
    target.write_text('{"old": "plan"}')
    r = _child("""
        import sys
        from search_patterns.atomic import write_atomic
        try:
            write_atomic(sys.argv[1], "x" * 200_000)
        except OSError as exc:
            print("refused:", exc.strerror)
    """, str(target), limit=50_000)
    assert "refused: File too large" in r.stdout, r.stderr
    assert target.read_text() == '{"old": "plan"}'
    assert [p.name for p in tmp_path.iterdir()] == ["plan.plan"], "a temporary file was left behind"


def test_caltopo_export_on_a_full_disk_says_so_in_one_line_and_keeps_the_old_export(tmp_path):
    src = tmp_path / "map-export.json"
    ring = [[8.54 + i * 1e-4, 47.39] for i in range(100)] + [[8.55, 47.396], [8.54, 47.396], [8.54, 47.39]]
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "a1", "geometry": {"type": "Polygon", "coordinates": [ring]},
         "properties": {"class": "Assignment", "letter": "AB", "number": "12", "status": "PREPARED"}}]}))
    mission = tmp_path / "mission"
    mission.mkdir()
    out = tmp_path / "back.json"
    out.write_text('{"type": "FeatureCollection", "features": []}')
    r = subprocess.run([sys.executable, "-m", "ui.cli", "share", "caltopo-export", str(src), "--assignment", "AB",
                        "--mission", str(mission), "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                       timeout=60, preexec_fn=_limited(300))
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sargc: error:") and "File too large" in lines[0], r.stderr
    assert json.loads(out.read_text()) == {"type": "FeatureCollection", "features": []}


STORE_FILLER = """
    import sys, time
    from detection.store import SightingStore
    from detection.types import Box, Detection, GroundFix, Sighting
    store = SightingStore(sys.argv[1])
    committed = 0
    try:
        for frame in range(1, 10_000):
            det = Detection(frame, time.time(), "cam0", Box(1, 2, 3, 4, 0.9, "yolo"), GroundFix(47.0, 8.0, 3, 50),
                            sighting_id=1)
            store.write_frame([(det, bytes(3000))], [Sighting(1, 47.0, 8.0, 3.0, 0.9, frame, 0.0, 1.0, -1)])
            committed = frame
    except Exception as exc:
        print("stopped:", type(exc).__name__, exc)
    print("committed", committed)
"""


def _check_store(db: Path, stdout: str) -> str:
    assert "stopped:" in stdout, stdout
    message = stdout.split("stopped:")[1].split("\n")[0]
    committed = int(stdout.split("committed")[1])
    assert committed > 10
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM detections").fetchone()[0] == committed
    assert con.execute("SELECT n_detections FROM sightings WHERE id=1").fetchone()[0] == committed
    con.close()
    return message


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB filesystem (tmpfs) where writes fail with ENOSPC; needs root to mount."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the RLIMIT_FSIZE cases still run")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_detections_store_on_a_full_disk_keeps_every_committed_frame(small_disk):
    db = small_disk / "detections.sqlite"
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(STORE_FILLER), str(db)], cwd=ROOT, capture_output=True,
                       text=True, timeout=60)
    message = _check_store(db, r.stdout + r.stderr)
    assert "database or disk is full" in message


def test_detections_store_past_a_file_size_limit_keeps_every_committed_frame_and_says_why(tmp_path):
    db = tmp_path / "detections.sqlite"
    r = _child(STORE_FILLER, str(db), limit=400_000)
    message = _check_store(db, r.stdout + r.stderr)
    assert "disk I/O error" in message and "rollback" not in message


def test_a_plan_rewritten_on_a_full_filesystem_keeps_its_old_version(small_disk):
    (small_disk / "filler").write_bytes(bytes(900_000))
    target = small_disk / "plan.plan"
    target.write_text('{"old": "plan"}')
    r = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import sys
        from search_patterns.atomic import write_atomic
        try:
            write_atomic(sys.argv[1], "x" * 400_000)
        except OSError as exc:
            print("refused:", exc.strerror)
    """), str(target)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "refused: No space left on device" in r.stdout, r.stdout + r.stderr
    assert target.read_text() == '{"old": "plan"}'
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "plan.plan"]


def test_the_link_keeps_tracking_the_vehicle_when_the_telemetry_log_hits_a_full_disk(tmp_path):
    tlog = tmp_path / "vehicle-1.tlog"
    r = _child("""
        import socket, sys, time
        from pymavlink.dialects.v20 import ardupilotmega as mavlink
        from groundcontrol.link import Link
        from groundcontrol.tlog import TlogWriter
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as p:
            p.bind(("127.0.0.1", 0))
            port = p.getsockname()[1]
        log = TlogWriter(sys.argv[1], flush_interval_s=0.05)
        link = Link(f"udp:127.0.0.1:{port}", tlog=log).start()
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        mav = mavlink.MAVLink(None, 1, 1)
        for n in range(1, 1500):
            hb = mavlink.MAVLink_heartbeat_message(2, 3, 1, 5, 4, 3).pack(mav)
            pos = mavlink.MAVLink_global_position_int_message(n, 473900000 + n, 85400000, 500000, 20000, 0, 0, 0, 0)
            tx.sendto(hb + pos.pack(mav), ("127.0.0.1", port))
            time.sleep(0.001)
        deadline = time.time() + 10
        while time.time() < deadline and link.snapshot(1).lat < 47.39014985:
            time.sleep(0.05)
        print("alive", link._thread.is_alive())
        print("lat", link.snapshot(1).lat)
        print("error", log.error)
        link.close()
    """, str(tlog), limit=32_768)
    assert r.returncode == 0, r.stderr[-2000:]
    out = dict(line.split(" ", 1) for line in r.stdout.strip().splitlines())
    assert out["alive"] == "True", r.stderr[-2000:]
    assert abs(float(out["lat"]) - 47.3901499) < 1e-6, "the link stopped updating the vehicle"
    assert "telemetry log" in out["error"] and "File too large" in out["error"]
    records = list(iter_tlog(tlog))
    assert len(records) > 100 and os.path.getsize(tlog) <= 32_768
