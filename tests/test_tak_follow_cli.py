"""`sargc share follow`: the pilot's one command to put the drone and its sightings on every ATAK map.

A small MAVLink vehicle (pymavlink, real packets over loopback UDP) flies east; the mission's
sightings store holds one confirmed sighting. A team phone on the multicast group (kept on this
machine: loopback interface) sees both and drops a marker, which lands in the mission folder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import cv2
import numpy as np
from pymavlink.dialects.v20 import ardupilotmega as mavlink

from detection.store import SightingStore
from detection.types import Box, Detection, GroundFix, Sighting
from groundcontrol.tak import CotLink, marker_event


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _vehicle(port: int, stop: threading.Event) -> None:
    """Heartbeat + position at 10 Hz to the station's UDP port, flying east at 5 m/s."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    mav = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
    t0 = time.monotonic()
    while not stop.is_set():
        t = time.monotonic() - t0
        lon = 8.5450 + 5 * t / 75_000
        for msg in (mavlink.MAVLink_heartbeat_message(mavlink.MAV_TYPE_QUADROTOR, mavlink.MAV_AUTOPILOT_ARDUPILOTMEGA,
                                                      mavlink.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, 3, 4, 3),
                    mavlink.MAVLink_global_position_int_message(int(t * 1000), int(47.3930 * 1e7), int(lon * 1e7),
                                                                530_000, 50_000, 0, 500, 0, 9000)):
            sock.sendto(msg.pack(mav), ("127.0.0.1", port))
        stop.wait(0.1)
    sock.close()


def test_follow_puts_vehicle_and_sightings_on_the_team_map_and_saves_their_markers(tmp_path):
    mission = tmp_path / "mission"
    picture = np.zeros((64, 48, 3), np.uint8)
    picture[20:50, 15:35] = (0, 0, 255)  # a red jacket
    jpeg = cv2.imencode(".jpg", picture)[1].tobytes()
    det = Detection(12, 1_764_500_001.0, "cam0", Box(100, 80, 24, 48, 0.91, "yolo"),
                    GroundFix(47.3935, 8.5461, 4.0, 60.0), sighting_id=7)
    with SightingStore(mission) as store:
        store.write_frame([(det, jpeg)], [Sighting(7, 47.3935, 8.5461, 4.0, 0.91, 3, 1_764_500_000.0,
                                                   1_764_500_002.0, -1, detectors=("yolo",))])
        store.review(7, "confirmed", "seen by two reviewers")
    mav_port, cot_port = _free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_DGRAM)
    http_port = _free_port(socket.SOCK_STREAM)
    url = f"udp://239.2.3.1:{cot_port}"
    stop = threading.Event()
    vehicle = threading.Thread(target=_vehicle, args=(mav_port, stop), daemon=True)
    with CotLink(url, interface="127.0.0.1") as phone:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "share", "follow", "--connect", f"udp:127.0.0.1:{mav_port}",
             "--url", url, "--interface", "127.0.0.1", "--mission", str(mission), "--seconds", "6",
             "--callsign", "Drone 1", "--rate", "4", "--serve-pictures", str(http_port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        vehicle.start()
        try:
            seen: dict = {}
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not {"vehicle", "sighting"} <= {m.field("kind") for m in seen.values()}:
                m = phone.get(timeout=0.5)
                if m is not None:
                    seen[m.uid] = m
            kinds = {m.field("kind"): m for m in seen.values()}
            assert "vehicle" in kinds, f"phone saw {list(seen)}"
            v = kinds["vehicle"]
            assert v.callsign == "Drone 1" and abs(v.lat - 47.3930) < 1e-5
            assert v.course is not None and abs(v.course - 90.0) < 1.0 and abs(v.speed - 5.0) < 0.1
            s = kinds["sighting"]
            assert s.callsign == "CONFIRMED Sighting 7" and s.field("review") == "confirmed"
            assert abs(s.lat - 47.3935) < 1e-6 and s.ce == 4.0
            # a team member taps the sighting: its picture opens from the link in the marker
            link = s.field("picture")
            assert link == f"http://127.0.0.1:{http_port}/7.jpg" and link in s.remarks
            with urllib.request.urlopen(link, timeout=5) as r:
                assert r.headers["Content-Type"] == "image/jpeg" and r.read() == jpeg
            for elsewhere in ("/", "/../detections.sqlite", "/%2e%2e/detections.sqlite"):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{http_port}{elsewhere}", timeout=5)
                    raise AssertionError(f"{elsewhere} was served")
                except urllib.error.HTTPError as exc:
                    assert exc.code == 404
            phone.send(marker_event("ANDROID-t2-pt", 47.3940, 8.5470, title="Backpack", remarks="near the gate"))
            out, _ = proc.communicate(timeout=30)
        finally:
            stop.set()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, out
    assert "marker: Backpack" in out
    saved = json.loads((mission / "team-markers.json").read_text())
    assert [f["properties"]["title"] for f in saved["features"]] == ["Backpack"]
    assert saved["features"][0]["properties"]["class"] == "Marker"
    live = (mission / "live.kml").read_text()
    assert "Drone 1" in live and "Sighting 7" in live and "Backpack" in live
    assert (mission / "live-link.kml").exists()
