"""One MAVLink link and the thread that runs it.

The link thread is the only reader of the transport. It parses packets, writes them to
the tlog, hands raw packets to the forwarder, updates each vehicle's state, wakes up
protocol code waiting for replies (missions, commands), sends the GCS heartbeat at 1 Hz,
notices when a vehicle goes silent, and reconnects a broken TCP or serial link.

Several vehicles may share one link (a mesh radio, a MAVProxy hub): each system id that
sends an autopilot heartbeat gets its own :class:`~groundcontrol.telemetry.VehicleState`.
"""

from __future__ import annotations

import collections
import hashlib
import logging
import queue
import threading
import time
from collections.abc import Callable

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from groundcontrol import events as ev
from groundcontrol.connection import Endpoint, Transport, open_transport, parse_endpoint
from groundcontrol.errors import LinkError
from groundcontrol.snapshot import LinkHealth, VehicleSnapshot
from groundcontrol.telemetry import VehicleState
from groundcontrol.tlog import TlogWriter

log = logging.getLogger(__name__)

GCS_SYSTEM_ID = 255
GCS_COMPONENT_ID = 190  # MAV_COMP_ID_MISSIONPLANNER, what ground stations use
MAV_TYPE_GCS = 6
MAV_AUTOPILOT_INVALID = 8
LOSS_WINDOW_S = 10


class Waiter:
    """Collects the messages matching ``predicate`` from the moment it is entered.

    Register *before* sending the request so a fast reply cannot slip past::

        with link.expect(lambda m: m.get_type() == "COMMAND_ACK") as w:
            link.send(msg)
            ack = w.get(timeout=1.0)
    """

    def __init__(self, link: Link, predicate: Callable[[object], bool]) -> None:
        self._link = link
        self.predicate = predicate
        self.queue: queue.Queue = queue.Queue()

    def __enter__(self) -> Waiter:
        with self._link._waiters_lock:
            self._link._waiters.append(self)
        return self

    def __exit__(self, *exc) -> None:
        with self._link._waiters_lock:
            if self in self._link._waiters:
                self._link._waiters.remove(self)

    def get(self, timeout: float):
        """The next matching message, or None after ``timeout`` seconds."""
        try:
            return self.queue.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None

    def drain(self) -> list:
        out = []
        while True:
            try:
                out.append(self.queue.get_nowait())
            except queue.Empty:
                return out


class _Loss:
    """Packet loss from sequence-number gaps over a sliding window."""

    def __init__(self) -> None:
        self.last_seq: int | None = None
        self.received = 0
        self.lost = 0
        self.buckets: collections.deque[list[int]] = collections.deque()  # [second, recv, lost]

    def packet(self, seq: int, now: float) -> None:
        gap = 0
        if self.last_seq is not None:
            gap = (seq - self.last_seq - 1) & 0xFF
            if gap > 200:  # a duplicate or reordering, or the vehicle restarted; not loss
                gap = 0
        self.last_seq = seq
        self.received += 1
        self.lost += gap
        sec = int(now)
        if not self.buckets or self.buckets[-1][0] != sec:
            self.buckets.append([sec, 0, 0])
            while self.buckets and self.buckets[0][0] <= sec - LOSS_WINDOW_S:
                self.buckets.popleft()
        self.buckets[-1][1] += 1
        self.buckets[-1][2] += gap

    def percent(self, now: float) -> float:
        recv = lost = 0
        for sec, r, lo in self.buckets:
            if sec > int(now) - LOSS_WINDOW_S:
                recv += r
                lost += lo
        return 100.0 * lost / (recv + lost) if recv + lost else 0.0


