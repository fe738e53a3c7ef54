"""Telemetry logs (``.tlog``) as MAVProxy and QGroundControl write them.

Each record is an 8-byte big-endian timestamp (microseconds since the Unix epoch) followed
by one raw MAVLink packet, exactly as it crossed the wire. pymavlink's ``mavutil``,
MAVExplorer and the flight-review tools read this without any conversion. The file is an
append-only log: a crash loses at most the last unflushed records and never corrupts
earlier ones, which is why it is not written atomically like our other files.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

_STAMP = struct.Struct(">Q")


class TlogWriter:
    """Appends packets with their time. Thread-safe; flushes at most once a second.

    Both directions are logged (vehicle to us and us to vehicle), as MAVProxy does, so a
    log shows what we asked for as well as what the vehicle said.
    """

    def __init__(self, path: str | Path, flush_interval_s: float = 1.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "ab")  # noqa: SIM115 - lives as long as the link
        self._lock = threading.Lock()
        self._flush_interval = flush_interval_s
        self._last_flush = time.monotonic()
        self.records = 0
        #: Why logging stopped (disk full, drive unplugged), or None. The flight goes on without a log
        #: rather than the link thread dying on a write error; the station shows this to the pilot.
        self.error: str | None = None

    def _failed(self, exc: OSError) -> None:
        """Stop logging after a write error, keeping what was written; never raise into the link."""
        self.error = f"telemetry log {self.path} stopped: {exc.strerror or exc}"
        try:
            self._fh.close()
        except OSError:
            pass

    def write(self, packet: bytes, when: float | None = None) -> None:
        """Append one raw packet stamped with ``when`` (Unix seconds; now if omitted)."""
        stamp = _STAMP.pack(int((time.time() if when is None else when) * 1_000_000))
        with self._lock:
            if self._fh.closed:
                return
            try:
                self._fh.write(stamp + packet)
                self.records += 1
                now = time.monotonic()
                if now - self._last_flush >= self._flush_interval:
                    self._fh.flush()
                    self._last_flush = now
            except OSError as exc:
                self._failed(exc)

    def _flush_locked(self) -> None:
        if not self._fh.closed:
            try:
                self._fh.flush()
            except OSError as exc:
                self._failed(exc)

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def close(self) -> None:
        with self._lock:
            self._flush_locked()
            self._fh.close()


def iter_tlog(path: str | Path):
    """Yield ``(unix_seconds, raw_packet_bytes)`` from a tlog without decoding the packets.

    Used to replay a log at full speed (benchmarks, training). Packet boundaries come from
    the MAVLink header length field (v1 0xFE, v2 0xFD incl. the signature flag).
    """
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return
        # mapped, not read: a multi-gigabyte log is paged in as it is walked, not loaded at once
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield from _records(data)


def _records(data) -> Iterator[tuple[float, bytes]]:
    i, n = 0, len(data)
    while i + 8 + 3 <= n:
        (stamp,) = _STAMP.unpack_from(data, i)
        j = i + 8
        magic = data[j]
        if magic == 0xFD:
            length = 12 + data[j + 1] + (13 if data[j + 2] & 1 else 0)
        elif magic == 0xFE:
            length = 8 + data[j + 1]
        else:  # not a record boundary: the log is damaged here; stop rather than guess
            return
        if j + length > n:
            return
        yield stamp / 1e6, data[j:j + length]
        i = j + length
