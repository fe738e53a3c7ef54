"""Connection strings and byte transports (TCP, UDP listen, UDP out, serial radio).

Connection strings are the ones MAVProxy and QGC users already type:

- ``tcp:HOST:PORT``      connect to a TCP server (SITL, a WiFi bridge, MAVProxy ``--out tcpin``)
- ``udp:HOST:PORT``      listen on UDP (also ``udpin:``); replies go to whoever sent last
- ``udpout:HOST:PORT``   send to a fixed UDP address (and read what comes back)
- ``/dev/ttyUSB0`` or ``/dev/ttyUSB0:57600`` or ``serial:/dev/ttyUSB0:57600`` (also ``COM3``)
  a telemetry radio; the default baud is 57600 (SiK radios).

We use our own small transports rather than ``mavutil``'s because the link thread must
own reconnection (a TCP peer that restarts, a proxy that drops the link) without the
library printing to the terminal or sleeping inside a read.
"""

from __future__ import annotations

import errno
import select
import socket
import time
from dataclasses import dataclass

from groundcontrol.errors import LinkError
from search_patterns.errors import InputError

DEFAULT_BAUD = 57600


@dataclass(frozen=True)
class Endpoint:
    """A parsed connection string."""

    kind: str  # "tcp", "udpin", "udpout", "serial"
    host: str = ""
    port: int = 0
    device: str = ""
    baud: int = DEFAULT_BAUD

    def __str__(self) -> str:
        if self.kind == "serial":
            return f"{self.device}:{self.baud}"
        return f"{self.kind}:{self.host}:{self.port}"


def parse_endpoint(text: str) -> Endpoint:
    """Parse a connection string; :class:`InputError` naming the string and the accepted forms."""
    s = text.strip()
    forms = "tcp:HOST:PORT, udp:HOST:PORT, udpout:HOST:PORT or /dev/ttyUSB0[:BAUD]"
    if not s:
        raise InputError(f"empty connection string; use {forms}", where="--connect")
    if s.startswith("serial:"):
        s = s[len("serial:"):]
        return _serial(s, text, forms)
    if s.startswith(("/", "COM", "com")):
        return _serial(s, text, forms)
    kind, _, rest = s.partition(":")
    kind = {"udp": "udpin", "udpin": "udpin", "udpout": "udpout", "tcp": "tcp"}.get(kind.lower(), "")
    host, _, port_s = rest.rpartition(":")
    if not kind or not host or not port_s.isdigit() or not 0 < int(port_s) < 65536:
        raise InputError(f"cannot use connection string {text!r}; use {forms}", where="--connect")
    return Endpoint(kind, host=host, port=int(port_s))


def _serial(s: str, text: str, forms: str) -> Endpoint:
    device, baud = s, DEFAULT_BAUD
    for sep in (",", ":"):
        head, found, tail = s.rpartition(sep)
        if found and tail.isdigit():
            device, baud = head, int(tail)
            break
    if not device:
        raise InputError(f"cannot use connection string {text!r}; use {forms}", where="--connect")
    return Endpoint("serial", device=device, baud=baud)


class Transport:
    """Bytes in and out. ``read`` returns b"" when nothing came in ``timeout`` seconds and
    raises :class:`ConnectionError` when the link is broken (the link thread reconnects)."""

    reconnectable = False

    def read(self, timeout: float) -> bytes:
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class TcpTransport(Transport):
    reconnectable = True

    def __init__(self, host: str, port: int, connect_timeout: float = 5.0) -> None:
        try:
            self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as exc:
            raise LinkError(f"cannot connect to tcp:{host}:{port}: {exc.strerror or exc}") from exc
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(None)
        self.sock.setblocking(False)

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return b""
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise ConnectionError(str(exc)) from exc
        if not data:
            raise ConnectionError("connection closed by the other end")
        return data

    SEND_TIMEOUT_S = 2.0  # a peer that takes nothing for this long is gone (dead WiFi, unplugged bridge)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + self.SEND_TIMEOUT_S
        while view:
            try:
                sent = self.sock.send(view)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConnectionError("the other end has not taken data for 2 s") from None
                select.select([], [self.sock], [], 0.2)
                continue
            except OSError as exc:
                raise ConnectionError(str(exc)) from exc
            view = view[sent:]

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class UdpTransport(Transport):
    """UDP in either direction. ``listen`` binds and answers every address that sent to us in
    the last half minute (several vehicles may share one port: each ignores what is not for
    its system id, as MAVLink routing expects); otherwise it sends to one fixed address."""

    PEER_TTL_S = 30.0

    def __init__(self, host: str, port: int, listen: bool) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.peers: dict[tuple[str, int], float] = {}
        self.fixed: tuple[str, int] | None = None
        try:
            if listen:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.sock.bind((host, port))
            else:
                self.fixed = (socket.gethostbyname(host), port)
        except OSError as exc:
            self.sock.close()
            raise LinkError(f"cannot use udp {host}:{port}: {exc.strerror or exc}") from exc
        self.listen = listen
        self.sock.setblocking(False)

    @property
    def local_port(self) -> int:
        return self.sock.getsockname()[1]

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return b""
        try:
            data, addr = self.sock.recvfrom(65536)
        except (BlockingIOError, ConnectionRefusedError):
            return b""
        if self.listen:
            self.peers[addr] = time.monotonic()
        return data

    def write(self, data: bytes) -> None:
        if self.fixed is not None:
            targets = [self.fixed]
        else:
            now = time.monotonic()
            targets = [a for a, seen in self.peers.items() if now - seen < self.PEER_TTL_S]
        for addr in targets:  # nobody yet: nothing to answer
            try:
                self.sock.sendto(data, addr)
            except (BlockingIOError, ConnectionRefusedError):
                pass
            except OSError as exc:
                if exc.errno not in (errno.ENETUNREACH, errno.EHOSTUNREACH):
                    raise ConnectionError(str(exc)) from exc

    def close(self) -> None:
        self.sock.close()


class SerialTransport(Transport):
    reconnectable = True  # a USB radio unplugged and plugged back in comes back

    def __init__(self, device: str, baud: int) -> None:
        try:
            import serial  # pyserial
        except ImportError as exc:  # pragma: no cover - pyserial is a dependency
            raise LinkError("serial links need the pyserial package (pip install pyserial)") from exc
        try:
            self.port = serial.Serial(device, baud, timeout=0, write_timeout=2)
        except (OSError, serial.SerialException) as exc:
            raise LinkError(f"cannot open serial port {device} at {baud} baud: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        try:
            ready, _, _ = select.select([self.port.fileno()], [], [], timeout)
            if not ready:
                return b""
            data = self.port.read(self.port.in_waiting or 1)
        except OSError as exc:
            raise ConnectionError(str(exc)) from exc
        return data or b""

    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except Exception as exc:  # serial.SerialTimeoutException and OSError
            raise ConnectionError(str(exc)) from exc

    def close(self) -> None:
        self.port.close()


def open_transport(endpoint: Endpoint) -> Transport:
    """Open the transport an endpoint names; :class:`LinkError` with the reason if it cannot."""
    if endpoint.kind == "tcp":
        return TcpTransport(endpoint.host, endpoint.port)
    if endpoint.kind == "udpin":
        return UdpTransport(endpoint.host, endpoint.port, listen=True)
    if endpoint.kind == "udpout":
        return UdpTransport(endpoint.host, endpoint.port, listen=False)
    return SerialTransport(endpoint.device, endpoint.baud)
