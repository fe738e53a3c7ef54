"""A minimal raw-MAVLink ground station for conformance tests.

Deliberately not the project's ground-station code: these tests pin down what a vehicle
does on the wire, so they speak pymavlink directly. Every wait is given in the vehicle's
sim seconds and turned into wall time with the speed-up plus generous slack for a busy host.
The helper sends a GCS HEARTBEAT every sim second while it waits, like a ground station.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pymavlink import mavutil

GCS_SYSID, GCS_COMPID = 255, 190
SLACK = 3.0          # wall-time factor over the ideal sim→wall conversion
SLACK_S = 3.0        # plus this many wall seconds

GUIDED, AUTO, LOITER, RTL, LAND, BRAKE, STABILIZE = 4, 3, 5, 6, 9, 17, 0


@dataclass(frozen=True)
class Item:
    """One mission item to upload (lat/lon in degrees, z metres)."""

    command: int
    lat: float = 0.0
    lon: float = 0.0
    z: float = 0.0
    frame: int = 6
    p1: float = 0.0
    p2: float = 0.0
    p3: float = 0.0
    p4: float = 0.0


class Wire:
    """One MAVLink connection to a vehicle, with sim-time waits and a log of what arrived."""

    def __init__(self, connection: str, speedup: float, signing_key: bytes | None = None,
                 sysid: int = GCS_SYSID) -> None:
        self.speedup = speedup
        self.conn = mavutil.mavlink_connection(connection, source_system=sysid, source_component=GCS_COMPID,
                                               autoreconnect=False, dialect="ardupilotmega")
        self.seen: list[Any] = []
        self.texts: list[tuple[int, str]] = []
        self._last_hb = 0.0
        self.send_heartbeats = True
        self.target = 1

    def close(self) -> None:
        self.conn.close()

    def wall(self, sim_s: float) -> float:
        return sim_s / self.speedup * SLACK + SLACK_S

    # ---------------------------------------------------------------- receiving
    def _pump_heartbeat(self) -> None:
        if self.send_heartbeats and time.monotonic() - self._last_hb >= 1.0 / self.speedup:
            self._last_hb = time.monotonic()
            self.conn.mav.heartbeat_send(6, 8, 0, 0, 0)

    def recv(self, types: str | Iterable[str] | None = None, sim_timeout: float = 5.0,
             cond: Callable[[Any], bool] | None = None, silence: bool = False) -> Any | None:
        """The next message of these types (and passing ``cond``) within ``sim_timeout`` sim seconds.

        ``silence=True`` is for checking that nothing comes: it waits only twice the ideal wall time
        (a wait that expects nothing cannot use the generous slack without slowing every test)."""
        wanted = {types} if isinstance(types, str) else (set(types) if types else None)
        wall = 2.0 * sim_timeout / self.speedup + 0.2 if silence else self.wall(sim_timeout)
        deadline = time.monotonic() + wall
        while time.monotonic() < deadline:
            self._pump_heartbeat()
            msg = self.conn.recv_match(blocking=True, timeout=min(0.05, max(0.001, 0.5 / self.speedup)))
            if msg is None:
                continue
            t = msg.get_type()
            if t == "BAD_DATA":
                continue
            self.seen.append(msg)
            if t == "STATUSTEXT":
                self.texts.append((msg.severity, msg.text))
            if (wanted is None or t in wanted) and (cond is None or cond(msg)):
                return msg
        return None

    def collect(self, sim_seconds: float, types: str | Iterable[str] | None = None) -> list[Any]:
        """Everything (of these types) that arrives during ``sim_seconds`` of sim time (wall-converted)."""
        wanted = {types} if isinstance(types, str) else (set(types) if types else None)
        out = []
        deadline = time.monotonic() + sim_seconds / self.speedup
        while time.monotonic() < deadline:
            self._pump_heartbeat()
            msg = self.conn.recv_match(blocking=True, timeout=0.02)
            if msg is None or msg.get_type() == "BAD_DATA":
                continue
            self.seen.append(msg)
            if msg.get_type() == "STATUSTEXT":
                self.texts.append((msg.severity, msg.text))
            if wanted is None or msg.get_type() in wanted:
                out.append(msg)
        return out

    def wait_text(self, text: str, sim_timeout: float = 5.0) -> tuple[int, str] | None:
        """A STATUSTEXT containing ``text`` (already seen, or arriving within the timeout)."""
        for sev, t in self.texts:
            if text in t:
                return sev, t
        msg = self.recv("STATUSTEXT", sim_timeout, lambda m: text in m.text)
        return (msg.severity, msg.text) if msg else None

    # ---------------------------------------------------------------- commands
    def command(self, command: int, *params: float, sim_timeout: float = 5.0, silence: bool = False) -> int | None:
        """COMMAND_LONG; returns the COMMAND_ACK result, or None if no ACK came."""
        p = list(params) + [0.0] * (7 - len(params))
        self.conn.mav.command_long_send(self.target, 1, command, 0, *p)
        ack = self.recv("COMMAND_ACK", sim_timeout, lambda m: m.command == command, silence=silence)
        return None if ack is None else ack.result

    def set_mode(self, mode: int) -> int | None:
        return self.command(176, 1, mode)

    def arm(self) -> int | None:
        return self.command(400, 1)

    def disarm(self) -> int | None:
        return self.command(400, 0)

    def request_streams(self, hz: float = 4.0) -> None:
        self.conn.mav.request_data_stream_send(self.target, 1, 0, int(hz), 1)

    def heartbeat(self, sim_timeout: float = 3.0, cond: Callable[[Any], bool] | None = None) -> Any | None:
        return self.recv("HEARTBEAT", sim_timeout, lambda m: m.get_srcSystem() == self.target and
                         (cond is None or cond(m)))

    def wait_ready(self, sim_timeout: float = 120.0) -> None:
        """Until GUIDED could be armed: GUIDED selected and SYS_STATUS says the pre-arm checks pass."""
        self.request_streams(4)
        assert self.set_mode(GUIDED) == 0
        msg = self.recv("SYS_STATUS", sim_timeout, lambda m: m.onboard_control_sensors_health & 0x10000000)
        assert msg is not None, "vehicle never became armable in GUIDED"

    def takeoff(self, alt: float) -> None:
        """GUIDED, arm and take off to ``alt`` m; returns once within 0.5 m of it."""
        assert self.set_mode(GUIDED) == 0
        assert self.arm() == 0
        assert self.command(22, 0, 0, 0, 0, 0, 0, alt) == 0
        got = self.recv("GLOBAL_POSITION_INT", 60 + alt, lambda m: m.relative_alt >= (alt - 0.5) * 1000)
        assert got is not None, f"did not reach {alt} m"

    # ---------------------------------------------------------------- missions
    def upload(self, items: list[Item], sim_timeout: float = 20.0) -> tuple[int | None, list[str]]:
        """Upload; returns (final MISSION_ACK type or None, message types the vehicle asked with)."""
        self.conn.mav.mission_count_send(self.target, 1, len(items), 0)
        asked: list[str] = []
        while True:
            msg = self.recv(("MISSION_REQUEST", "MISSION_REQUEST_INT", "MISSION_ACK"), sim_timeout)
            if msg is None:
                return None, asked
            if msg.get_type() == "MISSION_ACK":
                if msg.type == 13:
                    continue   # our answer to a repeated request arrived late: not fatal, the upload goes on
                return msg.type, asked
            asked.append(msg.get_type())
            it = items[msg.seq]
            self.conn.mav.mission_item_int_send(self.target, 1, msg.seq, it.frame, it.command, 0, 1, it.p1, it.p2,
                                                it.p3, it.p4, round(it.lat * 1e7), round(it.lon * 1e7), it.z, 0)

    def download(self, sim_timeout: float = 20.0) -> list[Any]:
        """All stored items (MISSION_ITEM_INT), seq 0 first."""
        self.conn.mav.mission_request_list_send(self.target, 1, 0)
        count = self.recv("MISSION_COUNT", sim_timeout)
        assert count is not None, "no MISSION_COUNT"
        out = []
        for seq in range(count.count):
            self.conn.mav.mission_request_int_send(self.target, 1, seq, 0)
            it = self.recv("MISSION_ITEM_INT", sim_timeout, lambda m, s=seq: m.seq == s)
            assert it is not None, f"no item {seq}"
            out.append(it)
        self.conn.mav.mission_ack_send(self.target, 1, 0, 0)
        return out

    def home(self, sim_timeout: float = 60.0) -> Any:
        for msg in reversed(self.seen):
            if msg.get_type() == "HOME_POSITION":
                return msg
        self.command(512, 242)
        return self.recv("HOME_POSITION", sim_timeout)
