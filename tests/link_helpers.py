"""Helpers shared by the link tests: the vehicle fixture (re-exported from tests/vehicles.py),
small plans near the vehicle's home, waiting, and a scripted MAVLink peer."""

from __future__ import annotations

import socket
import threading
import time

from pymavlink.dialects.v20 import ardupilotmega as mavlink
from vehicles import vehicle  # noqa: F401 - the project-wide fixture (built-in sim, and SITL when installed)

from search_patterns.geo import offset_latlon
from search_patterns.plan import Plan, Waypoint

HOME = (-35.363261, 149.165230, 584.0, 353.0)  # where the fixture's vehicles boot


def small_plan(home=HOME, legs=((40, 0), (40, 30), (0, 30)), alt=15.0, speed=None) -> Plan:
    """A few waypoints metres north/east of home, flown at ``alt`` above home."""
    lat, lon = home[0], home[1]
    wps = tuple(Waypoint(*offset_latlon(lat, lon, n, e), alt) for n, e in legs)
    return Plan(wps, pattern="lawnmower", takeoff_alt=alt, speed_m_s=speed, home=(lat, lon))


def lawnmower(home=HOME, rows=4, length=60.0, spacing=20.0, alt=20.0) -> Plan:
    legs = []
    for r in range(rows):
        e = r * spacing
        ends = [(20.0, e), (20.0 + length, e)]
        legs.extend(ends if r % 2 == 0 else ends[::-1])
    return small_plan(home, tuple(legs), alt)


def eventually(cond, timeout: float, step: float = 0.05):
    """Wait until ``cond()`` is truthy; returns its value, or fails the test with a timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)


class ScriptedPeer:
    """A TCP server that speaks as system 1 / component 1 when the test tells it to."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(2)
        self.port = self.server.getsockname()[1]
        self.mav = mavlink.MAVLink(None, srcSystem=1, srcComponent=1)
        self.mav.robust_parsing = True
        self.conn: socket.socket | None = None
        self.received: list = []
        self._accepted = threading.Event()
        self.on_message = None  # optional callback(peer, msg) for scripted replies
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.conn = conn
            self._accepted.set()
            threading.Thread(target=self._read_loop, args=(conn,), daemon=True).start()

    def _read_loop(self, conn: socket.socket) -> None:
        parser = mavlink.MAVLink(None)
        parser.robust_parsing = True
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            for m in parser.parse_buffer(data) or []:
                self.received.append(m)
                if self.on_message is not None:
                    self.on_message(self, m)

    @property
    def connection(self) -> str:
        return f"tcp:127.0.0.1:{self.port}"

    def send(self, msg, skip_seq: int = 0) -> None:
        self._accepted.wait(5)
        self.mav.seq = (self.mav.seq + skip_seq) % 256
        buf = msg.pack(self.mav)
        self.mav.seq = (self.mav.seq + 1) % 256
        self.conn.sendall(buf)

    def heartbeat(self, custom_mode: int = 0, armed: bool = False, status: int = 3) -> None:
        self.send(self.mav.heartbeat_encode(2, 3, 81 | (128 if armed else 0), custom_mode, status))

    def drop_client(self) -> None:
        self._accepted.clear()
        self.conn.close()

    def close(self) -> None:
        self.server.close()
        if self.conn:
            self.conn.close()
