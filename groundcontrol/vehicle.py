"""The one object the rest of the project uses to fly a vehicle.

``Vehicle`` joins the capability modules (link, telemetry, mission, actions, params,
signing, forwarding, reserve) behind a small API::

    v = Vehicle.connect("tcp:127.0.0.1:5760", tlog_path=Path("missions/x/vehicle-1.tlog"))
    v.upload_mission(plan.mission_items())
    v.wait_armable(120); v.set_mode("GUIDED"); v.arm(); v.start_mission()
    ...
    v.close()

Every blocking call runs on the caller's thread; the link thread keeps reading meanwhile,
so telemetry and events never stall behind a mission upload.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from groundcontrol import events as ev
from groundcontrol import mission as mission_protocol
from groundcontrol import params as params_protocol
from groundcontrol import signing
from groundcontrol.actions import MAV_CMD_REQUEST_MESSAGE, MAV_CMD_SET_MESSAGE_INTERVAL, Actions
from groundcontrol.commands import Commander, CommandResult
from groundcontrol.errors import CommandRejected, LinkError
from groundcontrol.forwarding import Forwarder
from groundcontrol.link import Link
from groundcontrol.reserve import ReservePolicy, ReturnReserve
from groundcontrol.snapshot import VehicleSnapshot
from groundcontrol.telemetry import STREAM_FALLBACK, WANTED_RATES
from groundcontrol.tlog import TlogWriter
from search_patterns.mission_items import MissionItem

log = logging.getLogger(__name__)
HOME_POSITION_ID = 242
# Heartbeats arriving but no position/GPS/status for this long: the telemetry request was lost; ask again.
TELEMETRY_STALE_S = 5.0


class Vehicle:
    """One vehicle on one link. Build it with :meth:`connect` (or :meth:`on_link` to share a link)."""

    def __init__(self, link: Link, system_id: int, *, owns_link: bool = True,
                 forwarder: Forwarder | None = None, request_telemetry: bool = True) -> None:
        self.link = link
        self.system_id = system_id
        self.component_id = link.states[system_id].component_id
        self._owns_link = owns_link
        self.forwarder = forwarder
        self.commander = Commander(link, system_id, self.component_id)
        self.actions = Actions(self.commander, self.snapshot)
        self.telemetry_mode: str | None = None  # "message_interval" or "data_stream" once requested
        self._request_lock = threading.Lock()
        self._unsub = link.subscribe(self._on_event)
        self.signing_key: bytes | None = None
        self.mission_limit: int | None = None
        self._request_telemetry = request_telemetry
        self._requested_at = time.monotonic()
        if request_telemetry:
            self._request_in_background()

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def connect(cls, connection: str, tlog_path: Path | str | None = None, signing_key: bytes | None = None,
                timeout: float = 30, *, system_id: int | None = None, forward: Sequence[str] = (),
                link_timeout: float = 2.5, request_telemetry: bool = True,
                signing_timeout: float = 6.0) -> Vehicle:
        """Open ``connection``, wait for a vehicle's heartbeat, and start its link thread.

        With ``signing_key`` the key is handed to the vehicle and everything is signed; a
        vehicle that does not take it raises :class:`~groundcontrol.errors.SigningError`.
        ``forward`` lists endpoints (``tcpin:127.0.0.1:14550`` …) that get all traffic.
        """
        tlog = TlogWriter(tlog_path) if tlog_path is not None else None
        link = Link(connection, tlog=tlog, link_timeout=link_timeout)
        link.start()
        forwarder = None
        try:
            sysid = link.wait_vehicle(timeout, system_id)
            if forward:
                forwarder = Forwarder(link, list(forward))
            v = cls(link, sysid, forwarder=forwarder, request_telemetry=request_telemetry)
            if signing_key is not None:
                signing.enable(link, sysid, v.component_id, signing_key, armed=v.snapshot().armed,
                               timeout=signing_timeout)
                v.signing_key = signing_key
        except BaseException:
            if forwarder is not None:
                forwarder.close()
            link.close()
            if tlog is not None:
                tlog.close()
            raise
        return v

    @classmethod
    def on_link(cls, link: Link, system_id: int) -> Vehicle:
        """Another vehicle on an already-running link (several aircraft on one radio)."""
        return cls(link, system_id, owns_link=False)

    def close(self) -> None:
        """Stop forwarding and the link thread, and flush the tlog."""
        self._unsub()
        if getattr(self, "_reserve_unsub", None):
            self._reserve_unsub()
        if self.forwarder is not None:
            self.forwarder.close()
        if self._owns_link:
            self.link.close()
            if self.link.tlog is not None:
                self.link.tlog.close()

    def __enter__(self) -> Vehicle:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- state ----------------------------------------------------------------------------
    def snapshot(self) -> VehicleSnapshot:
        return self.link.snapshot(self.system_id)

    def subscribe(self, callback: Callable[[ev.Event], None]) -> Callable[[], None]:
        """``callback(event)`` for this vehicle's events, from the link thread. Returns unsubscribe."""
        sysid = self.system_id

        def only_mine(event: ev.Event) -> None:
            if event.system_id == sysid:
                callback(event)
        return self.link.subscribe(only_mine)

    def wait_for(self, condition: Callable[[VehicleSnapshot], bool], timeout: float, what: str) -> VehicleSnapshot:
        """Poll snapshots until ``condition`` holds; :class:`LinkError` naming ``what`` on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            snap = self.snapshot()
            if condition(snap):
                return snap
            if time.monotonic() > deadline:
                raise LinkError(f"timed out after {timeout:g} s waiting for {what}")
            time.sleep(0.05)

    # -- telemetry requests ---------------------------------------------------------------
    def _on_event(self, event: ev.Event) -> None:
        if event.system_id != self.system_id:
            return
        if isinstance(event, ev.LinkRestored):
            self._request_in_background()
        elif isinstance(event, ev.SnapshotUpdated) and self._request_telemetry and self._telemetry_missing(event):
            # On a lossy link the requests (or their ACKs) get lost and the station would wait
            # forever for GPS, position or home (found at 30 % loss: "not ready after 60 s: GPS fix None").
            log.info("vehicle %d: telemetry missing while heartbeats arrive; requesting it again", self.system_id)
            self._request_in_background()

    def _telemetry_missing(self, event: ev.SnapshotUpdated) -> bool:
        s = event.snapshot
        now = time.monotonic()
        if s.link.lost or now - self._requested_at < TELEMETRY_STALE_S or self._request_lock.locked():
            return False
        stale = any(s.age(p) is None or s.age(p) > TELEMETRY_STALE_S for p in ("position", "gps", "sys_status", "ekf"))
        return stale or s.home is None  # HOME_POSITION comes only when asked for (or home moves)

    def _request_in_background(self) -> None:
        self._requested_at = time.monotonic()

        def run() -> None:
            try:
                self.request_telemetry()
            finally:
                self._requested_at = time.monotonic()  # the next check waits from the end of this one
        threading.Thread(target=run, name="request-telemetry", daemon=True).start()

    def request_telemetry(self) -> str:
        """Ask for the messages the station needs: SET_MESSAGE_INTERVAL per message, or the
        old REQUEST_DATA_STREAM groups when the vehicle does not acknowledge that command."""
        with self._request_lock:
            mode = "message_interval"
            for msg_id, hz in WANTED_RATES.items():
                r = self.set_message_rate(msg_id, hz)
                if r.result is None or r.result == 3:  # never answered, or UNSUPPORTED
                    mode = "data_stream"
                    break
            if mode == "data_stream":
                for stream, hz in STREAM_FALLBACK.items():
                    self.link.send(self.link.mav.request_data_stream_encode(
                        self.system_id, self.component_id, stream, int(hz), 1))
            self.commander.long("request home", MAV_CMD_REQUEST_MESSAGE, (HOME_POSITION_ID,), attempts=1)
            self.telemetry_mode = mode
            return mode

    def set_message_rate(self, msg_id: int, hz: float) -> CommandResult:
        """SET_MESSAGE_INTERVAL for one message (``hz`` <= 0 stops it)."""
        interval = -1 if hz <= 0 else 1e6 / hz
        return self.commander.long("set message interval", MAV_CMD_SET_MESSAGE_INTERVAL, (msg_id, interval),
                                   timeout=1.0, attempts=2)

    # -- missions -------------------------------------------------------------------------
    def upload_mission(self, items: Sequence[MissionItem], progress: Callable[[int, int], None] | None = None,
                       *, verify: bool = True) -> None:
        """Upload and (by default) read back and compare. ``progress(done, total)`` is called
        for the upload and again for the verification download."""
        items = list(items)
        try:
            mission_protocol.upload(self.link, self.system_id, self.component_id, items, progress=progress)
        except mission_protocol.MissionTooLarge as exc:
            self.mission_limit = exc.limit  # pre-flight checks use it from now on
            raise
        if verify and items:
            mission_protocol.verify(self.link, self.system_id, self.component_id, items, progress=progress)

    def download_mission(self, progress: Callable[[int, int], None] | None = None) -> list[MissionItem]:
        return mission_protocol.download(self.link, self.system_id, self.component_id, progress=progress)

    def verify_mission(self, items: Sequence[MissionItem],
                       progress: Callable[[int, int], None] | None = None) -> list[str]:
        """Read the vehicle's mission back and say where it differs from ``items`` ([] = it holds them).

        Call it before resuming after a lost link or a vehicle restart: a rebooted autopilot
        may have lost the mission (or another station may have changed it), and resuming a
        mission the vehicle no longer holds flies something nobody planned. Unlike
        :meth:`upload_mission`'s check this does not raise on a mismatch; the caller decides
        (say so, re-upload). Raises :class:`~groundcontrol.errors.MissionError` only if the
        download itself fails.
        """
        return mission_protocol.differences(list(items), self.download_mission(progress))

    def clear_mission(self) -> None:
        mission_protocol.clear(self.link, self.system_id, self.component_id)

    # -- actions --------------------------------------------------------------------------
    def wait_armable(self, timeout: float = 120.0, mode: str = "GUIDED") -> VehicleSnapshot:
        """Switch to ``mode`` and wait until the vehicle reports its pre-arm checks pass and it
        has a position (GPS fix, EKF, home). Raises :class:`CommandRejected` with the last
        ``PreArm:`` text on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.snapshot().mode != mode.upper():
                    self.set_mode(mode)
                break
            except CommandRejected:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)

        def ready(s: VehicleSnapshot) -> bool:
            prearm = s.prearm_ok if s.prearm_ok is not None else True
            return prearm and s.ekf_ok and (s.gps_fix or 0) >= 3 and s.home is not None

        try:
            return self.wait_for(ready, max(0.0, deadline - time.monotonic()), "the vehicle to be ready to arm")
        except LinkError:
            s = self.snapshot()
            texts = [t.text for t in s.statustexts if t.text.startswith(("PreArm:", "Arm:"))]
            missing = []
            if s.prearm_ok is False:
                missing.append("pre-arm checks failing")
            if not s.ekf_ok:
                missing.append("EKF has no position")
            if (s.gps_fix or 0) < 3:
                missing.append(f"GPS fix {s.gps_fix}")
            if s.home is None:
                missing.append("no home position")
            reason = "; ".join(missing + texts[-1:]) or None
            raise CommandRejected(CommandResult("wait until armable", 400, None,
                                                f"not ready after {timeout:g} s: {reason}")) from None

    def set_mode(self, name: str) -> CommandResult:
        return self.actions.set_mode(name)

    def arm(self) -> CommandResult:
        return self.actions.arm()

    def disarm(self, force: bool = False) -> CommandResult:
        return self.actions.disarm(force)

    def takeoff(self, alt_m: float) -> CommandResult:
        return self.actions.takeoff(alt_m)

    def start_mission(self) -> CommandResult:
        return self.actions.start_mission()

    def set_current_item(self, seq: int) -> CommandResult:
        return self.actions.set_current_item(seq)

    def pause(self) -> CommandResult:
        return self.actions.pause()

    def resume(self) -> CommandResult:
        return self.actions.resume()

    def goto(self, lat: float, lon: float, alt_m: float) -> CommandResult:
        return self.actions.goto(lat, lon, alt_m)

    def set_speed(self, m_s: float) -> CommandResult:
        return self.actions.set_speed(m_s)

    def rtl(self) -> CommandResult:
        return self.actions.rtl()

    def land(self) -> CommandResult:
        return self.actions.land()

    # -- station-side battery reserve ------------------------------------------------------
    def watch_reserve(self, policy: ReservePolicy | None = None) -> ReturnReserve:
        """Warn (ReserveWarning) and then command RTL (ReserveRTL) when the battery nears what
        is needed to get home. Works on the link thread from snapshots; RTL is sent from a
        worker thread so the link never waits on it."""
        reserve = ReturnReserve(policy or ReservePolicy())
        flags = {"warned": False, "rtl": False}

        def on_event(e: ev.Event) -> None:
            if not isinstance(e, ev.SnapshotUpdated) or e.system_id != self.system_id:
                return
            snap = e.snapshot
            r = reserve.update(snap)
            if r.level == "ok" and r.remaining_pct > r.needed_pct + 1.5 * reserve.policy.warn_margin_pct:
                flags["warned"] = False  # clearly fine again (hysteresis: no warning every few seconds)
            elif r.level == "warn" and not flags["warned"]:
                flags["warned"] = True
                self.link.publish(ev.ReserveWarning(self.system_id, e.time, r.remaining_pct, r.needed_pct, r.message))
            elif r.level == "rtl" and not flags["rtl"] and snap.in_air and snap.mode not in ("RTL", "LAND"):
                flags["rtl"] = True
                if not flags["warned"]:  # the estimate jumped past the warning band: still warn first
                    flags["warned"] = True
                    self.link.publish(ev.ReserveWarning(self.system_id, e.time, r.remaining_pct, r.needed_pct,
                                                        r.message))
                self.link.publish(ev.ReserveRTL(self.system_id, e.time, r.remaining_pct, r.needed_pct, r.message))
                threading.Thread(target=self._reserve_rtl, name="reserve-rtl", daemon=True).start()

        self._reserve_unsub = self.link.subscribe(on_event)
        return reserve

    def _reserve_rtl(self) -> None:
        for _ in range(5):
            try:
                self.rtl()
                return
            except CommandRejected as exc:
                log.warning("reserve RTL refused: %s", exc)
                time.sleep(1.0)

    # -- parameters and signing -----------------------------------------------------------
    def get_param(self, name: str) -> float:
        return params_protocol.get(self.link, self.system_id, self.component_id, name)

    def set_param(self, name: str, value: float) -> float:
        return params_protocol.set(self.link, self.system_id, self.component_id, name, value)

    def enable_signing(self, key: bytes) -> None:
        signing.enable(self.link, self.system_id, self.component_id, key, armed=self.snapshot().armed)
        self.signing_key = key

    def disable_signing(self) -> None:
        signing.disable(self.link, self.system_id, self.component_id)
        self.signing_key = None
