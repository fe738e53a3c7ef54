"""``sargc sim`` and ``sargc sitl``: a vehicle to fly against.

``sim`` runs the built-in simulated ArduCopter on SITL's ports (5760 + 10·instance for
the first link, 5762 + 10·instance for the second), optionally behind a faulty link.
``sitl`` starts real ArduPilot SITL through the launcher and waits until it is armable.
Both run until Ctrl-C (or ``--duration``).
"""

from __future__ import annotations

import time

import click

from search_patterns.errors import InputError, SargcError

DEFAULT_HOME = "-35.363261,149.165230,584,353"


def parse_home(text: str) -> tuple[float, float, float, float]:
    """``LAT,LON[,ALT[,HDG]]`` → (lat, lon, alt AMSL m, heading deg)."""
    parts = [p.strip() for p in text.split(",")]
    if not 2 <= len(parts) <= 4:
        raise InputError(f"expected LAT,LON[,ALT[,HDG]], got {text!r}", where="--home")
    try:
        vals = [float(p) for p in parts]
    except ValueError as exc:
        raise InputError(f"not a number in {text!r}", where="--home") from exc
    vals += [0.0] * (4 - len(vals))
    lat, lon, alt, hdg = vals
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise InputError(f"latitude/longitude out of range in {text!r}", where="--home")
    return lat, lon, alt, hdg % 360.0