class Link:
    """A MAVLink connection with its own reader thread. Start it with :meth:`start`."""

    def __init__(self, connection: str | Endpoint, *, tlog: TlogWriter | None = None,
                 source_system: int = GCS_SYSTEM_ID, source_component: int = GCS_COMPONENT_ID,
                 link_timeout: float = 2.5, heartbeat_hz: float = 1.0, snapshot_rate_hz: float = 5.0,
                 silence_reconnect_s: float = 15.0) -> None:
        self.endpoint = connection if isinstance(connection, Endpoint) else parse_endpoint(connection)
        self.tlog = tlog
        self.link_timeout = link_timeout
        self.base_heartbeat_period = self.heartbeat_period = 1.0 / heartbeat_hz
        self._hb_seen: dict[int, float] = {}
        self._hb_intervals: collections.deque[float] = collections.deque(maxlen=9)
        self.snapshot_period = 1.0 / snapshot_rate_hz if snapshot_rate_hz > 0 else None
        self.silence_reconnect_s = silence_reconnect_s
        self.mav = mavlink.MAVLink(None, srcSystem=source_system, srcComponent=source_component)
        self.mav.robust_parsing = True
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._waiters: list[Waiter] = []
        self._waiters_lock = threading.Lock()
        self._subscribers: list[Callable[[ev.Event], None]] = []
        self._packet_observers: list[Callable[[bytes], None]] = []
        self.states: dict[int, VehicleState] = {}
        self._loss: dict[int, _Loss] = {}
        self._lost: dict[int, float] = {}  # sysid -> time of the last heartbeat before the loss
        self._transport: Transport | None = open_transport(self.endpoint)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_rx = time.monotonic()
        self.reconnects = 0
        self.bad_packets = 0
        self.messages_in = 0
        self.vehicle_signing_timestamp = 0
        self.signature_ok = False
        self._vehicle_found = threading.Condition()

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> Link:
        self._thread = threading.Thread(target=self._run, name=f"mavlink-{self.endpoint}", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=3.0)
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        if self.tlog is not None:
            self.tlog.flush()

    @property
    def connected(self) -> bool:
        return self._transport is not None

    # -- sending --------------------------------------------------------------------------
    def send(self, msg) -> None:
        """Pack (and sign, if set up) ``msg`` and write it. Dropped quietly while disconnected:
        every protocol above retries, and a vanished link is reported by the heartbeat timeout."""
        with self._send_lock:
            buf = msg.pack(self.mav)
            self.mav.seq = (self.mav.seq + 1) % 256
            self._write_locked(buf)

    def send_raw(self, packet: bytes) -> None:
        """Write a complete packet from someone else (a forwarded client) unchanged."""
        with self._send_lock:
            self._write_locked(packet)

    def _write_locked(self, buf: bytes) -> None:
        if self.tlog is not None:
            self.tlog.write(buf)
        t = self._transport
        if t is None:
            return
        try:
            t.write(buf)
        except ConnectionError as exc:
            log.warning("write failed on %s: %s", self.endpoint, exc)
            if t.reconnectable:  # the link thread reopens it
                t.close()
                self._transport = None

    # -- observing ------------------------------------------------------------------------
    def expect(self, predicate: Callable[[object], bool]) -> Waiter:
        return Waiter(self, predicate)

    def subscribe(self, callback: Callable[[ev.Event], None]) -> Callable[[], None]:
        """Call ``callback(event)`` from the link thread for every event; returns an unsubscribe."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)
        return unsubscribe

    def publish(self, event: ev.Event) -> None:
        """Send an event to subscribers (for station-side monitors such as the battery reserve)."""
        self._emit(event)

    def add_packet_observer(self, callback: Callable[[bytes], None]) -> Callable[[], None]:
        """``callback(raw_packet)`` for every packet received (used by forwarding)."""
        self._packet_observers.append(callback)
        return lambda: self._packet_observers.remove(callback) if callback in self._packet_observers else None

    def wait_vehicle(self, timeout: float, system_id: int | None = None) -> int:
        """Block until an autopilot heartbeat arrives; returns its system id."""
        deadline = time.monotonic() + timeout
        with self._vehicle_found:
            while True:
                found = [s for s in self.states if system_id in (None, s)]
                if found:
                    return min(found)
                left = deadline - time.monotonic()
                if left <= 0:
                    who = f"vehicle {system_id}" if system_id is not None else "a vehicle"
                    raise LinkError(f"no heartbeat from {who} on {self.endpoint} within {timeout:g} s "
                                    "(is it powered, and is the connection string right?)")
                self._vehicle_found.wait(min(left, 0.2))

    def snapshot(self, system_id: int) -> VehicleSnapshot:
        now = time.monotonic()
        with self._state_lock:
            state = self.states[system_id]
            state.link = self._health(system_id, now)
            return state.snapshot(now)

    def _health(self, sysid: int, now: float) -> LinkHealth:
        loss = self._loss.get(sysid)
        return LinkHealth(connected=self._transport is not None, lost=sysid in self._lost,
                          loss_pct=loss.percent(now) if loss else 0.0,
                          packets_received=loss.received if loss else 0,
                          packets_lost=loss.lost if loss else 0, reconnects=self.reconnects,
                          signed=self.signature_ok)

    # -- the thread -----------------------------------------------------------------------
    def _run(self) -> None:
        next_hb = 0.0
        next_snap = 0.0
        next_reconnect = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if now >= next_hb or next_hb - now > self.heartbeat_period:
                next_hb = now + self.heartbeat_period
                self.send(self.mav.heartbeat_encode(MAV_TYPE_GCS, MAV_AUTOPILOT_INVALID, 0, 0, 4))
            t = self._transport
            if t is None:
                if now >= next_reconnect:
                    next_reconnect = now + 1.0
                    self._try_reconnect()
                else:
                    time.sleep(0.05)
            else:
                try:
                    data = t.read(0.05)
                except (OSError, ValueError) as exc:  # broken, or closed by a failed write meanwhile
                    log.warning("link %s broken: %s; reconnecting", self.endpoint, exc)
                    self._drop_transport()
                    data = b""
                if data:
                    self._last_rx = now
                    msgs = self.mav.parse_buffer(data)
                    if msgs:
                        now, wall = time.monotonic(), time.time()  # one clock reading per read
                        for m in msgs:
                            self._handle(m, now, wall)
                elif (t.reconnectable and self._transport is not None
                      and now - self._last_rx > self.silence_reconnect_s):
                    log.warning("no data on %s for %.0f s; reconnecting", self.endpoint, now - self._last_rx)
                    self._drop_transport()
            now = time.monotonic()
            self._check_timeouts(now)
            if self.snapshot_period is not None and now >= next_snap and self.states:
                next_snap = now + self.snapshot_period
                for sysid in list(self.states):
                    self._emit(ev.SnapshotUpdated(sysid, now, self.snapshot(sysid)))

    def _drop_transport(self) -> None:
        with self._send_lock:
            if self._transport is not None:
                self._transport.close()
            self._transport = None

    def _try_reconnect(self) -> None:
        try:
            t = open_transport(self.endpoint)
        except LinkError as exc:
            log.info("reconnect to %s failed: %s", self.endpoint, exc)
            return
        with self._send_lock:
            self._transport = t
        self.reconnects += 1
        self._last_rx = time.monotonic()
        self.mav.buf = bytearray()  # throw away any half packet from the old connection
        self.mav.buf_index = 0

    def _handle(self, m, now: float, wall: float) -> None:
        kind = m.get_type()
        if kind == "BAD_DATA":
            self.bad_packets += 1
            return
        self.messages_in += 1
        buf = m.get_msgbuf()
        if self.tlog is not None:
            self.tlog.write(buf, wall)
        for obs in self._packet_observers:
            try:
                obs(buf)
            except Exception:  # a broken client must not stop the link
                log.exception("packet observer failed")
        if buf[0] == 0xFD and buf[2] & 1:
            self._signed_packet(buf)
        sysid = m.get_srcSystem()
        state = self.states.get(sysid)
        if state is None:
            if kind != "HEARTBEAT" or m.autopilot == MAV_AUTOPILOT_INVALID or m.type == MAV_TYPE_GCS:
                self._wake_waiters(m)
                return
            with self._vehicle_found:
                state = self.states[sysid] = VehicleState(sysid, m.get_srcComponent())
                self._loss[sysid] = _Loss()
                self._vehicle_found.notify_all()
        if m.get_srcComponent() == state.component_id:
            self._loss[sysid].packet(m.get_seq(), now)
            with self._state_lock:
                events = state.update(m, now)
            if kind == "HEARTBEAT":
                self._pace_heartbeat(sysid, now)
            if kind == "HEARTBEAT" and sysid in self._lost:
                outage = now - self._lost.pop(sysid)
                events.append(ev.LinkRestored(sysid, now, outage))
            for e in events:
                self._emit(e)
        self._wake_waiters(m)

    def _pace_heartbeat(self, sysid: int, now: float) -> None:
        """Send our heartbeat at least as often as the vehicle sends its own.

        The vehicle's GCS failsafe counts in its own time; a simulator or SITL running faster
        than real time expects our 1 Hz heartbeat correspondingly faster. The median interval
        ignores the extra heartbeats a vehicle sends on every mode change."""
        last = self._hb_seen.get(sysid)
        self._hb_seen[sysid] = now
        if last is None or now - last > 5.0:
            return
        self._hb_intervals.append(now - last)
        if len(self._hb_intervals) >= 3:
            median = sorted(self._hb_intervals)[len(self._hb_intervals) // 2]
            self.heartbeat_period = min(self.base_heartbeat_period, max(0.02, median))

    def _wake_waiters(self, m) -> None:
        if not self._waiters:
            return
        with self._waiters_lock:
            waiters = list(self._waiters)
        for w in waiters:
            try:
                if w.predicate(m):
                    w.queue.put(m)
            except Exception:
                log.exception("waiter predicate failed")

    def _signed_packet(self, buf: bytes) -> None:
        stamp = int.from_bytes(buf[-12:-6], "little")
        self.vehicle_signing_timestamp = max(self.vehicle_signing_timestamp, stamp)
        key = self.mav.signing.secret_key
        if key is not None:
            self.signature_ok = hashlib.sha256(key + buf[:-6]).digest()[:6] == buf[-6:]
            if self.mav.signing.timestamp <= stamp:  # never fall behind the vehicle's clock
                self.mav.signing.timestamp = stamp + 1

    def _check_timeouts(self, now: float) -> None:
        for sysid, state in list(self.states.items()):
            hb = state.stamps.get("heartbeat")
            if hb is not None and sysid not in self._lost and now - hb > self.link_timeout:
                self._lost[sysid] = hb
                self._emit(ev.LinkLost(sysid, now, now - hb))

    def _emit(self, event: ev.Event) -> None:
        for cb in list(self._subscribers):
            try:
                cb(event)
            except Exception:
                log.exception("event subscriber failed on %s", type(event).__name__)
