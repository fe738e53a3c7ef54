"""Moving CoT events: UDP multicast on the team's network, unicast UDP, or TCP to a TAK server.

Why threads and plain sockets rather than pytak's asyncio workers: the rest of the ground station
runs one thread per link and hands plain values between them; a CoT link is one more such thread
with a queue, and can be started and stopped from the CLI, the headless mission runner or the GUI
without an event loop. A TAK link must never stall the station: sends never block for long, and a
lost TAK server is retried in the background while the mission goes on.

URLs follow the TAK convention: ``udp://239.2.3.1:6969`` (the ATAK "SA" multicast group, the
default), ``udp://10.0.0.5:4242`` (one client), ``tcp://takserver.local:8087`` (a TAK server's
plain streaming port).
"""

from __future__ import annotations

import ipaddress
import queue
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from groundcontrol.tak.cot import MAX_EVENT_BYTES, Marker, parse_event, to_mesh
from search_patterns.errors import InputError

DEFAULT_URL = "udp://239.2.3.1:6969"
_END = b"</event>"


@dataclass(frozen=True)
class CotEndpoint:
    """Where CoT goes: ``scheme`` is ``udp`` or ``tcp``."""

    scheme: str
    host: str
    port: int

    @property
    def multicast(self) -> bool:
        try:
            return self.scheme == "udp" and ipaddress.ip_address(self.host).is_multicast
        except ValueError:
            return False

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_url(url: str) -> CotEndpoint:
    """``udp://host:port`` or ``tcp://host:port`` (``udp`` is the default scheme, 6969 the default port)."""
    text = url.strip()
    if "://" not in text:
        text = "udp://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("udp", "tcp"):
        raise InputError(f"scheme {parts.scheme!r} is not udp or tcp (TLS TAK servers are not supported yet)",
                         where=f"CoT address {url!r}")
    try:
        port = parts.port or 6969
    except ValueError:
        raise InputError("port is not a number in 1..65535", where=f"CoT address {url!r}") from None
    if not parts.hostname:
        raise InputError("no host", where=f"CoT address {url!r}")
    return CotEndpoint(scheme, parts.hostname, port)


@dataclass(frozen=True)
class LinkStatus:
    """What a CoT link has done, for a status line."""

    endpoint: str
    connected: bool
    sent: int
    received: int
    rejected: int
    last_error: str
    last_rejected: str = ""


