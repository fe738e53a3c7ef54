"""A bad radio link on demand: a TCP or UDP proxy that drops, duplicates, reorders and
delays MAVLink packets, and can black the link out, with a seed for repeatable runs.

Put it between a ground station and a vehicle to test what field links do to the mission
protocol and telemetry. Faults apply to whole MAVLink packets (the TCP byte stream is cut
at packet boundaries, so a dropped packet never leaves half a frame), in both directions.

>>> from sitl.faulty_link import FaultyProxy
>>> proxy = FaultyProxy(upstream=("127.0.0.1", 5760), loss=0.2, seed=1).start()   # doctest: +SKIP
>>> proxy.port                                                                       # doctest: +SKIP
41234
"""

from __future__ import annotations

import heapq
import itertools
import random
import select
import socket
import threading
import time
from dataclasses import dataclass, field

MAV1_MARKER, MAV2_MARKER = 0xFE, 0xFD


def split_packets(buf: bytearray) -> list[bytes]:
    """Cut complete MAVLink 1/2 frames off the front of ``buf`` (bytes before a marker are dropped)."""
    out = []
    while buf:
        start = 0
        while start < len(buf) and buf[start] not in (MAV1_MARKER, MAV2_MARKER):
            start += 1
        if start:
            del buf[:start]
            continue
        if len(buf) < 3:
            break
        if buf[0] == MAV2_MARKER:
            size = 12 + buf[1] + (13 if buf[2] & 1 else 0)
        else:
            size = 8 + buf[1]
        if len(buf) < size:
            break
        out.append(bytes(buf[:size]))
        del buf[:size]
    return out


@dataclass
class LinkStats:
    """What the proxy did to the traffic (both directions)."""

    packets: int = 0
    dropped: int = 0
    duplicated: int = 0
    reordered: int = 0
    blacked_out: int = 0


@dataclass(order=True)
class _Scheduled:
    when: float
    order: int
    data: bytes = field(compare=False)
    dest: object = field(compare=False)


