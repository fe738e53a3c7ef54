"""The headless mission runner: scenario in, mission folder with report out. No Qt.

plan → upload + verify → arm → MISSION_START → fly (camera from telemetry → detection →
sightings; coverage as it flies; failsafes) → land → coverage, score, report.

Several vehicles fly at once, each in its own sortie thread with its own link and tlog; the
simulated camera and detection are shared (one worker, frames tagged by vehicle). A mission
cut short (link loss, low battery, time limit) records what is left, and
:meth:`MissionRunner.resume` flies just that, into the same folder, and rewrites the report
over everything flown.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from search_patterns.errors import InputError, SargcError
from search_patterns.plan import Plan, Waypoint
from sitl.scenario import Scenario, load_scenario
from ui.mission import results
from ui.mission.camera_feed import TelemetryCamera
from ui.mission.detect_sink import DetectionSink
from ui.mission.endpoints import VehicleEndpoint, start_endpoint
from ui.mission.flight import Sortie, SortieResult
from ui.mission.folder import SCENARIO_COPY, MissionFolder, utc_now, versions, write_area_geojson
from ui.mission.model import TimelineEvent, to_jsonable
from ui.mission.planning import plan_for_vehicles, write_plans

COVERAGE_UPDATE_S = 1.0  # wall seconds between running-coverage updates
DEFAULT_SIM_SPEEDUP = 10.0


@dataclass
class MissionOptions:
    """How to run: where to write, which vehicles, how fast."""

    out_dir: Path
    vehicle: str | None = None  # override every vehicle's connection: sim | sitl | CONN
    speedup: float | None = None  # None: 10 for sim/sitl vehicles, 1 (real time) for a connection string
    readiness: str = "fast"
    detector: str | None = None
    simulated_camera: bool | None = None  # default: on for sim/sitl vehicles
    video: str = "inprocess"  # or "udp": frames go through an H.264/UDP video link to detection


@dataclass
class MissionOutcome:
    """What a run leaves behind (also written to ``mission.json``)."""

    folder: Path
    report: Path
    summary: dict[str, Any]
    sorties: list[SortieResult] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)

    @property
    def resumable(self) -> bool:
        return bool(self.summary.get("resume"))


class MissionRunner:
    """Run a scenario. Observers (the desktop app, a progress line) get events and snapshots."""

    def __init__(self, scenario: Scenario, options: MissionOptions, *,
                 on_event: Callable[[TimelineEvent], None] | None = None,
                 on_snapshot: Callable[[str, Any], None] | None = None) -> None:
        if options.vehicle:
            scenario = scenario.with_vehicles(options.vehicle)
        self.scenario = scenario
        self.options = options
        self.folder = MissionFolder(Path(options.out_dir))
        self.on_event = on_event
        self.on_snapshot = on_snapshot
        self.timeline: list[TimelineEvent] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._t0 = time.monotonic()
        self.sortie_no = 1
        self.camera: TelemetryCamera | None = None
        self.sink: DetectionSink | None = None
        self.flight_time_s: float | None = None  # mission time when the last vehicle landed
        self.base_json: dict[str, Any] = {}  # what mission.json said before the flight
        self.live: Any = None  # LiveCoverage while flying: .figures() for a display
        self.video: Any = None  # UdpVideoLink with --video udp

    # -- observers -------------------------------------------------------------------------
    def clock(self) -> float:
        """Mission time: wall seconds since start times the simulator's speed-up (1 for real drones)."""
        return (time.monotonic() - self._t0) * self.speedup

    @property
    def speedup(self) -> float:
        if self.options.speedup is not None:
            return self.options.speedup
        kinds = {v.kind for v in self.scenario.vehicles}
        return DEFAULT_SIM_SPEEDUP if kinds <= {"sim", "sitl"} else 1.0

    def emit(self, event: TimelineEvent) -> None:
        with self._lock:
            self.timeline.append(event)
        if self.on_event:
            self.on_event(event)

    def note(self, kind: str, text: str, severity: str = "info", vehicle: str = "station") -> None:
        self.emit(TimelineEvent(round(self.clock(), 1), vehicle, kind, text, severity))

    def request_abort(self) -> None:
        """Stop watching at once (the vehicles keep their last command); the report is still written."""
        self._stop.set()
        self._abort.set()

    def request_stop(self) -> None:
        """Ctrl-C or the app's stop button: every vehicle is sent home, the run then finishes normally."""
        self._stop.set()

    # -- the run ---------------------------------------------------------------------------
    def check_vehicles(self) -> None:
        """Fail before anything is written when a vehicle cannot even be started."""
        from ui.mission.endpoints import sitl_available

        if any(v.kind == "sitl" for v in self.scenario.vehicles) and sitl_available() is None:
            raise SargcError("ArduPilot SITL not found: set ARDUPILOT_SITL to the arducopter binary "
                             "or put arducopter on PATH (or use --vehicle sim)")

    def run(self) -> MissionOutcome:
        s = self.scenario
        self.check_vehicles()
        self.folder.root.mkdir(parents=True, exist_ok=True)
        started = utc_now()
        plans = plan_for_vehicles(s)
        plan_files = write_plans(plans, self.folder, area=s.area)
        write_area_geojson(s.area, self.folder.area)
        self._save_scenario_copy()
        self.note("plan", f"planned {sum(len(p.waypoints) for p in plans)} waypoints for {len(plans)} vehicle(s); "
                          f"planned POD {results.planned_pod(plans):.2f}")
        base = {"scenario": s.name, "source": s.source, "started_utc": started, "status": "flying",
                "speedup": self.speedup, "vehicles": [v.connection for v in s.vehicles], "versions": versions(),
                "plans": [str(p.relative_to(self.folder.root)) for p in plan_files]}
        self.folder.write_json(base)
        self.base_json = base
        jobs = [(i, plans[i], s.events_for(i + 1)) for i in range(len(plans))]
        try:
            sorties = self._fly(jobs, sortie=1)
        except BaseException as exc:
            self.folder.write_json({**base, "status": f"failed: {exc}", "ended_utc": utc_now()})
            raise
        return self._finish(sorties, started=started, previous=None)

    @classmethod
    def resume(cls, folder: str | Path, options: MissionOptions, **kw: Any) -> MissionRunner:
        """A runner that flies what an interrupted mission in ``folder`` left unsearched."""
        mf = MissionFolder(Path(folder))
        data = mf.read_json()
        if not data.get("resume"):
            raise InputError("nothing to resume: every vehicle finished its plan", where=str(mf.root))
        scenario = load_scenario(mf.root / SCENARIO_COPY)
        runner = cls(scenario, replace(options, out_dir=mf.root), **kw)
        runner._previous = data  # type: ignore[attr-defined]
        return runner

    def run_resume(self) -> MissionOutcome:
        prev: dict[str, Any] = getattr(self, "_previous", None) or self.folder.read_json()
        self.sortie_no = int(prev.get("sorties", 1)) + 1
        self.timeline = [TimelineEvent(**e) for e in prev.get("timeline", [])]
        self._t0 = time.monotonic() - float(prev.get("mission_time_s", 0.0)) / self.speedup
        jobs = []
        for r in prev["resume"]:
            idx = int(r["vehicle_index"])
            wps = tuple(Waypoint(*w) for w in r["waypoints"])
            old = plan_for_vehicles(self.scenario)[idx]
            jobs.append((idx, replace(old, waypoints=wps, name=f"{old.name} (resumed)"), ()))
        write_plans([j[1] for j in jobs], self.folder, sortie=self.sortie_no,
                    indices=[j[0] for j in jobs], n_vehicles=len(self.scenario.vehicles), area=self.scenario.area)
        self.note("resume", f"resuming sortie {self.sortie_no}: {sum(len(j[1].waypoints) for j in jobs)} "
                            "waypoints left to fly")
        sorties = self._fly(jobs, sortie=self.sortie_no)
        return self._finish(sorties, started=prev.get("started_utc", utc_now()), previous=prev)

    def _save_scenario_copy(self) -> None:
        """The scenario as flown, self-contained (area inlined), so the folder can be resumed anywhere."""
        from search_patterns.atomic import write_atomic

        raw = dict(self.scenario.raw)
        area = self.scenario.area
        raw["area"] = {"name": area.name,
                       "polygon": [[lat, lon] for lon, lat in list(area.polygon.exterior.coords)[:-1]],
                       **({"exclusions": [[[lat, lon] for lon, lat in list(e.exterior.coords)[:-1]]
                                          for e in area.exclusions]} if area.exclusions else {})}
        raw["vehicles"] = [{**v, "connection": self.scenario.vehicles[i].connection}
                           for i, v in enumerate(raw.get("vehicles", [{}] * len(self.scenario.vehicles)))]
        write_atomic(self.folder.root / SCENARIO_COPY, yaml.safe_dump(raw, sort_keys=False))

    def _fly(self, jobs: list[tuple[int, Plan, tuple]], *, sortie: int) -> list[SortieResult]:
        s = self.scenario
        simulated = self.options.simulated_camera
        if simulated is None:
            simulated = all(v.kind in ("sim", "sitl") for v in s.vehicles)
        self.sink = DetectionSink(self.folder.store, s.camera.camera(), detector=self.options.detector or
                                  s.camera.detector)
        if simulated:
            from ui.mission.simulated_scene import make_renderer

            frames_to = self.sink
            if self.options.video == "udp":
                from ui.mission.video_link import UdpVideoLink

                self.video = frames_to = UdpVideoLink(self.sink, s.camera.width_px, s.camera.height_px)
                self.note("camera", f"simulated camera streams H.264 to {self.video.url}; detection reads it "
                                    "back like a drone's video (watch with: ffplay " + self.video.url + ")")
            self.camera = TelemetryCamera(make_renderer(s), frames_to, frame_every_m=s.camera.frame_every_m,
                                          on_error=lambda m: self.note("camera", m, "warning"))
        else:
            self.note("camera", "no simulated camera for a real vehicle: run `sargc detect` on the drone's "
                                "video stream alongside", "warning")
        workdir = Path(tempfile.mkdtemp(prefix="sargc-mission-"))
        endpoints: list[VehicleEndpoint] = []
        sorties: list[Sortie] = []
        threads: list[threading.Thread] = []
        try:
            for idx, plan, events in jobs:
                blackout = any(e.kind == "link_blackout" for e in events)
                ep = start_endpoint(s, idx, speedup=self.speedup, readiness=self.options.readiness,
                                    workdir=workdir, sysid=idx + 1, with_proxy=blackout)
                endpoints.append(ep)
                if ep.kind != "connect":
                    self.note("vehicle", f"{ep.kind} vehicle started at {ep.connection}", vehicle=ep.name)
                so = Sortie(name=ep.name, connection=ep.connection,
                            tlog_path=str(self.folder.tlog(idx, sortie)), plan=plan, scenario=s,
                            clock=self.clock, emit=self.emit, camera=self.camera, speedup=self.speedup,
                            events=events, endpoint=ep, on_snapshot=self.on_snapshot, stop_flag=self._stop,
                            abort_flag=self._abort)
                so.vehicle_index = idx  # type: ignore[attr-defined]
                sorties.append(so)
            for so in sorties:
                th = threading.Thread(target=so.run, name=f"sortie-{so.name}", daemon=True)
                th.start()
                threads.append(th)
            self._watch_coverage(sorties, threads)
            for th in threads:
                while th.is_alive():
                    th.join(0.2)
            self.flight_time_s = round(self.clock(), 1)
        except KeyboardInterrupt:  # a second Ctrl-C (the first one asked for RTL): stop watching now
            self._abort.set()
            for th in threads:
                th.join()
        finally:
            for ep in endpoints:
                ep.stop()
            shutil.rmtree(workdir, ignore_errors=True)
        if self.camera is not None:
            if self.camera.backlog:
                self.note("camera", f"detection catching up on {self.camera.backlog} queued frames")
            self.camera.close()
        if self.video is not None:
            self.video.close()
            if self.video.lost:
                self.note("camera", f"{self.video.lost} picture(s) did not come through the video link", "warning")
        self.sink.close()
        out = []
        for so in sorties:
            so.result.vehicle_index = so.vehicle_index  # type: ignore[attr-defined]
            so.result.sortie = sortie  # type: ignore[attr-defined]
            out.append(so.result)
        return out

    def _watch_coverage(self, sorties: list[Sortie], threads: list[threading.Thread]) -> None:
        """While the sorties fly: running coverage from their telemetry, with milestones in the timeline."""
        from ui.mission.live_coverage import LiveCoverage

        s = self.scenario
        live = LiveCoverage(s.area, s.camera.camera(), target_pod=s.target_pod,
                            min_alt_m=min(10.0, s.pattern.alt_m * 0.5))
        self.live = live
        milestones = [0.25, 0.5, 0.75, 0.9]
        while any(th.is_alive() for th in threads):
            for so in sorties:
                live.feed(so.name, list(so.result.poses))
            fig = live.figures()
            while milestones and fig.covered_fraction >= milestones[0]:
                self.note("coverage", f"{milestones.pop(0):.0%} of the area seen so far (from telemetry)")
            for th in threads:
                th.join(COVERAGE_UPDATE_S / len(threads))

    def _finish(self, sorties: list[SortieResult], *, started: str, previous: dict[str, Any] | None) -> MissionOutcome:
        summary = results.write_results(self, sorties, started=started, previous=previous)
        return MissionOutcome(self.folder.root, self.folder.report, summary, sorties, list(self.timeline))


def run_scenario(scenario: Scenario | str | Path, out_dir: str | Path, **options: Any) -> MissionOutcome:
    """One call: load (if a path), fly, report. Raises SargcError on what a user can fix."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    runner = MissionRunner(scenario, MissionOptions(out_dir=Path(out_dir), **options))
    return runner.run()


__all__ = ["MissionOptions", "MissionOutcome", "MissionRunner", "run_scenario", "SargcError", "to_jsonable"]
