"""``sargc mission`` and ``sargc demo``: fly a whole search from a scenario file.

Both run :class:`ui.mission.runner.MissionRunner`. With a display (and without ``--headless``)
the desktop app shows the run; otherwise progress is printed as a timeline and the report's
path is the last line on standard output.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from search_patterns.errors import InputError, SargcError


def display_available() -> bool:
    """True when a desktop window can be opened: $DISPLAY (or Wayland) set and Qt can connect to it."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    import subprocess

    probe = ("import sys\nfrom PyQt6.QtWidgets import QApplication\napp = QApplication(sys.argv[:1])\n"
             "sys.exit(0 if app.primaryScreen() is not None else 1)\n")
    try:
        return subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _printer(quiet: bool):
    colours = {"warning": "yellow", "critical": "red"}

    def show(event) -> None:
        if quiet and event.severity == "info":
            return
        m, s = divmod(event.t, 60)
        click.secho(f"[{int(m):02d}:{s:04.1f}] {event.vehicle}: {event.text}", err=True,
                    fg=colours.get(event.severity))
    return show


def _run(runner, *, gui: bool, resume: bool = False):
    """Run headless (Ctrl-C sends the vehicles home, then the report is still written) or in the app."""
    if gui:
        try:
            from ui.app import mission_window
        except ImportError:
            mission_window = None
        if mission_window is not None and hasattr(mission_window, "run_mission_in_app"):
            return mission_window.run_mission_in_app(runner, resume=resume)
        click.secho("The desktop app cannot show a mission run yet; running headless.", err=True, fg="yellow")
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame) -> None:  # first Ctrl-C: RTL and finish; second: abort
        click.secho("Ctrl-C: sending every vehicle home (press again to abort)", err=True, fg="yellow")
        runner.request_stop()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        return runner.run_resume() if resume else runner.run()
    finally:
        signal.signal(signal.SIGINT, previous)


def _finish(outcome) -> None:
    summary = outcome.summary
    cov = summary.get("coverage", {})
    tr = summary.get("training") or {}
    click.echo(f"coverage {cov.get('covered_fraction', 0):.1%}, mean POD {cov.get('mean_pod', 0):.2f}, "
               f"{len(summary.get('sightings', []))} sighting(s)", err=True)
    if tr:
        found = sum(1 for s in tr["subjects"] if s["found"])
        click.echo(f"training: {found}/{len(tr['subjects'])} subjects found, {tr['false_alarms']} false alarm(s), "
                   f"score {tr['score']:.0f}/100", err=True)
    if outcome.resumable:
        click.secho(f"mission interrupted; fly the rest with: sargc mission --resume {outcome.folder}",
                    err=True, fg="yellow")
    click.echo(str(outcome.report))
    failed = [f"{so.name}: {so.error}" for so in outcome.sorties if so.error]
    if failed:
        raise SargcError("; ".join(failed) + f" (report written: {outcome.report})")


@click.command("mission")
@click.option("--scenario", "scenario_path", help="Scenario file (YAML/JSON) or a shipped scenario's name "
              "(moorland, forest-edge, two-drones).")
@click.option("--vehicle", help="Fly every vehicle on: sim (built-in), sitl (ArduPilot SITL) or a connection "
              "string (tcp:HOST:PORT, udp:0.0.0.0:14550, /dev/ttyUSB0:57600). Default: as in the scenario.")
@click.option("--speedup", type=click.FloatRange(1, 100), default=None,
              help="Simulation speed-up: default 10 for sim and sitl, 1 for a connection string (give it "
                   "when that connection is a sped-up simulator).")
@click.option("--readiness", type=click.Choice(["fast", "realistic"]), default="fast", show_default=True,
              help="Built-in vehicle: GPS/EKF ready in seconds, or as slowly as real ArduCopter.")
@click.option("--detector", help="Detector (as `sargc detect --detector`); default: the scenario's, else the best.")
@click.option("--simulated-camera/--no-simulated-camera", default=None,
              help="Render the scenario's camera from telemetry (default: only for sim and sitl vehicles).")
@click.option("--video", type=click.Choice(["inprocess", "udp"]), default="inprocess", show_default=True,
              help="How the simulated camera reaches detection: in process, or as H.264 over UDP read back "
                   "like a drone's video stream.")
