"""Forwarding the vehicle's traffic to other programs, and their messages back.

Another GCS on a team member's laptop, a user's dronekit script, MAVProxy: each connects
to one of our forward endpoints and sees every packet the vehicle sends, exactly as sent
(signatures included). Whole packets they send are passed to the vehicle unchanged, in
between our own packets (never interleaved mid-packet), and are logged in the tlog.

Endpoint forms:

- ``tcpin:HOST:PORT``  a TCP server; any number of clients (port 0 picks a free one)
- ``udpout:HOST:PORT`` send to a fixed address; replies from it are routed back
- ``udp:HOST:PORT``    listen on UDP; send to every address that talked to us in the last minute

A slow client never slows the link: what it cannot take is buffered up to 1 MB, then
the client is dropped.
"""

from __future__ import annotations

import logging
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from groundcontrol.link import Link
from search_patterns.errors import InputError

log = logging.getLogger(__name__)
MAX_PENDING = 1 << 20
UDP_PEER_TTL_S = 60.0


@dataclass
class _Client:
    sock: socket.socket
    addr: tuple
    parser: mavlink.MAVLink
    pending: bytearray = field(default_factory=bytearray)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _parser() -> mavlink.MAVLink:
    p = mavlink.MAVLink(None)
    p.robust_parsing = True
    return p


class Forwarder:
    """Forward one link to any number of endpoints. ``addresses`` lists where each listens."""

    def __init__(self, link: Link, endpoints: list[str]) -> None:
        self.link = link
        self._sel = selectors.DefaultSelector()
        self._clients: list[_Client] = []
        self._udp: list[tuple[socket.socket, dict[tuple, float], tuple | None]] = []
        self._servers: list[socket.socket] = []
        self.addresses: list[str] = []
        self.packets_out = 0
        self.packets_in = 0
        self._stop = threading.Event()
        self._udp_parsers: dict[tuple, mavlink.MAVLink] = {}
        for text in endpoints:
            self._open(text)
        self._unobserve = link.add_packet_observer(self._broadcast)
        self._thread = threading.Thread(target=self._run, name="mavlink-forward", daemon=True)
        self._thread.start()

    def _open(self, text: str) -> None:
        kind, _, rest = text.strip().partition(":")
        host, _, port_s = rest.rpartition(":")
        if kind not in ("tcpin", "udpout", "udp", "udpin") or not host or not port_s.isdigit():
            raise InputError(f"cannot forward to {text!r}; use tcpin:HOST:PORT, udpout:HOST:PORT or "
                             "udp:HOST:PORT", where="--forward")
        port = int(port_s)
        try:
            if kind == "tcpin":
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((host, port))
                s.listen(8)
                s.setblocking(False)
                self._servers.append(s)
                self._sel.register(s, selectors.EVENT_READ, ("accept", s))
                self.addresses.append(f"tcp:{host}:{s.getsockname()[1]}")
            else:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                fixed = None
                if kind == "udpout":
                    fixed = (socket.gethostbyname(host), port)
                    s.bind(("0.0.0.0" if host not in ("127.0.0.1", "localhost") else "127.0.0.1", 0))
                    self.addresses.append(f"udp:{host}:{port}")
                else:
                    s.bind((host, port))
                    self.addresses.append(f"udpout:{host}:{s.getsockname()[1]}")
                s.setblocking(False)
                entry = (s, {}, fixed)
                self._udp.append(entry)
                self._sel.register(s, selectors.EVENT_READ, ("udp", entry))
        except OSError as exc:
            raise InputError(f"cannot open forward endpoint {text!r}: {exc.strerror or exc}",
                             where="--forward") from exc

    # -- vehicle -> clients (link thread) ------------------------------------------------------
    def _broadcast(self, packet: bytes) -> None:
        self.packets_out += 1
        for c in list(self._clients):
            with c.lock:
                if c.pending:
                    c.pending += packet
                else:
                    try:
                        sent = c.sock.send(packet)
                    except BlockingIOError:
                        sent = 0
                    except OSError:
                        self._drop(c)
                        continue
                    if sent < len(packet):
                        c.pending += packet[sent:]
                if len(c.pending) > MAX_PENDING:
                    log.warning("forward client %s too slow; dropped", c.addr)
                    self._drop(c)
        now = time.monotonic()
        for s, peers, fixed in self._udp:
            targets = [fixed] if fixed else [p for p, t in peers.items() if now - t < UDP_PEER_TTL_S]
            for addr in targets:
                try:
                    s.sendto(packet, addr)
                except OSError:
                    pass

    def _drop(self, c: _Client) -> None:
        if c in self._clients:
            self._clients.remove(c)
        try:
            self._sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    # -- clients -> vehicle (forwarder thread) --------------------------------------------------
    def _to_vehicle(self, parser: mavlink.MAVLink, data: bytes) -> None:
        msgs = parser.parse_buffer(data) or []
        for m in msgs:
            if m.get_type() == "BAD_DATA":
                continue
            self.packets_in += 1
            self.link.send_raw(bytes(m.get_msgbuf()))

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._sel.select(timeout=0.05):
                kind, obj = key.data
                if kind == "accept":
                    try:
                        sock, addr = obj.accept()
                    except OSError:
                        continue
                    sock.setblocking(False)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    c = _Client(sock, addr, _parser())
                    self._clients.append(c)
                    self._sel.register(sock, selectors.EVENT_READ, ("client", c))
                elif kind == "client":
                    try:
                        data = obj.sock.recv(65536)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        with obj.lock:
                            self._drop(obj)
                        continue
                    self._to_vehicle(obj.parser, data)
                else:
                    s, peers, fixed = obj
                    try:
                        data, addr = s.recvfrom(65536)
                    except OSError:
                        continue
                    if fixed is None:
                        peers[addr] = time.monotonic()
                    self._to_vehicle(self._udp_parsers.setdefault(addr, _parser()), data)
            for c in list(self._clients):  # flush what slow clients could not take at once
                with c.lock:
                    if c.pending:
                        try:
                            sent = c.sock.send(c.pending)
                            del c.pending[:sent]
                        except BlockingIOError:
                            pass
                        except OSError:
                            self._drop(c)

    def close(self) -> None:
        self._stop.set()
        self._unobserve()
        self._thread.join(timeout=2.0)
        for c in list(self._clients):
            self._drop(c)
        for s in self._servers:
            s.close()
        for s, _, _ in self._udp:
            s.close()
        self._sel.close()
