"""``sargc fly`` and ``sargc status``: fly a plan with one vehicle from the terminal.

``fly`` is the pilot's checklist in order: connect, check the plan, upload and verify it,
wait until the vehicle is ready, check again, arm, start the mission in AUTO, watch it
with a progress bar, and return once the vehicle has landed and disarmed. Ctrl-C stops
the aircraft where it is (BRAKE) and then brings it home (RTL); a second Ctrl-C sends
RTL at once. Everything the link saw is in the tlog, whose path is printed at the end.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from search_patterns.errors import InputError, SargcError

if TYPE_CHECKING:
    from ui.mission.onboard import OnBoard

RTL_MODES = ("RTL", "LAND", "SMART_RTL")


def _load_plan(path: Path):
    """A Plan from any file the planner can read (QGC .plan, .waypoints, …)."""
    try:
        from search_patterns.formats import read_plan
    except ImportError as exc:
        raise InputError("this installation cannot read plan files yet (search_patterns.formats.read_plan "
                         "is missing)", where=str(path)) from exc
    return read_plan(path)


def _default_out() -> Path:
    return Path("missions") / _dt.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")


def _signing_key(sign: bool, key_file: Path | None) -> bytes | None:
    from groundcontrol import signing

    if key_file is not None:
        return signing.load_key(key_file)
    if not sign:
        return None
    path = signing.default_key_path()
    if not path.exists():
        signing.create_key(path)
        click.echo(f"Created a new signing key in {path} (readable only by you). Copy it to every "
                   "station that must control this drone.", err=True)
    return signing.load_key(path)


def _connect(connect: str, tlog: Path | None, key: bytes | None, forward: tuple[str, ...], timeout: float):
    from groundcontrol.vehicle import Vehicle

    return Vehicle.connect(connect, tlog_path=tlog, signing_key=key, timeout=timeout, forward=forward)


def _nav_seqs(items) -> list[int]:
    return [i for i, it in enumerate(items) if i > 0 and it.is_nav]


def _distance_to(snap, item) -> float | None:
    from search_patterns.geo import haversine_m

    if not snap.has_position or (item.x, item.y) == (0.0, 0.0):
        return None
    return haversine_m(snap.lat, snap.lon, item.x, item.y)


def _remaining_m(snap, items, seq: int) -> float:
    """Distance still to fly: to the current item, then along the rest of the path."""
    from search_patterns.geo import haversine_m

    pts = [(it.x, it.y) for it in items[max(1, seq):] if it.is_nav and (it.x, it.y) != (0.0, 0.0)]
    if not pts or not snap.has_position:
        return 0.0
    total = haversine_m(snap.lat, snap.lon, *pts[0])
    for a, b in zip(pts, pts[1:], strict=False):
        total += haversine_m(*a, *b)
    if snap.home is not None:
        total += haversine_m(*pts[-1], snap.home_lat, snap.home_lon)
    return total


@click.command()
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--connect", "connect", required=True,
              help="Vehicle link: tcp:HOST:PORT, udp:HOST:PORT (listen), udpout:HOST:PORT or /dev/ttyUSB0[:BAUD].")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Mission folder for the tlog [default: missions/<date-time>/].")
@click.option("--sign", is_flag=True, help="Sign the link with this station's key (created if missing).")
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Sign with the key in this file (64 hex digits, mode 600).")
@click.option("--forward", multiple=True, metavar="ENDPOINT",
              help="Also serve the vehicle's traffic here (tcpin:0.0.0.0:5770, udpout:10.0.0.5:14550); repeatable.")
@click.option("--area", "area_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Search area file (KML, GeoJSON, QGC .plan …): waypoints must be inside it, no-fly zones avoided.")
@click.option("--from-waypoint", "from_wp", type=click.IntRange(min=1), default=1, show_default=True,
              help="Fly the plan from this waypoint on (to finish a search interrupted by RTL or a battery change).")
@click.option("--max-alt", type=float, default=120.0, show_default=True, help="Highest allowed altitude above home, m.")
@click.option("--max-distance", type=float, default=2000.0, show_default=True,
              help="Farthest allowed waypoint from the vehicle, m.")
@click.option("--endurance", type=float, default=20.0, show_default=True,
              help="Flight time on a full battery, minutes (for the endurance check and RTL reserve).")
@click.option("--reserve", type=float, default=25.0, show_default=True,
              help="Battery percent to land with; the plan must fit above it.")
@click.option("--gcs-failsafe/--no-gcs-failsafe", default=True, show_default=True,
              help="Set FS_GCS_ENABLE=1 so the vehicle returns home by itself after 5 s without this station.")
@click.option("--ready-timeout", type=float, default=180.0, show_default=True,
              help="Seconds to wait for GPS/EKF/pre-arm checks.")
@click.option("--connect-timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for a heartbeat.")
def fly(plan_file: Path, connect: str, out: Path | None, sign: bool, key_file: Path | None, forward: tuple[str, ...],
        area_file: Path | None, from_wp: int, max_alt: float, max_distance: float, endurance: float, reserve: float, gcs_failsafe: bool,
        ready_timeout: float, connect_timeout: float) -> None:
    """Upload PLAN_FILE, fly it in AUTO, and return when landed and disarmed.

    Checks the plan (altitude, size, distance, battery, GPS/EKF), uploads and verifies it
    by reading it back, waits until the vehicle can arm, arms, starts the mission and shows
    progress. Ctrl-C pauses (BRAKE) and then returns home (RTL). The tlog is written into
    the mission folder, and its path is printed.

    \b
    Example:
      sargc fly search.plan --connect tcp:127.0.0.1:5760
      sargc fly search.plan --connect /dev/ttyUSB0:57600 --sign --forward tcpin:0.0.0.0:5770
      sargc fly search.plan --connect udp:0.0.0.0:14550 --from-waypoint 12
    """
    from groundcontrol import preflight
    from groundcontrol.connection import parse_endpoint

    parse_endpoint(connect)  # a typo in --connect is reported before anything else happens
    plan = _load_plan(plan_file)
    if from_wp > 1:
        if from_wp > len(plan.waypoints):
            raise InputError(f"--from-waypoint {from_wp}: the plan has only {len(plan.waypoints)} waypoints",
                             where=str(plan_file))
        import dataclasses

        plan = dataclasses.replace(plan, waypoints=plan.waypoints[from_wp - 1:])
        click.echo(f"Flying from waypoint {from_wp}: {len(plan.waypoints)} waypoints left.", err=True)
    items = plan.mission_items()
    if len(items) < 2:
        raise InputError("the plan has no waypoints", where=str(plan_file))
    limits = preflight.Limits(max_alt_m=max_alt, max_distance_m=max_distance, full_battery_s=endurance * 60,
                              reserve_pct=reserve)
    area = None
    if area_file is not None:
        from search_patterns.formats import read_area

        area = read_area(area_file)
    geo = {"area": area.polygon, "exclusions": area.exclusions} if area is not None else {}
    preflight.require([c for c in preflight.check_plan(items, None, limits, **geo)
                       if c.name in ("mission size", "altitude", "search area", "no-fly zones")])
    out = out or _default_out()
    out.mkdir(parents=True, exist_ok=True)
    tlog = out / "vehicle-1.tlog"
    key = _signing_key(sign, key_file)
    click.echo(f"Connecting to {connect} …", err=True)
    v = _connect(connect, tlog, key, forward, connect_timeout)
    from ui.mission.onboard import OnBoard

    try:
        if key is not None:
            click.echo("Signing on: the vehicle signs with our key, and so do we.", err=True)
        if v.forwarder is not None:
            click.echo("Forwarding to: " + ", ".join(v.forwarder.addresses), err=True)
        _fly(v, OnBoard(plan, items, from_wp), limits, geo, gcs_failsafe, ready_timeout, endurance, reserve,
             plan_file=str(plan_file))
    finally:
        v.close()
        click.echo(f"tlog: {tlog}", err=True)
    click.echo(str(tlog))


def _fly(v, mission: OnBoard, limits, geo: dict, gcs_failsafe: bool, ready_timeout: float, endurance: float,
         reserve: float, plan_file: str = "PLAN") -> None:
    """Upload, verify, wait, check, arm and start; then follow the flight (see :func:`_watch`)."""
    from tqdm import tqdm

    from groundcontrol import preflight
    from groundcontrol.errors import CommandRejected
    from groundcontrol.reserve import ReservePolicy

    plan, items = mission.plan, mission.items

    snap = v.snapshot()
    click.echo(f"Vehicle {v.system_id}: {snap.mode}, {'armed' if snap.armed else 'disarmed'}", err=True)
    if snap.armed and snap.in_air:
        raise SargcError("the vehicle is already flying; land it before starting a new mission")

    with tqdm(total=len(items), desc="upload", unit="item", leave=False) as bar:
        def progress(done: int, total: int) -> None:
            if done < bar.n:
                bar.reset(total)
                bar.set_description("verify")
            bar.update(done - bar.n)
            if done == total:
                bar.refresh()
        v.upload_mission(items, progress=progress)
    click.echo(f"Mission uploaded and verified: {len(items)} items, {len(plan.waypoints)} waypoints.", err=True)

    click.echo("Waiting for the vehicle to be ready to arm (GPS, EKF, pre-arm checks) …", err=True)
    v.wait_armable(ready_timeout)
    checks = preflight.check_plan(items, v.snapshot(), limits, mission_limit=v.mission_limit, **geo)
    for c in checks:
        click.echo(f"  {c}", err=True)
    preflight.require(checks)
    if gcs_failsafe:
        try:
            v.set_param("FS_GCS_ENABLE", 1)
        except SargcError as exc:
            click.echo(f"warning: could not enable the GCS failsafe ({exc})", err=True)
    v.watch_reserve(ReservePolicy(floor_pct=max(5.0, reserve / 2), full_battery_s=endurance * 60))

    for attempt in range(3):
        try:
            v.arm()
            break
        except CommandRejected:
            if attempt == 2:
                raise
            time.sleep(2.0)
    v.start_mission()
    click.echo("Armed; mission started (AUTO).", err=True)
    _watch(v, mission, plan_file)


def _say(bar, text: str) -> None:
    """A line above the progress bar, on stderr (stdout carries only the tlog path)."""
    bar.write(text, file=sys.stderr)


def _check_mission(v, bar, mission: OnBoard, reached: int) -> OnBoard:
    """Read the vehicle's mission back after a reconnect or restart; re-upload what is left if it changed.

    The rule is shared with the mission runner (:func:`ui.mission.onboard.check_mission`); here
    each decision is a line above the progress bar, problems marked as warnings.
    """
    from ui.mission.onboard import check_mission

    def say(kind: str, text: str, severity: str) -> None:
        _say(bar, f"warning: {text}" if severity == "critical" else text)

    return check_mission(v, mission, reached, say).mission


def _watch(v, mission: OnBoard, plan_file: str = "PLAN") -> None:
    """Follow the flight until landed and disarmed; Ctrl-C → BRAKE, then RTL.

    After every reconnect, and whenever the vehicle restarts, the mission on board is read
    back and compared with ``mission`` (see :func:`_check_mission`).
    """
    import queue

    from tqdm import tqdm

    from groundcontrol import events as ev
    from ui.mission.onboard import reboot_text, wait_fresh
    from ui.mission.remaining import rest_of_plan, waypoints_reached

    events: queue.Queue = queue.Queue()
    unsub = v.subscribe(lambda e: None if isinstance(e, ev.SnapshotUpdated) else events.put(e))
    items = mission.items
    nav = _nav_seqs(items)
    last_seq = nav[-1] if nav else len(items) - 1
    reached_last = False
    reached = 0  # waypoints of mission.plan reached, for what is left after a restart
    airborne = False
    rebooted = False
    check_pending = False
    interrupted = None
    stop_requested_at = None
    speeds: list[float] = []
    bar = tqdm(total=len(nav), desc="mission", unit="wp", bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} {postfix}")
    ctrl_c = [0]
    handled = 0

    def on_sigint(signum, frame) -> None:  # noqa: ANN001 - signal handler signature
        ctrl_c[0] += 1

    def drain() -> None:
        nonlocal reached_last, reached, interrupted, rebooted, check_pending
        while True:
            try:
                e = events.get_nowait()
            except queue.Empty:
                return
            if isinstance(e, ev.WaypointReached):
                reached_last = reached_last or e.seq >= last_seq
                reached = max(reached, waypoints_reached(mission.plan, e.seq))
                if e.seq in nav:
                    _say(bar, f"reached item {e.seq} ({nav.index(e.seq) + 1}/{len(nav)})")
            elif isinstance(e, ev.StatusText) and e.severity <= 4:
                _say(bar, f"vehicle: {e.text}")
            elif isinstance(e, ev.LinkLost):
                _say(bar, f"LINK LOST: no heartbeat for {e.last_heartbeat_age:.1f} s")
            elif isinstance(e, ev.LinkRestored):
                _say(bar, f"link back after {e.outage_s:.1f} s")
                check_pending = True
            elif isinstance(e, ev.VehicleRebooted):
                _say(bar, reboot_text(e))
                rebooted = True
                check_pending = True
                if airborne:
                    interrupted = interrupted or "the vehicle rebooted in flight"
            elif isinstance(e, ev.ModeChanged):
                _say(bar, f"mode {e.old} → {e.new}")
            elif isinstance(e, ev.ReserveWarning | ev.ReserveRTL):
                _say(bar, f"BATTERY: {e.message}")
                if isinstance(e, ev.ReserveRTL):
                    interrupted = interrupted or "battery reserve reached"

    def recheck() -> None:
        """Once the link is back with fresh telemetry (so a restart has been noticed), check the mission."""
        nonlocal mission, items, nav, last_seq, reached, reached_last, check_pending
        wait_fresh(v)
        drain()  # a VehicleRebooted that came with that telemetry is said before the mission check
        check_pending = False
        checked = _check_mission(v, bar, mission, reached)
        if checked is not mission:
            mission, items = checked, checked.items
            nav = _nav_seqs(items)
            last_seq = nav[-1] if nav else len(items) - 1
            reached, reached_last = 0, False
            bar.reset(total=len(nav))

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        while True:
            drain()
            if check_pending:
                recheck()
            s = v.snapshot()
            airborne = airborne or bool(s.in_air)
            if stop_requested_at is not None and s.mode == "BRAKE" and (
                    (s.groundspeed or 0) < 0.5 or time.monotonic() - stop_requested_at > 8):
                _say(bar, "Stopped; returning home (RTL).")
                v.rtl()
                stop_requested_at = None
            seq = s.mission_seq or 0
            if s.mode == "AUTO" and s.armed and not s.link.lost:
                reached = max(reached, waypoints_reached(mission.plan, seq - 1))
            done = sum(1 for n in nav if n < seq) + (1 if reached_last else 0)
            bar.n = min(len(nav), done)
            if s.groundspeed and s.groundspeed > 1.0:
                speeds.append(s.groundspeed)
                speeds[:] = speeds[-50:]
            speed = max(1.0, sum(speeds) / len(speeds)) if speeds else None
            remaining = _remaining_m(s, items, seq) if s.mode == "AUTO" else None
            cur = items[seq] if 0 < seq < len(items) else None
            dist = _distance_to(s, cur) if cur is not None else None
            eta = f"{remaining / speed / 60:.1f} min" if remaining and speed else "-"
            batt = f"{s.battery_pct:.0f}%" if s.battery_pct is not None else "?"
            bar.set_postfix_str(f"{s.mode} alt {s.alt_rel or 0:.0f} m, next {dist:.0f} m, ETA {eta}, batt {batt}"
                                if dist is not None else f"{s.mode} alt {s.alt_rel or 0:.0f} m, batt {batt}",
                                refresh=False)
            bar.refresh()
            if airborne and s.landed and not s.armed:
                # A vehicle that restarts faster than LINK LOST comes back disarmed on the ground with its
                # position not yet streaming: wait for a fresh one so the restart is noticed and the
                # mission checked before we stop watching.
                wait_fresh(v, on_ground=True)
                drain()
                if check_pending:
                    recheck()
                break
            if not airborne and not s.armed:
                raise SargcError(f"the vehicle disarmed before taking off (mode {s.mode})")
            if ctrl_c[0] > handled:
                if handled == 0 and s.mode not in RTL_MODES:
                    interrupted = "stopped by the pilot (Ctrl-C)"
                    _say(bar, "Ctrl-C: stopping here (BRAKE), then RTL. Ctrl-C again to RTL at once.")
                    v.pause()
                    stop_requested_at = time.monotonic()
                else:
                    interrupted = interrupted or "stopped by the pilot (Ctrl-C)"
                    _say(bar, "Ctrl-C: RTL now.")
                    stop_requested_at = None
                    v.rtl()
                handled = ctrl_c[0]
            time.sleep(0.25)
    finally:
        signal.signal(signal.SIGINT, previous)
        bar.close()
        unsub()
    s = v.snapshot()
    where = f"{s.lat:.6f}, {s.lon:.6f}" if s.has_position else "unknown position"
    if rebooted and interrupted == "the vehicle rebooted in flight":
        left = mission.first_wp + rest_of_plan(mission.plan, reached)[0]
        raise SargcError(f"mission not completed: the vehicle rebooted in flight; it is on the ground at {where}. "
                         f"To fly what is left: sargc fly {plan_file} --from-waypoint {left}")
    if interrupted:
        raise SargcError(f"mission not completed: {interrupted}; landed and disarmed at {where}")
    if not reached_last:
        raise SargcError(f"mission not completed (last item reached: {s.last_reached_seq}); landed and disarmed "
                         f"at {where} in {s.mode}")
    click.echo(f"Mission complete: landed and disarmed at {where}.", err=True)


def _status_lines(s) -> list[str]:
    def f(x, fmt, unit=""):
        return "?" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:{fmt}}{unit}"
    link = s.link
    hb = f(link.heartbeat_age, ".1f", " s ago")
    lines = [
        f"vehicle {s.system_id}  mode {s.mode}  {'ARMED' if s.armed else 'disarmed'}  "
        f"{'in air' if s.in_air else 'on ground' if s.in_air is False else ''}",
        f"position  {f(s.lat, '.7f')}, {f(s.lon, '.7f')}  alt {f(s.alt_rel, '.1f', ' m')} (AMSL {f(s.alt_amsl, '.1f', ' m')})",
        f"motion    ground speed {f(s.groundspeed, '.1f', ' m/s')}  heading {f(s.heading, '.0f', '°')}  "
        f"climb {f(s.climb, '.1f', ' m/s')}",
        f"attitude  roll {f(s.roll, '.1f', '°')}  pitch {f(s.pitch, '.1f', '°')}  yaw {f(s.yaw, '.0f', '°')}",
        f"battery   {f(s.battery_pct, '.0f', ' %')}  {f(s.battery_voltage, '.2f', ' V')}  {f(s.battery_current, '.1f', ' A')}",
        f"GPS       fix {f(s.gps_fix, 'd')}  satellites {f(s.gps_satellites, 'd')}  EKF {'ok' if s.ekf_ok else 'NOT OK'}  "
        f"pre-arm {'ok' if s.prearm_ok else 'failing' if s.prearm_ok is False else '?'}",
        f"home      {f(s.home_lat, '.7f')}, {f(s.home_lon, '.7f')}  alt {f(s.home_alt_amsl, '.1f', ' m')}",
        f"mission   item {f(s.mission_seq, 'd')} of {f(s.mission_total, 'd')}",
        f"link      heartbeat {hb}  loss {link.loss_pct:.0f} %  {'LOST' if link.lost else 'ok'}"
        f"{'  signed' if link.signed else ''}",
    ]
    lines += [f"  [{t.severity}] {t.text}" for t in s.statustexts[-5:]]
    return lines


def _status_json(s) -> str:
    skip = {"statustexts", "ages", "link"}
    d = {k: getattr(s, k) for k in s.__dataclass_fields__ if k not in skip}
    d["link"] = dict(s.link.__dict__)
    d["ages"] = dict(s.ages)
    d["statustexts"] = [{"severity": t.severity, "text": t.text} for t in s.statustexts]
    return json.dumps(d)


@click.command()
@click.option("--connect", "connect", required=True, help="Vehicle link, as for `sargc fly`.")
@click.option("--watch", is_flag=True, help="Keep printing once a second until Ctrl-C.")
@click.option("--seconds", type=float, default=None, help="With --watch: stop after this many seconds.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per update.")
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Signing key file, if the vehicle requires signed packets.")
@click.option("--connect-timeout", type=float, default=30.0, show_default=True)
def status(connect: str, watch: bool, seconds: float | None, as_json: bool, key_file: Path | None,
           connect_timeout: float) -> None:
    """Print the vehicle's live telemetry: mode, position, battery, GPS/EKF, mission, link.

    \b
    Example:
      sargc status --connect tcp:127.0.0.1:5760
      sargc status --connect udp:0.0.0.0:14550 --watch
    """
    from groundcontrol.connection import parse_endpoint

    parse_endpoint(connect)
    key = _signing_key(False, key_file)
    v = _connect(connect, None, key, (), connect_timeout)
    try:
        v.wait_for(lambda s: s.ages.get("position") is not None or s.ages.get("sys_status") is not None, 5.0,
                   "telemetry")
        time.sleep(0.5)
        end = time.monotonic() + seconds if seconds else None
        while True:
            s = v.snapshot()
            click.echo(_status_json(s) if as_json else "\n".join(_status_lines(s)))
            if not watch or (end is not None and time.monotonic() >= end):
                break
            if not as_json:
                click.echo("")
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        v.close()
