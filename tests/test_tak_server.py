"""A team shares through a real TAK server (taky, started here on loopback).

Our station publishes a vehicle track and sightings to the server; a second TAK client (pytak, the
library TAK integrations are built on) sees them, drops a marker of its own, and that marker comes
back into our layer as a plain ``Marker`` value.
"""

from __future__ import annotations

import asyncio
import configparser
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from groundcontrol.tak import CotLink, parse_event, sighting_event, vehicle_event

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pytak

TAKY = Path(sys.executable).with_name("taky")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Taky:
    """A real taky CoT server on a free loopback port, in its own process (stopped by its pid)."""

    def __init__(self, folder: Path) -> None:
        exe = TAKY if TAKY.exists() else shutil.which("taky")
        assert exe, "taky is a test dependency (pip install taky)"
        self.exe, self.folder, self.port = str(exe), folder, _free_port()
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.conf = folder / "taky.conf"
        self.conf.write_text(f"[taky]\nhostname = localhost\nnode_id = SARGCTEST\nbind_ip = 127.0.0.1\n"
                             f"root_dir = {folder}\n\n[cot_server]\nport = {self.port}\n\n[ssl]\nenabled = false\n")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with (self.folder / "taky.log").open("a") as log:
            self.proc = subprocess.Popen([self.exe, "-c", str(self.conf), "-l", "info"], cwd=self.folder,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"taky did not start: {(self.folder / 'taky.log').read_text()[-500:]}")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def taky(tmp_path):
    server = Taky(tmp_path)
    server.start()
    yield server
    server.stop()


def _atak_sa(uid: str, callsign: str) -> bytes:
    """What an ATAK phone announces itself with (its own position and contact)."""
    ev = pytak.cot_event(lat=47.3990, lon=8.5440, hae=480, uid=uid, cot_type="a-f-G-U-C", how="h-e",
                         stale=60, callsign=callsign)
    detail = ev.find("detail")
    ET.SubElement(detail, "takv", device="test", platform="ATAK-CIV", os="31", version="4.10")
    ET.SubElement(detail, "__group", name="Cyan", role="Team Member")
    return pytak.serialize_cot(ev)


def _atak_marker(uid: str, parent_uid: str, parent_callsign: str) -> bytes:
    """A spot marker as a team member drops it in ATAK (how=h-g-i-g-o, linked to its dropper)."""
    ev = pytak.cot_event(lat=47.40123, lon=8.54567, hae=475, uid=uid, cot_type="b-m-p-s-m", how="h-g-i-g-o",
                         stale=3600, callsign="Clothing found")
    ev.find("point").set("lat", "47.4012345")
    ev.find("point").set("lon", "8.5456789")
    detail = ev.find("detail")
    ET.SubElement(detail, "link", uid=parent_uid, production_time="2026-11-30T10:00:00Z", type="a-f-G-U-C",
                  parent_callsign=parent_callsign, relation="p-p")
    ET.SubElement(detail, "remarks").text = "red jacket by the stream"
    ET.SubElement(detail, "color", argb="-65536")
    return pytak.serialize_cot(ev)


async def _second_client(url: str, ours: CotLink, want_uids: set[str], timeout: float) -> dict[str, bytes]:
    """A pytak client: announce, wait until our events arrive, then drop a marker."""
    section = configparser.ConfigParser()
    section["client"] = {"COT_URL": url}
    reader, writer = await pytak.protocol_factory(section["client"])
    writer.write(_atak_sa("ANDROID-team-2", "Team 2"))
    await writer.drain()
    got: dict[str, bytes] = {}
    # our station publishes at its own pace (here: a few times while the second client listens)
    deadline = time.monotonic() + timeout
    sent_round = 0
    while not want_uids <= got.keys() and time.monotonic() < deadline:
        if sent_round < 20:
            sent_round += 1
            ours.send(vehicle_event("sargc-vehicle-1", 47.3977 + sent_round * 1e-5, 8.5456, 520.0,
                                    course=92.5, speed=6.2, callsign="SAR Drone 1"))
            ours.send(sighting_event("sargc-sighting-7", 47.39801, 8.54702, score=0.87, review="confirmed",
                                     picture_url="http://192.0.2.2:8080/sightings/7.jpg", error_m=6.0,
                                     sighting_id=7, detector="yolo"))
        try:
            raw = await asyncio.wait_for(reader.readuntil(b"</event>"), timeout=0.5)
        except asyncio.TimeoutError:
            continue
        ev = parse_event(raw[raw.find(b"<event"):])
        got[ev.uid] = raw
    writer.write(_atak_marker("marker-clothing-1", "ANDROID-team-2", "Team 2"))
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.close()
    return got


