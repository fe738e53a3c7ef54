"""The vehicles the app is connected to, without Qt and without blocking the caller.

Connecting and every command (upload, arm, take off …) wait for the vehicle's answer, so they
run on a small worker pool. Link events arrive on each vehicle's link thread and are only
queued here. The GUI pulls everything with :meth:`Fleet.poll` from a timer, at its own rate,
so telemetry floods never reach the event loop directly.
"""

from __future__ import annotations

import importlib
import math
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search_patterns.camera import Camera
from search_patterns.geo import haversine_m, offset_latlon
from search_patterns.plan import Plan

TRAIL_MAX = 600
# what a pilot may ask for, and the Vehicle method that does it
ACTIONS = ("upload", "arm", "takeoff", "start", "pause", "resume", "rtl", "land", "disarm")


@dataclass(frozen=True)
class ActionResult:
    """How a command ended: ``ok`` and a sentence for the pilot (the vehicle's reason on failure)."""

    key: str
    action: str
    ok: bool
    message: str


@dataclass
class VehicleEntry:
    """One connected vehicle and what the GUI has pulled from it so far."""

    key: str
    conn_str: str
    vehicle: Any
    events: deque = field(default_factory=lambda: deque(maxlen=2000))
    trail: deque = field(default_factory=lambda: deque(maxlen=TRAIL_MAX))
    snapshot: Any = None
    messages: deque = field(default_factory=lambda: deque(maxlen=200))
    link_lost: bool = False
    plan: Plan | None = None
    battery_log: deque = field(default_factory=lambda: deque(maxlen=600))
    upload_progress: float | None = None


@dataclass(frozen=True)
class Progress:
    """Mission progress for the pilot: waypoint i of n, time to finish, battery left at the end."""

    current: int
    total: int
    eta_s: float | None
    battery_end_pct: float | None


def camera_footprint(camera: Camera, snap) -> tuple[tuple[float, float], ...]:
    """The camera's nadir footprint corners (lat, lon) around the vehicle, turned by heading."""
    if not snap.has_position or not snap.alt_rel or snap.alt_rel < 2:
        return ()
    w, h = camera.footprint_m(snap.alt_rel)
    yaw = math.radians(snap.heading if snap.heading is not None else (snap.yaw or 0.0))
    corners = []
    for dx, dy in ((-w / 2, h / 2), (w / 2, h / 2), (w / 2, -h / 2), (-w / 2, -h / 2)):
        east = dx * math.cos(yaw) + dy * math.sin(yaw)
        north = -dx * math.sin(yaw) + dy * math.cos(yaw)
        corners.append(offset_latlon(snap.lat, snap.lon, north, east))
    return tuple(corners)


def _signing_key(text: str) -> bytes:
    """A key file path, or a passphrase shared with the vehicle's operator."""
    signing = importlib.import_module("groundcontrol.signing")
    path = Path(text).expanduser()
    return signing.load_key(path) if path.is_file() else signing.key_from_passphrase(text)


def _vehicle_class():
    return importlib.import_module("groundcontrol.vehicle").Vehicle


