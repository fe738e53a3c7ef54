"""Mission in a box: how long a whole training search takes, and where the time goes.

Flies the moorland scenario (the demo) headless on the built-in vehicle at 10x and prints:

- mission.moorland_wall_s: wall seconds for the whole run (plan to report);
  ratio = wall time / the mission time flown (below 1: faster than real time);
- mission.flight_wall_s: wall seconds until the vehicle landed (the simulator's share);
- mission.catch_up_wall_s: wall seconds detection needed after landing to finish its queue;
- mission.frames / mission.frame_ms: frames the telemetry camera took and the mean render +
  detect time per frame (ratio = frame time / the time between frames at 10 m/s and 10x, i.e.
  how much slower than the flight the camera is on this machine; above 1 means it queues);
- mission.report_s: seconds to compute coverage from the tlog, score and write the report.

Run: python bench/mission.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

# bench/ui.py would shadow the ui package: import from the repository root, not from bench/
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sitl.scenario import find_scenario, load_scenario  # noqa: E402
from ui.mission import results as results_mod  # noqa: E402
from ui.mission.runner import MissionOptions, MissionRunner  # noqa: E402


def main() -> None:
    scenario = load_scenario(find_scenario("moorland"))
    out = Path(tempfile.mkdtemp(prefix="bench-mission-"))
    landed_at: list[float] = []
    t0 = time.monotonic()

    def on_event(e) -> None:
        if e.kind == "landed":
            landed_at.append(time.monotonic() - t0)

    report_time: list[float] = []
    write = results_mod.write_results

    def timed_write(*a, **k):
        t = time.monotonic()
        r = write(*a, **k)
        report_time.append(time.monotonic() - t)
        return r

    results_mod.write_results = timed_write
    try:
        runner = MissionRunner(scenario, MissionOptions(out_dir=out, speedup=10.0), on_event=on_event)
        outcome = runner.run()
    finally:
        results_mod.write_results = write
    wall = time.monotonic() - t0
    mission_s = outcome.summary["mission_time_s"]
    flight = landed_at[0] if landed_at else float("nan")
    stats = runner.camera.stats
    frames = stats.processed
    catch_up = wall - flight - (report_time[0] if report_time else 0.0)
    # frame budget: a frame every frame_every_m metres at 10 m/s, sped up 10x
    budget_ms = scenario.camera.frame_every_m / 10.0 / 10.0 * 1000.0
    busy_ms = stats.busy_s / max(1, frames) * 1000.0
    print(f"moorland: {wall:.1f} s wall for {mission_s:.0f} s of mission, {frames} frames, "
          f"{outcome.summary['coverage']['covered_fraction']:.1%} covered")
    print(f"RESULT mission.moorland_wall_s {wall:.1f} s ratio={wall / mission_s:.3f} baseline={mission_s:.0f}")
    print(f"RESULT mission.flight_wall_s {flight:.1f} s")
    print(f"RESULT mission.catch_up_wall_s {catch_up:.1f} s")
    print(f"RESULT mission.frames {frames} count")
    print(f"RESULT mission.frame_ms {busy_ms:.0f} ms ratio={busy_ms / budget_ms:.2f} baseline={budget_ms:.0f}")
    print(f"RESULT mission.report_s {report_time[0] if report_time else float('nan'):.2f} s")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