class CotLink:
    """Send CoT events to one endpoint and collect the events that come back as ``Marker`` values.

    Over UDP multicast it listens on the same group and port (so markers ATAK users drop on the
    mesh arrive); over TCP it reads the TAK server's stream on the same connection. Events whose
    uid this link sent itself are not handed back. ``on_marker`` is called from the reader thread;
    otherwise take markers with ``get()`` / ``drain()``.

    ``interface`` picks the network interface (its IPv4 address) for multicast: a laptop with Wi-Fi
    and a radio bridge must say which one the team is on.
    """

    def __init__(self, url: str = DEFAULT_URL, *, listen: bool = True, listen_port: int | None = None,
                 interface: str | None = None, ttl: int = 1, mesh: bool = False,
                 on_marker: Callable[[Marker], None] | None = None, reconnect_s: float = 2.0,
                 connect_timeout_s: float = 5.0, queue_size: int = 10000) -> None:
        self.endpoint = parse_url(url)
        self._listen, self._listen_port = listen, listen_port
        self._iface, self._ttl, self._mesh = interface, ttl, mesh
        self._on_marker = on_marker
        self._reconnect_s, self._connect_timeout_s = reconnect_s, connect_timeout_s
        self._queue: queue.Queue[Marker] = queue.Queue(maxsize=queue_size)
        self._own: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._sock: socket.socket | None = None
        self._rx: socket.socket | None = None
        self.sent = self.received = self.rejected = 0
        self.last_error = ""  # why sending or connecting fails now ("" when all is well)
        self.last_rejected = ""  # why the last unreadable event was dropped
        if self.endpoint.scheme == "udp":
            self._open_udp()
            target = self._udp_reader
        else:
            target = self._tcp_loop
        self._thread = threading.Thread(target=target, name=f"cot {self.endpoint}", daemon=True)
        if self.endpoint.scheme == "tcp" or self._rx is not None:
            self._thread.start()

    # -- UDP --------------------------------------------------------------------------------
    def _open_udp(self) -> None:
        ep = self.endpoint
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if ep.multicast:
            tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, self._ttl)
            tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            if self._iface:
                tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self._iface))
        self._sock = tx
        self._connected.set()
        if not self._listen or (not ep.multicast and self._listen_port is None):
            return
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if hasattr(socket, "SO_REUSEPORT"):
            rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        port = self._listen_port if self._listen_port is not None else ep.port
        try:
            if ep.multicast:
                rx.bind(("", port))
                iface = socket.inet_aton(self._iface) if self._iface else struct.pack("=I", socket.INADDR_ANY)
                rx.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(ep.host) + iface)
            else:
                rx.bind((self._iface or "0.0.0.0", port))
        except OSError as exc:
            rx.close()
            tx.close()
            raise InputError(f"cannot listen for CoT on port {port}: {exc.strerror or exc}",
                             where=str(ep)) from None
        rx.settimeout(0.25)
        self._rx = rx

    @property
    def listen_address(self) -> tuple[str, int] | None:
        """The local (host, port) this link receives on, if it listens (UDP)."""
        return self._rx.getsockname() if self._rx is not None else None

    def _udp_reader(self) -> None:
        assert self._rx is not None
        while not self._stop.is_set():
            try:
                data, addr = self._rx.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                time.sleep(0.1)
                continue
            self._accept(data, f"CoT from {addr[0]}:{addr[1]}")

    # -- TCP --------------------------------------------------------------------------------
    def _tcp_loop(self) -> None:
        ep = self.endpoint
        while not self._stop.is_set():
            try:
                sock = socket.create_connection((ep.host, ep.port), timeout=self._connect_timeout_s)
            except OSError as exc:
                self.last_error = f"cannot connect to TAK server {ep}: {exc.strerror or exc}"
                self._stop.wait(self._reconnect_s)
                continue
            sock.settimeout(1.0)
            with self._lock:
                self._sock = sock
            self._connected.set()
            self.last_error = ""
            self._read_stream(sock)
            self._connected.clear()
            with self._lock:
                self._sock = None
            try:
                sock.close()
            except OSError:
                pass
            if not self._stop.is_set():
                self._stop.wait(self._reconnect_s)

    def _read_stream(self, sock: socket.socket) -> None:
        buf = b""
        where = f"TAK server {self.endpoint}"
        while not self._stop.is_set():
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as exc:
                self.last_error = f"lost TAK server {self.endpoint}: {exc.strerror or exc}"
                return
            if not chunk:
                self.last_error = f"TAK server {self.endpoint} closed the connection"
                return
            buf += chunk
            while True:
                end = buf.find(_END)
                if end < 0:
                    if len(buf) > MAX_EVENT_BYTES:  # a server sending garbage: drop it, keep going
                        self.rejected += 1
                        buf = b""
                    break
                one, buf = buf[: end + len(_END)], buf[end + len(_END):]
                start = one.rfind(b"<event")
                if start < 0:
                    self.rejected += 1
                    continue
                self._accept(one[start:], where)

    # -- common -----------------------------------------------------------------------------
    def _accept(self, data: bytes, where: str) -> None:
        try:
            marker = parse_event(data, where=where)
        except InputError as exc:
            self.rejected += 1
            self.last_rejected = str(exc)
            return
        if marker.uid in self._own:
            return
        self.received += 1
        if self._on_marker is not None:
            try:
                self._on_marker(marker)
            except Exception as exc:  # an observer's bug must not stop the reader
                self.last_error = f"marker observer failed: {exc!r}"
        try:
            self._queue.put_nowait(marker)
        except queue.Full:  # keep the newest: drop the oldest
            try:
                self._queue.get_nowait()
            except queue.Empty:
                pass
            self._queue.put_nowait(marker)

    def wait_connected(self, timeout: float) -> bool:
        """Block until the link can send (immediately for UDP); False on timeout."""
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def send(self, event: bytes, *, uid: str | None = None) -> bool:
        """Send one event. Returns False (and keeps ``last_error``) if it could not go out now.

        ``uid`` (read from the event when not given) is remembered so our own events coming back
        over multicast are not reported as markers.
        """
        if uid is None:
            i = event.find(b'uid="')
            if i >= 0:
                uid = event[i + 5: event.find(b'"', i + 5)].decode("utf-8", "replace")
        if uid:
            self._own.add(uid)
        ep = self.endpoint
        try:
            if ep.scheme == "udp":
                payload = to_mesh(event) if self._mesh else event
                assert self._sock is not None
                self._sock.sendto(payload, (ep.host, ep.port))
            else:
                with self._lock:
                    sock = self._sock
                    if sock is None:
                        self.last_error = self.last_error or f"not connected to TAK server {ep}"
                        return False
                    sock.sendall(event)
        except OSError as exc:
            self.last_error = f"sending CoT to {ep} failed: {exc.strerror or exc}"
            if ep.scheme == "tcp":
                with self._lock:
                    if self._sock is not None:
                        try:
                            self._sock.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
            return False
        self.sent += 1
        if ep.scheme == "udp":
            self.last_error = ""
        return True

    def get(self, timeout: float | None = None) -> Marker | None:
        """The next received marker, or None after ``timeout`` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def drain(self) -> list[Marker]:
        """Every marker received so far and not yet taken."""
        out = []
        while True:
            try:
                out.append(self._queue.get_nowait())
            except queue.Empty:
                return out

    def markers(self, until: float) -> Iterator[Marker]:
        """Yield markers as they arrive until ``until`` seconds have passed."""
        deadline = time.monotonic() + until
        while (left := deadline - time.monotonic()) > 0:
            m = self.get(timeout=left)
            if m is not None:
                yield m

    def status(self) -> LinkStatus:
        return LinkStatus(str(self.endpoint), self.connected, self.sent, self.received, self.rejected,
                          self.last_error, self.last_rejected)

    def close(self) -> None:
        """Stop the reader and close sockets; safe to call twice."""
        self._stop.set()
        with self._lock:
            socks = [s for s in (self._sock, self._rx) if s is not None]
        for s in socks:
            try:
                if s.type == socket.SOCK_STREAM:
                    s.shutdown(socket.SHUT_RDWR)  # wakes the reader's recv at once
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)

    def __enter__(self) -> CotLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