def test_second_tak_client_sees_our_track_and_sightings_and_its_marker_comes_back(taky):
    taky_server = taky.url
    with CotLink(taky_server, reconnect_s=0.2) as ours:
        assert ours.wait_connected(10), ours.last_error
        got = asyncio.run(_second_client(taky_server, ours, {"sargc-vehicle-1", "sargc-sighting-7"}, 20))
        assert {"sargc-vehicle-1", "sargc-sighting-7"} <= got.keys(), f"second client saw only {sorted(got)}"

        vehicle = parse_event(got["sargc-vehicle-1"][got["sargc-vehicle-1"].find(b"<event"):])
        assert vehicle.callsign == "SAR Drone 1"
        assert vehicle.course == pytest.approx(92.5) and vehicle.speed == pytest.approx(6.2)
        assert vehicle.cot_type.startswith("a-f-A")
        assert 0 < (vehicle.stale - vehicle.time).total_seconds() <= 60, "a moving vehicle goes stale quickly"

        sighting = parse_event(got["sargc-sighting-7"][got["sargc-sighting-7"].find(b"<event"):])
        assert sighting.callsign.startswith("CONFIRMED")
        assert sighting.lat == pytest.approx(47.39801, abs=1e-6)
        assert sighting.field("score") == "0.870" and sighting.field("review") == "confirmed"
        assert "7.jpg" in sighting.remarks

        # the team member's dropped marker arrives in our layer (their SA comes too; we want the marker)
        deadline = time.monotonic() + 10
        marker = None
        while marker is None and time.monotonic() < deadline:
            m = ours.get(timeout=0.5)
            if m is not None and m.uid == "marker-clothing-1":
                marker = m
        assert marker is not None, f"our layer never got the marker: {ours.status()}"
        assert marker.is_user_marker and not marker.from_sargc
        assert marker.title == "Clothing found" and marker.remarks == "red jacket by the stream"
        # taky re-writes points with 6 decimals (0.1 m): good enough for a clue on a map
        assert (marker.lat, marker.lon) == pytest.approx((47.4012345, 8.5456789), abs=1e-6)
        assert marker.parent_callsign == "Team 2"
        assert ours.status().rejected == 0


def test_link_reconnects_when_the_tak_server_comes_back(taky):
    """A TAK server that restarts (or a Wi-Fi drop) does not need the pilot to do anything."""
    with CotLink(taky.url, reconnect_s=0.2) as ours:
        assert ours.wait_connected(10)
        # the server goes away: sends fail with a reason instead of blocking or raising
        taky.stop()
        deadline = time.monotonic() + 10
        while ours.connected and time.monotonic() < deadline:
            ours.send(vehicle_event("sargc-vehicle-1", 47.0, 8.0))
            time.sleep(0.1)
        assert not ours.connected
        assert not ours.send(vehicle_event("sargc-vehicle-1", 47.0, 8.0))
        assert "TAK server" in ours.last_error or "CoT" in ours.last_error
        # a new server on the same port: the link finds it again by itself
        taky.start()
        assert ours.wait_connected(15), f"no reconnect to {taky.url}: {ours.last_error}"
        assert ours.send(vehicle_event("sargc-vehicle-1", 47.0, 8.0))