class FaultyProxy:
    """Forwards between ``listen`` (where the ground station connects) and ``upstream`` (the vehicle)."""

    def __init__(self, listen: tuple[str, int] = ("127.0.0.1", 0), upstream: tuple[str, int] = ("127.0.0.1", 5760),
                 transport: str = "tcp", loss: float = 0.0, duplicate: float = 0.0, reorder: float = 0.0,
                 delay_s: float = 0.0, seed: int = 1) -> None:
        if transport not in ("tcp", "udp"):
            raise ValueError(f"transport must be 'tcp' or 'udp', got {transport!r}")
        for name, v in (("loss", loss), ("duplicate", duplicate), ("reorder", reorder)):
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {v}")
        if delay_s < 0:
            raise ValueError(f"delay_s must be >= 0, got {delay_s}")
        self.listen_addr = listen
        self.upstream = upstream
        self.transport = transport
        self.loss, self.duplicate, self.reorder, self.delay_s = loss, duplicate, reorder, delay_s
        self._rng = random.Random(seed)
        self._order = itertools.count()
        self._queue: list[_Scheduled] = []
        self._blackout_until = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.stats = LinkStats()
        self._listener: socket.socket | None = None
        # TCP: client socket <-> upstream socket, with a receive buffer per socket.
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._bufs: dict[socket.socket, bytearray] = {}
        self._outbufs: dict[socket.socket, bytearray] = {}
        # UDP: the ground station's address and the socket facing upstream.
        self._udp_up: socket.socket | None = None
        self._udp_client: tuple[str, int] | None = None
        self.port = 0

    # ---------------------------------------------------------------- control
    def start(self) -> FaultyProxy:
        kind = socket.SOCK_STREAM if self.transport == "tcp" else socket.SOCK_DGRAM
        s = socket.socket(socket.AF_INET, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(self.listen_addr)
        if self.transport == "tcp":
            s.listen(4)
        else:
            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            up.bind((self.listen_addr[0], 0))
            self._udp_up = up
        self._listener = s
        self.port = s.getsockname()[1]
        self._thread = threading.Thread(target=self._run, name=f"faulty-link-{self.port}", daemon=True)
        self._thread.start()
        return self

    def blackout(self, seconds: float) -> None:
        """Drop everything, both ways, for ``seconds`` from now (wall time)."""
        with self._lock:
            self._blackout_until = max(self._blackout_until, time.monotonic() + seconds)

    def set_rates(self, loss: float | None = None, duplicate: float | None = None, reorder: float | None = None,
                  delay_s: float | None = None) -> None:
        """Change fault rates while running."""
        with self._lock:
            self.loss = self.loss if loss is None else loss
            self.duplicate = self.duplicate if duplicate is None else duplicate
            self.reorder = self.reorder if reorder is None else reorder
            self.delay_s = self.delay_s if delay_s is None else delay_s

    @property
    def connection_string(self) -> str:
        host = self.listen_addr[0]
        return f"tcp:{host}:{self.port}" if self.transport == "tcp" else f"udpout:{host}:{self.port}"

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for s in [self._listener, self._udp_up, *self._pairs]:
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass
        self._pairs.clear()

    def __enter__(self) -> FaultyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- faults
    def _pass(self, packets: list[bytes], dest: object) -> None:
        now = time.monotonic()
        with self._lock:
            blackout = now < self._blackout_until
            loss, dup, reorder, delay = self.loss, self.duplicate, self.reorder, self.delay_s
            for pkt in packets:
                self.stats.packets += 1
                if blackout:
                    self.stats.blacked_out += 1
                    continue
                if self._rng.random() < loss:
                    self.stats.dropped += 1
                    continue
                copies = 2 if self._rng.random() < dup else 1
                if copies == 2:
                    self.stats.duplicated += 1
                for _ in range(copies):
                    when = now + delay
                    if self._rng.random() < reorder:
                        self.stats.reordered += 1
                        when += self._rng.uniform(0.005, 0.05)
                    heapq.heappush(self._queue, _Scheduled(when, next(self._order), pkt, dest))

    def _deliver_due(self) -> float:
        """Send what is due; return seconds until the next scheduled packet (or a short idle wait)."""
        now = time.monotonic()
        while self._queue and self._queue[0].when <= now:
            item = heapq.heappop(self._queue)
            self._send(item.data, item.dest)
        for s, buf in list(self._outbufs.items()):
            if buf:
                try:
                    n = s.send(bytes(buf))
                    self._outbufs[s] = buf[n:]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self._close_pair(s)
        return max(0.0, min(0.01, self._queue[0].when - now)) if self._queue else 0.01

    def _send(self, data: bytes, dest: object) -> None:
        if self.transport == "udp":
            sock, addr = dest  # type: ignore[misc]
            if addr is not None:
                try:
                    sock.sendto(data, addr)
                except OSError:
                    pass
            return
        if dest in self._outbufs:
            self._outbufs[dest] += data  # type: ignore[index]

    # ---------------------------------------------------------------- loop
    def _run(self) -> None:
        while not self._stop.is_set():
            wait = self._deliver_due()
            socks = [s for s in [self._listener, self._udp_up, *self._pairs] if s is not None]
            try:
                readable, _, _ = select.select(socks, [], [], wait)
            except (OSError, ValueError):
                readable = []
            for s in readable:
                if self.transport == "tcp":
                    self._tcp_readable(s)
                else:
                    self._udp_readable(s)

    def _tcp_readable(self, s: socket.socket) -> None:
        if s is self._listener:
            try:
                client, _ = s.accept()
                up = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                return
            for a, b in ((client, up), (up, client)):
                a.setblocking(False)
                a.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._pairs[a] = b
                self._bufs[a] = bytearray()
                self._outbufs[a] = bytearray()
            return
        try:
            data = s.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._close_pair(s)
            return
        buf = self._bufs[s]
        buf += data
        self._pass(split_packets(buf), self._pairs[s])

    def _close_pair(self, s: socket.socket) -> None:
        other = self._pairs.pop(s, None)
        for x in (s, other):
            if x is None:
                continue
            self._pairs.pop(x, None)
            self._bufs.pop(x, None)
            self._outbufs.pop(x, None)
            try:
                x.close()
            except OSError:
                pass

    def _udp_readable(self, s: socket.socket) -> None:
        try:
            data, addr = s.recvfrom(65535)
        except OSError:
            return
        assert self._listener is not None and self._udp_up is not None
        if s is self._listener:
            self._udp_client = addr
            self._pass([data], (self._udp_up, self.upstream))
        else:
            self._pass([data], (self._listener, self._udp_client))
