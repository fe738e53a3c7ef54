"""The vehicle's serial ports over sockets, like SITL: TCP servers (SERIAL0, SERIAL1) and an
optional UDP output.

A :class:`Port` is one MAVLink channel of the vehicle: it has one outgoing sequence
number, its own stream rates and its own signing rule, and every client connected to it
receives everything sent on it. Each client has its own parser (its own byte stream).
Sockets are non-blocking; a client that stops reading loses packets instead of stalling
the vehicle.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

from pymavlink.dialects.v20 import ardupilotmega as mavlink

from sitl.signing import SigningState
from sitl.streams import LinkStreams

MAX_BACKLOG = 4 * 1024 * 1024   # bytes queued for a slow client before new packets are dropped


class Peer:
    """One connected client (TCP) or the UDP destination: a parser plus an output queue."""

    def __init__(self, sock: socket.socket, addr: Any = None, udp: bool = False) -> None:
        self.sock = sock
        self.addr = addr
        self.udp = udp
        self.parser = mavlink.MAVLink(None)
        self.parser.robust_parsing = True
        self._out = bytearray()
        # queue() runs on whichever thread sends (vehicle loop, command handlers) and flush()
        # on the I/O loop; resizing the buffer while bytes() reads it raises BufferError.
        self._out_lock = threading.Lock()
        self.closed = False

    def queue(self, data: bytes) -> None:
        if self.udp:
            try:
                self.sock.sendto(data, self.addr)
            except OSError:
                pass
            return
        with self._out_lock:
            if len(self._out) + len(data) > MAX_BACKLOG:
                return
            self._out += data

    def flush(self) -> None:
        if self.udp or not self._out or self.closed:
            return
        try:
            with self._out_lock:
                n = self.sock.send(bytes(self._out))
                del self._out[:n]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.close()

    def receive(self) -> Iterator[Any]:
        """Read what is waiting and yield the MAVLink messages it completes (bad signatures dropped)."""
        try:
            if self.udp:
                data, addr = self.sock.recvfrom(65535)
                if self.addr is None:
                    self.addr = addr
            else:
                data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        if not data:
            self.close()
            return
        msgs = self.parser.parse_buffer(data) or []
        for msg in msgs:
            if msg.get_type() != "BAD_DATA":
                yield msg

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass


class Port:
    """A vehicle serial port: a TCP listener (or UDP socket), its clients, encoder and streams."""

    def __init__(self, index: int, sysid: int, accept_unsigned: bool) -> None:
        self.index = index                    # 0 = SERIAL0 (MAV1_* params), 1 = SERIAL1, ...
        self.accept_unsigned = accept_unsigned
        self.encoder = mavlink.MAVLink(None, srcSystem=sysid, srcComponent=1)
        self.streams = LinkStreams()
        self.peers: list[Peer] = []
        self.listener: socket.socket | None = None
        self.port = 0

    @classmethod
    def tcp(cls, index: int, sysid: int, host: str, port: int, accept_unsigned: bool) -> Port:
        p = cls(index, sysid, accept_unsigned)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(4)
        s.setblocking(False)
        p.listener = s
        p.port = s.getsockname()[1]
        return p

    @classmethod
    def udp_out(cls, index: int, sysid: int, dest: tuple[str, int], accept_unsigned: bool) -> Port:
        p = cls(index, sysid, accept_unsigned)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1" if dest[0] in ("127.0.0.1", "localhost") else "0.0.0.0", 0))
        s.setblocking(False)
        p.peers.append(Peer(s, dest, udp=True))
        p.port = s.getsockname()[1]
        return p

    def accept(self, signing: SigningState) -> Peer | None:
        assert self.listener is not None
        try:
            conn, addr = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return None
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = Peer(conn, addr)
        signing.apply_parser(peer.parser, self.accept_unsigned)
        self.peers.append(peer)
        return peer

    def send(self, msg: Any) -> None:
        """Encode once (one sequence number for the port) and queue for every client."""
        if not self.peers:
            return
        buf = msg.pack(self.encoder)
        self.encoder.seq = (self.encoder.seq + 1) % 256
        for peer in self.peers:
            peer.queue(buf)

    def apply_signing(self, signing: SigningState) -> None:
        signing.apply_encoder(self.encoder, self.index)
        for peer in self.peers:
            signing.apply_parser(peer.parser, self.accept_unsigned)

    def flush(self) -> None:
        for peer in self.peers:
            peer.flush()
        self.peers = [p for p in self.peers if not p.closed]

    def sockets(self) -> list[socket.socket]:
        socks = [p.sock for p in self.peers if not p.closed]
        if self.listener is not None:
            socks.append(self.listener)
        return socks

    def close(self) -> None:
        for peer in self.peers:
            peer.close()
        self.peers = []
        if self.listener is not None:
            self.listener.close()
            self.listener = None


class Reply:
    """Where an answer to one incoming message goes: the port it came in on."""

    def __init__(self, port: Port) -> None:
        self.port = port

    def send(self, msg: Any) -> None:
        self.port.send(msg)