@click.option("--headless", is_flag=True, help="Never open the desktop app, even with a display.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Mission folder to write (default: missions/<date-time>).")
@click.option("--resume", "resume_dir", type=click.Path(exists=True, file_okay=False),
              help="Fly what an interrupted mission left unsearched, into its own folder.")
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings and the report path.")
def mission(scenario_path, vehicle, speedup, readiness, detector, simulated_camera, video, headless, out_dir,
            resume_dir, quiet) -> None:
    """Fly a search from a scenario: plan, upload and verify, fly, detect, cover, report.

    Writes a mission folder (plans, tlogs, detections.sqlite, coverage/, report.html,
    mission.json) and prints the report's path.

    \b
    Examples:
      sargc mission --scenario moorland --headless --out /tmp/moor
      sargc mission --scenario my-exercise.yaml --vehicle sitl --speedup 5 --video udp
      sargc mission --scenario forest-edge --vehicle tcp:127.0.0.1:5830 --speedup 10 --simulated-camera
      sargc mission --resume missions/2026-11-30T14-05-12
    """
    from ui.mission.folder import new_mission_dir
    from ui.mission.runner import MissionOptions, MissionRunner

    gui = not headless and display_available()
    if resume_dir:
        opts = MissionOptions(out_dir=Path(resume_dir), vehicle=vehicle, speedup=speedup, readiness=readiness,
                              detector=detector, simulated_camera=simulated_camera, video=video)
        runner = MissionRunner.resume(resume_dir, opts, on_event=_printer(quiet))
        _finish(_run(runner, gui=gui, resume=True))
        return
    if not scenario_path:
        raise InputError("give --scenario FILE (or a shipped scenario's name), or --resume DIR", where="sargc mission")
    from sitl.scenario import find_scenario, load_scenario

    scenario = load_scenario(find_scenario(scenario_path))
    out = Path(out_dir) if out_dir else new_mission_dir("missions")
    opts = MissionOptions(out_dir=out, vehicle=vehicle, speedup=speedup, readiness=readiness, detector=detector,
                          simulated_camera=simulated_camera, video=video)
    runner = MissionRunner(scenario, opts, on_event=_printer(quiet))
    click.echo(f"Mission '{scenario.name}' → {out}", err=True)
    _finish(_run(runner, gui=gui))


@click.command("demo")
@click.option("--headless", is_flag=True, help="Never open the desktop app, even with a display.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Mission folder (default: demo-output/<date-time>).")
@click.option("--speedup", type=click.FloatRange(1, 100), default=10.0, show_default=True)
def demo(headless, out_dir, speedup) -> None:
    """Fly the first shipped scenario (open moorland, two subjects) end to end.

    Uses the built-in simulated vehicle, or ArduPilot SITL when ARDUPILOT_SITL is set. Opens
    the desktop app when a display is available, otherwise runs headless and prints the
    report's path.

    \b
    Example:
      sargc demo
    """
    from sitl.scenario import builtin_scenarios, load_scenario
    from ui.mission.endpoints import sitl_available
    from ui.mission.folder import new_mission_dir
    from ui.mission.runner import MissionOptions, MissionRunner

    vehicle = "sim"
    if os.environ.get("ARDUPILOT_SITL"):
        if sitl_available() is None:
            raise SargcError(f"ARDUPILOT_SITL={os.environ['ARDUPILOT_SITL']} does not exist; unset it to fly the "
                             "built-in vehicle")
        vehicle = "sitl"
    scenario = load_scenario(builtin_scenarios()[0])
    out = Path(out_dir) if out_dir else new_mission_dir("demo-output")
    gui = not headless and display_available()
    click.echo(f"Demo: '{scenario.name}' on the {'ArduPilot SITL' if vehicle == 'sitl' else 'built-in'} vehicle, "
               f"{'in the desktop app' if gui else 'headless'} → {out}", err=True)
    runner = MissionRunner(scenario, MissionOptions(out_dir=out, vehicle=vehicle, speedup=speedup),
                           on_event=_printer(False))
    _finish(_run(runner, gui=gui))
