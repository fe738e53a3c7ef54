"""The built-in simulated vehicle: an ArduCopter look-alike on real sockets.

``SimVehicle`` puts together the parts (``autopilot`` for behaviour, ``mission_protocol``,
``telemetry``, ``streams``, ``signing``, ``transport``) and runs them on one thread on a
simulated clock. It serves MAVLink 2 on TCP like SITL (SERIAL0 and SERIAL1), and can also
send to a UDP address. Ground-station code must not know it is talking to this rather
than to ArduPilot SITL; ``tests/conformance`` runs the same tests against both.

Example
-------
>>> from sitl.sim_vehicle import SimVehicle, SimConfig
>>> with SimVehicle(SimConfig(speedup=10, tcp_port=0, serial1_port=0)) as sim:   # doctest: +SKIP
...     print(sim.connection_string)
tcp:127.0.0.1:40123
"""

from __future__ import annotations

import bisect
import logging
import math
import select
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from search_patterns.camera import Camera
from search_patterns.pose import Pose
from sitl.autopilot import Autopilot
from sitl.clock import SimClock
from sitl.dispatch import Dispatcher
from sitl.mission_protocol import MissionProtocol
from sitl.params import ParamStore
from sitl.readiness import Readiness
from sitl.signing import SigningState
from sitl.telemetry import Telemetry
from sitl.transport import Port

log = logging.getLogger(__name__)

PHYSICS_STEP_S = 0.05          # sim seconds per physics sub-step
POSE_PERIOD_S = 0.05           # pose history resolution (20 Hz of sim time)
LOOP_WAIT_S = (0.002, 0.02)    # wall seconds the loop waits for input: about 0.05 sim s, within these
HEARTBEAT_PERIOD_S = 1.0
TIMESYNC_PERIOD_S = 10.0
MAX_POSES = 200_000            # about 2.7 hours of sim time at 20 Hz


@dataclass(frozen=True)
class SimConfig:
    """How to run a simulated vehicle.

    ``home`` is (lat, lon, alt AMSL m, heading deg). Ports 0 mean "any free port"; SERIAL1 defaults to
    SERIAL0 + 2 as in SITL. ``speedup``
    runs sim time that many times faster than the wall clock (when the host keeps up).
    ``readiness`` "fast" is ready to arm after ≈2 s of sim time; "realistic" follows the
    measured ArduCopter boot (GUIDED armable at ≈42 s). ``params`` overrides parameter defaults.
    """

    home: tuple[float, float, float, float] = (-35.363261, 149.165230, 584.0, 353.0)
    speedup: float = 1.0
    tcp_port: int = 5760
    serial1_port: int | None = None     # None: tcp_port + 2 like SITL (any free port when tcp_port is 0)
    host: str = "127.0.0.1"
    sysid: int = 1
    readiness: str = "fast"
    wind_m_s: float = 0.0
    wind_dir_deg: float = 0.0
    gust_m_s: float = 0.0
    gps_noise_m: float = 0.0
    seed: int = 0
    udp_out: tuple[str, int] | None = None
    battery_mah: float = 3300.0
    camera: Camera = field(default_factory=Camera)
    gimbal_pitch_deg: float = -90.0
    params: Mapping[str, float] | None = None

    @staticmethod
    def instance_ports(instance: int) -> tuple[int, int]:
        """SITL's port rule: SERIAL0 = 5760 + 10·N, SERIAL1 = 5762 + 10·N."""
        return 5760 + 10 * instance, 5762 + 10 * instance