class Fleet:
    """Connected vehicles keyed ``"vehicle-1"``, ``"vehicle-2"`` … in connection order."""

    def __init__(self, camera: Camera | None = None, workers: int = 4) -> None:
        self.camera = camera or Camera()
        self.entries: dict[str, VehicleEntry] = {}
        self._results: deque[ActionResult] = deque()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fleet")
        self._lock = threading.Lock()
        self._count = 0

    # ---- connecting ---------------------------------------------------------------------------
    def connect(self, conn_str: str, *, tlog_path: str | None = None, signing_key: str | None = None) -> str:
        """Start connecting in the background; returns the key the vehicle will have."""
        with self._lock:
            self._count += 1
            key = f"vehicle-{self._count}"
        self._pool.submit(self._connect, key, conn_str, tlog_path, signing_key)
        return key

    def _connect(self, key: str, conn_str: str, tlog_path: str | None, signing_key: str | None) -> None:
        try:
            kwargs: dict[str, Any] = {"tlog_path": tlog_path}
            if signing_key:
                kwargs["signing_key"] = _signing_key(signing_key)
            vehicle = _vehicle_class().connect(conn_str, **kwargs)
        except Exception as exc:  # noqa: BLE001 - any failure is told to the pilot, not raised on a worker
            self._results.append(ActionResult(key, "connect", False, f"Could not connect to {conn_str}: {exc}"))
            return
        entry = VehicleEntry(key, conn_str, vehicle)
        vehicle.subscribe(entry.events.append)  # deque.append is thread-safe; nothing else on the link thread
        with self._lock:
            self.entries[key] = entry
        self._results.append(ActionResult(key, "connect", True, f"Connected to {conn_str}"))

    # ---- commands -----------------------------------------------------------------------------
    def run(self, key: str, action: str, *args: Any) -> None:
        """Send a command in the background; its result comes back through :meth:`poll`."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        entry = self.entries.get(key)
        if entry is None:
            self._results.append(ActionResult(key, action, False, "no such vehicle connected"))
            return
        self._pool.submit(self._run, entry, action, args)

    def _run(self, entry: VehicleEntry, action: str, args: tuple) -> None:
        v = entry.vehicle
        try:
            if action == "upload":
                plan: Plan = args[0]
                entry.upload_progress = 0.0

                def progress(done, total=None) -> None:
                    entry.upload_progress = done / total if total else float(done)

                v.upload_mission(plan.mission_items(), progress=progress)
                entry.plan = plan
                message = f"Mission uploaded: {len(plan.waypoints)} waypoints"
            elif action == "arm":
                v.wait_armable(timeout=60.0)  # GUIDED, pre-arm checks passed, home known
                v.arm()
                message = "Armed"
            elif action == "takeoff":
                v.takeoff(*args)
                message = f"Taking off to {args[0]:.0f} m"
            else:
                method = {"start": "start_mission"}.get(action, action)
                getattr(v, method)(*args)
                message = f"{action.upper() if action == 'rtl' else action.capitalize()}: accepted"
        except Exception as exc:  # noqa: BLE001 - the vehicle's refusal is shown to the pilot
            self._results.append(ActionResult(entry.key, action, False, f"{action} failed: {exc}"))
            return
        finally:
            entry.upload_progress = None if action == "upload" else entry.upload_progress
        self._results.append(ActionResult(entry.key, action, True, message))

    # ---- pulling state (GUI timer) ------------------------------------------------------------
    def poll(self) -> tuple[list[ActionResult], list[Any]]:
        """Take fresh snapshots and drain queued events and command results.

        Returns ``(results, events)``; events carry their vehicle key as ``(key, event)``.
        """
        results = []
        while self._results:
            results.append(self._results.popleft())
        events: list[Any] = []
        now = time.monotonic()
        for entry in list(self.entries.values()):
            while entry.events:
                ev = entry.events.popleft()
                events.append((entry.key, ev))
                name = type(ev).__name__
                if name == "LinkLost":
                    entry.link_lost = True
                elif name == "LinkRestored":
                    entry.link_lost = False
                elif name == "StatusText":
                    entry.messages.append(ev)
            try:
                snap = entry.vehicle.snapshot()
            except Exception:  # noqa: BLE001 - a closed link keeps its last snapshot
                continue
            entry.snapshot = snap
            if snap.link.lost:
                entry.link_lost = True
            if snap.has_position:
                if not entry.trail or haversine_m(*entry.trail[-1], snap.lat, snap.lon) > 1.0:
                    entry.trail.append((snap.lat, snap.lon))
            if snap.battery_pct is not None:
                entry.battery_log.append((now, snap.battery_pct))
        return results, events

    def footprint(self, snap) -> tuple[tuple[float, float], ...]:
        return camera_footprint(self.camera, snap)

    def progress(self, key: str) -> Progress | None:
        """Waypoint i/n, ETA along the remaining waypoints, battery left at the end (linear drain)."""
        entry = self.entries.get(key)
        snap = entry.snapshot if entry else None
        if snap is None or snap.mission_seq is None or not snap.mission_total:
            return None
        eta = None
        plan = entry.plan
        if plan is not None and snap.has_position:
            # mission items: 0 home, 1 takeoff, [2 speed], then waypoints
            first_wp = len(plan.mission_items()) - len(plan.waypoints) - 1
            i = max(0, snap.mission_seq - first_wp)
            remaining = plan.waypoints[i:]
            if remaining:
                dist = haversine_m(snap.lat, snap.lon, remaining[0].lat, remaining[0].lon)
                dist += sum(haversine_m(a.lat, a.lon, b.lat, b.lon) for a, b in zip(remaining, remaining[1:], strict=False))
                speed = max(1.0, plan.speed_m_s or snap.groundspeed or 5.0)
                eta = dist / speed
        battery_end = None
        log = entry.battery_log
        if eta is not None and len(log) >= 2 and log[-1][0] - log[0][0] > 5:
            rate = (log[0][1] - log[-1][1]) / (log[-1][0] - log[0][0])
            battery_end = max(0.0, log[-1][1] - max(0.0, rate) * eta)
        return Progress(snap.mission_seq, snap.mission_total, eta, battery_end)

    def close(self) -> None:
        """Close every link and stop the workers (the window is closing)."""
        for entry in list(self.entries.values()):
            try:
                entry.vehicle.close()
            except Exception:  # noqa: BLE001
                pass
        self._pool.shutdown(wait=False, cancel_futures=True)