def _parse_hostport(text: str, where: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise InputError(f"expected HOST:PORT, got {text!r}", where=where)
    return host or "127.0.0.1", int(port)


def _parse_params(values: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for v in values:
        name, sep, val = v.partition("=")
        try:
            out[name.strip().upper()] = float(val)
        except ValueError:
            sep = ""
        if not sep:
            raise InputError(f"expected NAME=VALUE, got {v!r}", where="--param")
    return out


def _run_until(duration: float | None, alive) -> None:
    end = None if duration is None else time.monotonic() + duration
    try:
        while alive() and (end is None or time.monotonic() < end):
            time.sleep(0.2)
    except KeyboardInterrupt:
        click.echo("Stopping.", err=True)


@click.command("sim")
@click.option("--speedup", type=click.FloatRange(min=0.1, max=200), default=1.0, show_default=True,
              help="Sim seconds per wall second.")
@click.option("--home", default=DEFAULT_HOME, show_default=True, help="LAT,LON,ALT_AMSL,HEADING of home.")
@click.option("--instance", type=click.IntRange(0, 200), default=0, show_default=True,
              help="Port block like SITL -I: 5760+10N and 5762+10N.")
@click.option("--sysid", type=click.IntRange(1, 255), default=1, show_default=True, help="MAVLink system id.")
@click.option("--readiness", type=click.Choice(["fast", "realistic"]), default="fast", show_default=True,
              help="fast: armable after ~2 s; realistic: ArduCopter's measured ~42 s boot.")
@click.option("--wind", default="0,0", show_default=True, help="SPEED_M_S,FROM_DEG of the steady wind.")
@click.option("--gust", type=float, default=0.0, show_default=True, help="Gust strength (m/s, std dev).")
@click.option("--gps-noise", type=float, default=0.0, show_default=True, help="GPS position error (m, std dev).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed for wind, gusts and GPS noise.")
@click.option("--udp-out", default=None, help="Also send MAVLink to this HOST:PORT over UDP.")
@click.option("--battery-mah", type=float, default=3300.0, show_default=True, help="Battery capacity.")
@click.option("--param", "params", multiple=True, help="Parameter override NAME=VALUE (repeatable).")
@click.option("--link-loss", type=click.FloatRange(0, 1), default=0.0, help="Faulty link: packet loss 0..1.")
@click.option("--link-dup", type=click.FloatRange(0, 1), default=0.0, help="Faulty link: duplication 0..1.")
@click.option("--link-reorder", type=click.FloatRange(0, 1), default=0.0, help="Faulty link: reordering 0..1.")
@click.option("--link-delay", type=click.FloatRange(0), default=0.0, help="Faulty link: delay in seconds.")
@click.option("--duration", type=click.FloatRange(min=0), default=None, help="Stop after this many wall seconds.")
def sim(speedup: float, home: str, instance: int, sysid: int, readiness: str, wind: str, gust: float,
        gps_noise: float, seed: int, udp_out: str | None, battery_mah: float, params: tuple[str, ...],
        link_loss: float, link_dup: float, link_reorder: float, link_delay: float, duration: float | None) -> None:
    """Run the built-in simulated ArduCopter (MAVLink on tcp:127.0.0.1:5760 by default).

    With any --link-* option, a faulty link sits on the first port and the vehicle behind it.

    \b
    Examples:
      sargc sim --speedup 10
      sargc sim --instance 1 --sysid 2 --home 57.1,-3.6,450,90
      sargc sim --link-loss 0.2 --link-dup 0.05 --link-reorder 0.05
    """
    from sitl.faulty_link import FaultyProxy
    from sitl.sim_vehicle import SimConfig, SimVehicle

    home_t = parse_home(home)
    try:
        w = [float(x) for x in wind.split(",")]
        wind_speed, wind_dir = (w + [0.0])[:2]
    except ValueError as exc:
        raise InputError(f"expected SPEED[,FROM_DEG], got {wind!r}", where="--wind") from exc
    port0, port1 = SimConfig.instance_ports(instance)
    faulty = any((link_loss, link_dup, link_reorder, link_delay))
    cfg = SimConfig(home=home_t, speedup=speedup, tcp_port=0 if faulty else port0, serial1_port=port1,
                    sysid=sysid, readiness=readiness, wind_m_s=wind_speed, wind_dir_deg=wind_dir, gust_m_s=gust,
                    gps_noise_m=gps_noise, seed=seed,
                    udp_out=_parse_hostport(udp_out, "--udp-out") if udp_out else None,
                    battery_mah=battery_mah, params=_parse_params(params))
    vehicle = SimVehicle(cfg)
    try:
        vehicle.start()
    except OSError as exc:
        raise SargcError(f"cannot open port {port0} or {port1} ({exc.strerror}): another simulator or SITL "
                         f"may be running; try --instance {instance + 1}") from exc
    proxy = None
    try:
        first = vehicle.connection_string
        if faulty:
            proxy = FaultyProxy(listen=("127.0.0.1", port0), upstream=("127.0.0.1", vehicle.tcp_port),
                                loss=link_loss, duplicate=link_dup, reorder=link_reorder, delay_s=link_delay,
                                seed=seed).start()
            first = proxy.connection_string + f" (faulty link: loss {link_loss:g}, dup {link_dup:g}, " \
                                              f"reorder {link_reorder:g}, delay {link_delay:g} s)"
        click.echo(f"Simulated ArduCopter sysid {sysid}, speed-up {speedup:g}x, home {home_t[0]:.7f},"
                   f"{home_t[1]:.7f} {home_t[2]:g} m")
        click.echo(f"  SERIAL0 {first}")
        click.echo(f"  SERIAL1 {vehicle.second_connection_string} (signed commands only once signing is set up)")
        if cfg.udp_out:
            click.echo(f"  UDP out to {cfg.udp_out[0]}:{cfg.udp_out[1]}")
        click.echo("Ctrl-C to stop.", err=True)
        _run_until(duration, lambda: vehicle.error is None)
        if vehicle.error is not None:
            raise SargcError(f"simulated vehicle stopped: {vehicle.error}")
    finally:
        if proxy is not None:
            proxy.stop()
        vehicle.stop()


@click.command("sitl")
@click.option("--binary", default=None, help="arducopter executable (default: $ARDUPILOT_SITL or PATH).")
@click.option("--defaults", default=None, help="Defaults .parm file (default: $ARDUPILOT_DEFAULTS or none).")
@click.option("--home", default=DEFAULT_HOME, show_default=True, help="LAT,LON,ALT_AMSL,HEADING of home.")
@click.option("--speedup", type=click.FloatRange(min=0.1, max=100), default=1.0, show_default=True)
@click.option("--instance", type=click.IntRange(0, 200), default=0, show_default=True,
              help="SITL -I: ports 5760+10N and 5762+10N.")
@click.option("--workdir", type=click.Path(file_okay=False), default=None,
              help="Folder for eeprom.bin and logs (default: a temporary folder).")
@click.option("--no-wait", is_flag=True, help="Do not wait until the vehicle is armable.")
@click.option("--duration", type=click.FloatRange(min=0), default=None, help="Stop after this many wall seconds.")
def sitl(binary: str | None, defaults: str | None, home: str, speedup: float, instance: int, workdir: str | None,
         no_wait: bool, duration: float | None) -> None:
    """Start ArduPilot SITL (ArduCopter) and keep it running until Ctrl-C.

    \b
    Examples:
      ARDUPILOT_SITL=~/ardupilot/build/sitl/bin/arducopter sargc sitl --speedup 5
      sargc sitl --binary ./arducopter --defaults copter.parm --instance 2
    """
    from sitl.ardupilot import SitlLauncher

    launcher = SitlLauncher(binary=binary, defaults=defaults, home=parse_home(home), speedup=speedup,
                            instance=instance, workdir=workdir)
    launcher.start()
    try:
        click.echo(f"ArduPilot SITL instance {instance} started (log: {launcher.log_path})")
        if not no_wait:
            click.echo("Waiting until it is armable (≈42 s of sim time)...", err=True)
            launcher.wait_armable()
        click.echo(f"  SERIAL0 {launcher.connection_string}")
        click.echo(f"  SERIAL1 {launcher.second_connection_string}")
        click.echo("Ctrl-C to stop.", err=True)
        _run_until(duration, lambda: launcher.process is not None and launcher.process.poll() is None)
        if launcher.process is not None and launcher.process.poll() is not None:
            launcher._check_alive("while running")
    finally:
        launcher.stop()