class SimVehicle:
    """A running simulated ArduCopter (see module docstring). Thread-safe read accessors."""

    def __init__(self, config: SimConfig | None = None) -> None:
        cfg = config or SimConfig()
        if not 1 <= cfg.sysid <= 255:
            raise ValueError(f"sysid must be 1..255, got {cfg.sysid}")
        self.config = cfg
        # A stalled host slows sim time down rather than making it jump (at most 20 ms of wall time's
        # worth, or 0.25 s, per loop), like SITL's lockstep.
        self.clock = SimClock(cfg.speedup, max_step_s=max(0.25, 0.02 * cfg.speedup))
        overrides = dict(cfg.params or {})
        overrides.setdefault("MAV_SYSID", cfg.sysid)
        overrides.setdefault("BATT_CAPACITY", cfg.battery_mah)
        self.params = ParamStore(overrides)
        self.signing = SigningState()
        self.ports: list[Port] = []
        self.autopilot = Autopilot(cfg.home, self.params, Readiness(cfg.readiness, cfg.home[2]), self,
                                   cfg.battery_mah, (cfg.wind_m_s, cfg.wind_dir_deg, cfg.gust_m_s), cfg.seed,
                                   cfg.gimbal_pitch_deg)
        self.telemetry = Telemetry(self.autopilot, cfg.gps_noise_m, cfg.seed)
        self.mission = MissionProtocol(self.autopilot.store, self._home_for_mission, self.text,
                                       self._on_mission_total, self.autopilot.auto.mission_changed)
        self.dispatcher = Dispatcher(self)
        self.last_sender = (255, 190)
        self.camera = cfg.camera
        self.texts: deque[tuple[float, int, str]] = deque(maxlen=2000)   # (sim time, severity, text)
        self._lock = threading.Lock()
        self._poses: list[Pose] = []
        self._pose_times: list[float] = []
        self._next_pose = 0.0
        self._next_heartbeat = 0.9 * (0.05 if cfg.readiness == "fast" else 1.0)
        self._next_timesync = TIMESYNC_PERIOD_S
        self._loop_wait = min(LOOP_WAIT_S[1], max(LOOP_WAIT_S[0], 0.05 / cfg.speedup))
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._announce_params = True
        self.params.on_change = self._param_changed
        self.error: BaseException | None = None

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> SimVehicle:
        """Open the ports and start the vehicle thread. Returns self."""
        cfg = self.config
        try:
            self.ports.append(Port.tcp(0, cfg.sysid, cfg.host, cfg.tcp_port, accept_unsigned=True))
            serial1 = cfg.serial1_port if cfg.serial1_port is not None else (cfg.tcp_port + 2 if cfg.tcp_port else 0)
            self.ports.append(Port.tcp(1, cfg.sysid, cfg.host, serial1, accept_unsigned=False))
            if cfg.udp_out is not None:
                self.ports.append(Port.udp_out(2, cfg.sysid, cfg.udp_out, accept_unsigned=False))
        except OSError:
            for p in self.ports:
                p.close()
            self.ports = []
            raise
        self._thread = threading.Thread(target=self._run, name=f"sim-vehicle-{cfg.sysid}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and close every socket."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        for p in self.ports:
            p.close()

    def __enter__(self) -> SimVehicle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the vehicle thread ends (for the standalone process). True if it ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # ---------------------------------------------------------------- public read access
    @property
    def tcp_port(self) -> int:
        return self.ports[0].port if self.ports else 0

    @property
    def serial1_port(self) -> int:
        return self.ports[1].port if len(self.ports) > 1 else 0

    @property
    def connection_string(self) -> str:
        return f"tcp:{self.config.host}:{self.tcp_port}"

    @property
    def second_connection_string(self) -> str:
        return f"tcp:{self.config.host}:{self.serial1_port}"

    @property
    def sim_time(self) -> float:
        """Sim seconds since boot."""
        return self.clock.now()

    @property
    def speedup(self) -> float:
        return self.clock.speedup

    @property
    def gimbal_pitch_deg(self) -> float:
        return self.autopilot.gimbal_pitch

    @property
    def gimbal_yaw_deg(self) -> float:
        return self.autopilot.gimbal_yaw

    def pose_history(self) -> list[Pose]:
        """True poses (no GPS noise) every 0.05 s of sim time, oldest first."""
        with self._lock:
            return list(self._poses)

    def pose_at(self, t: float) -> Pose:
        """The true pose at sim time ``t``, interpolated between recorded poses."""
        with self._lock:
            if not self._poses:
                return self._current_pose()
            i = bisect.bisect_left(self._pose_times, t)
            if i <= 0:
                return self._poses[0]
            if i >= len(self._poses):
                return self._poses[-1]
            a, b = self._poses[i - 1], self._poses[i]
        span = b.time - a.time
        w = 0.0 if span <= 0 else (t - a.time) / span

        def lerp(x: float, y: float) -> float:
            return x + (y - x) * w

        def lerp_deg(x: float, y: float) -> float:
            return (x + ((y - x + 540.0) % 360.0 - 180.0) * w) % 360.0

        return Pose(lerp(a.lat, b.lat), lerp(a.lon, b.lon), lerp(a.alt_agl_m, b.alt_agl_m), lerp(a.roll, b.roll),
                    lerp(a.pitch, b.pitch), lerp_deg(a.yaw, b.yaw), lerp(a.gimbal_pitch, b.gimbal_pitch),
                    lerp(a.gimbal_yaw, b.gimbal_yaw), t)

    def _current_pose(self) -> Pose:
        f = self.autopilot.flight
        lat, lon = f.latlon()
        return Pose(lat, lon, f.alt, f.roll, f.pitch, f.yaw, self.autopilot.gimbal_pitch,
                    self.autopilot.gimbal_yaw, self.clock.now())

    # ---------------------------------------------------------------- "out" for the autopilot
    def text(self, severity: int, text: str) -> None:
        self.texts.append((self.clock.now(), severity, text))
        self.broadcast(self.telemetry.statustext(severity, text))

    def broadcast(self, msg: Any) -> None:
        for p in self.ports:
            p.send(msg)

    def heartbeat_now(self) -> None:
        self.broadcast(self.telemetry.heartbeat())

    def home_changed(self) -> None:
        for build in (self.telemetry.home_position, self.telemetry.gps_global_origin):
            msg = build()
            if msg is not None:
                self.broadcast(msg)

    def send_mission_current(self) -> None:
        self.broadcast(self.telemetry.mission_current())

    def _home_for_mission(self) -> tuple[float, float, float]:
        ap = self.autopilot
        if ap.home is not None:
            return ap.home
        lat, lon, alt, _ = self.config.home
        return lat, lon, alt

    def _on_mission_total(self, count: int, announce: bool) -> None:
        self._announce_params = announce
        try:
            self.params.set("MIS_TOTAL", count)
        finally:
            self._announce_params = True

    def _param_changed(self, name: str, value: float) -> None:
        if self._announce_params:
            self.broadcast(self.telemetry.param_value(name))

    def set_param_quietly(self, name: str, value: float) -> None:
        self._announce_params = False
        try:
            self.params.set(name, value)
        finally:
            self._announce_params = True

    def apply_signing(self) -> None:
        for p in self.ports:
            p.apply_signing(self.signing)

    # ---------------------------------------------------------------- the loop
    def _run(self) -> None:
        try:
            self.clock.advance()
            self.autopilot.on_boot_events(0.0)
            while not self._stop.is_set():
                self._iterate()
        except BaseException as exc:  # pragma: no cover - reported, never silent
            self.error = exc
            log.exception("simulated vehicle stopped on an error")
            raise

    def _iterate(self) -> None:
        socks = [s for p in self.ports for s in p.sockets()]
        try:
            readable, _, _ = select.select(socks, [], [], self._loop_wait)
        except (OSError, ValueError):
            readable = []
        dt = self.clock.advance()
        now = self.clock.now()
        ap = self.autopilot
        ap.now = now
        if readable:
            ready = set(readable)
            for port in self.ports:
                if port.listener is not None and port.listener in ready:
                    port.accept(self.signing)
                for peer in list(port.peers):
                    if peer.sock in ready:
                        for msg in peer.receive():
                            self.dispatcher.handle(msg, port)
        self._physics(dt, now)
        ap.on_boot_events(now)
        self.mission.tick(now)
        self._periodic(now)
        self.signing.refresh()
        for port in self.ports:
            port.flush()

    def _physics(self, dt: float, now: float) -> None:
        if dt <= 0:
            return
        n = max(1, math.ceil(dt / PHYSICS_STEP_S - 1e-9))
        sub = dt / n
        t0 = now - dt
        for i in range(1, n + 1):
            t = t0 + i * sub
            self.autopilot.update(sub, t)
            self.telemetry.step_noise(sub)
            if t >= self._next_pose:
                self._next_pose = max(self._next_pose + POSE_PERIOD_S, t - POSE_PERIOD_S)
                pose = self._current_pose()
                pose = Pose(pose.lat, pose.lon, pose.alt_agl_m, pose.roll, pose.pitch, pose.yaw,
                            pose.gimbal_pitch, pose.gimbal_yaw, t)
                with self._lock:
                    self._poses.append(pose)
                    self._pose_times.append(t)
                    if len(self._poses) > MAX_POSES:
                        del self._poses[: MAX_POSES // 10]
                        del self._pose_times[: MAX_POSES // 10]

    def _periodic(self, now: float) -> None:
        if now >= self._next_heartbeat:
            self._next_heartbeat = max(self._next_heartbeat + HEARTBEAT_PERIOD_S, now)
            self.heartbeat_now()
        if now >= self._next_timesync:
            self._next_timesync += TIMESYNC_PERIOD_S
            self.broadcast(self.telemetry.timesync())
        cache: dict[int, Any] = {}
        for port in self.ports:
            if not port.peers:
                continue
            for mid in port.streams.due(now):
                if mid not in cache:
                    cache[mid] = self.telemetry.build(mid)
                if cache[mid] is not None:
                    port.send(cache[mid])
