"""After the vehicles land: coverage from what was flown, sightings, score, resume plan, report.

Coverage is computed from the tlogs (``groundcontrol.track``), the same way a coordinator
computes it on another laptop from the mission folder, so the report never relies on
anything that only lived in this process. Where the tlogs cannot be read, the poses the
runner saw in telemetry are used and the report says so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from search_patterns.atomic import write_atomic
from search_patterns.plan import Plan
from search_patterns.pose import Pose
from ui.mission.camera_feed import track_length_m
from ui.mission.flight import SortieResult
from ui.mission.folder import utc_now
from ui.mission.mapview import MapMarker, render_map
from ui.mission.model import SightingRecord, TrainingScore, VehicleRun, to_jsonable
from ui.mission.remaining import rest_of_plan
from ui.mission.report import ReportData, write_report
from ui.mission.scoring import score_training

if TYPE_CHECKING:
    from ui.mission.runner import MissionRunner


def planned_pod(plans: Sequence[Plan]) -> float:
    """Area-weighted planned POD of the plans (their own statistics)."""
    total = sum(p.stats.area_m2 for p in plans) or 0.0
    if total <= 0:
        return float(plans[0].stats.pod) if plans else 0.0
    return float(sum(p.stats.pod * p.stats.area_m2 for p in plans) / total)


def poses_from_tlog(path: Path) -> list[Pose] | None:
    """Camera poses from a tlog (``groundcontrol.track``); None when it cannot be read."""
    from groundcontrol.track import read_poses

    try:
        return read_poses(path)
    except Exception:  # a damaged log: fall back to what the runner saw
        return None


def sortie_poses(runner: MissionRunner, sorties: Sequence[SortieResult],
                 previous: dict[str, Any] | None) -> tuple[list[list[Pose]], str]:
    """Pose lists, one per sortie flown so far (this run and, on resume, the earlier ones)."""
    out: list[list[Pose]] = []
    source = "tlog"
    tlogs = runner.folder.tlogs()
    from_logs = [poses_from_tlog(p) for p in tlogs]
    if tlogs and all(p is not None for p in from_logs):
        return [p for p in from_logs if p], source
    source = "telemetry seen during the run"
    if previous:
        for prev in previous.get("sortie_tracks", []):
            out.append([Pose(*row) for row in prev])
    out.extend(s.poses for s in sorties)
    return out, source


def compute(runner: MissionRunner, pose_lists: list[list[Pose]]) -> Any:
    from search_patterns.coverage import compute_coverage_sorties

    s = runner.scenario
    return compute_coverage_sorties(pose_lists, s.area, s.camera.camera(), target_pod=s.target_pod,
                                    min_alt_m=min(10.0, s.pattern.alt_m * 0.5))


def write_coverage(folder: Path, result: Any) -> None:
    """``coverage/``: summary.json plus the coverage engineer's layers when that writer is there."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "summary.json", json.dumps(result.summary, indent=1))
    try:
        from search_patterns import layers
    except ImportError:
        layers = None
    if layers is not None:
        for name in ("write_layers", "write_coverage_layers"):
            fn = getattr(layers, name, None)
            if fn is not None:
                try:
                    fn(result, folder)
                except Exception as exc:  # the summary is written; layers are extra
                    write_atomic(folder / "layers-error.txt", f"{type(exc).__name__}: {exc}\n")
                break


def read_sightings(store_path: Path) -> list[SightingRecord]:
    """Sightings with their best picture, most likely first."""
    if not store_path.exists():
        return []
    from detection.store import SightingStore

    out = []
    with SightingStore(store_path, readonly=True) as store:
        for s in store.sightings():
            if s.lat is None or s.lon is None:
                continue
            thumb = store.thumbnail(s.best_detection_id) if s.best_detection_id is not None else None
            dets = store.detections(s.id)
            vehicle = dets[0].source if dets else ""
            out.append(SightingRecord(id=s.id, lat=s.lat, lon=s.lon, score=float(s.score), t=s.first_time,
                                      error_m=s.error_m, detector=",".join(s.detectors), vehicle=vehicle,
                                      detections=s.n_detections, review=s.state, thumbnail=thumb or b""))
    return out


def resume_block(runner: MissionRunner, sorties: Sequence[SortieResult]) -> list[dict[str, Any]]:
    """What each interrupted vehicle still has to fly: its plan from the start of the leg it was on."""
    out = []
    for so in sorties:
        if so.completed:
            continue
        start, rest = rest_of_plan(so.plan, so.last_wp_reached)
        remaining = rest.waypoints
        if len(remaining) < 2:
            continue
        out.append({"vehicle_index": getattr(so, "vehicle_index", 0), "vehicle": so.name,
                    "from_waypoint": start + 1, "reason": so.interrupted_by,
                    "waypoints": [[w.lat, w.lon, w.alt] for w in remaining]})
    return out


def write_results(runner: MissionRunner, sorties: Sequence[SortieResult], *, started: str,
                  previous: dict[str, Any] | None) -> dict[str, Any]:
    """Coverage, sightings, score, mission.json and report.html; returns the mission summary."""
    s = runner.scenario
    folder = runner.folder
    notes: list[str] = []
    pose_lists, pose_source = sortie_poses(runner, sorties, previous)
    if pose_source != "tlog":
        notes.append(f"Coverage computed from the {pose_source} (the tlogs could not be read here).")
    cov = compute(runner, pose_lists)
    write_coverage(folder.coverage, cov)
    summary_cov = cov.summary
    sightings = read_sightings(folder.store)
    from ui.mission.planning import plan_for_vehicles

    plans = plan_for_vehicles(s)
    p_pod = planned_pod(plans)
    training: TrainingScore | None = None
    if s.subjects:
        training = score_training(s.subjects, sightings, planned_pod=p_pod, achieved_pod=cov.mean_pod)

    prev_vehicles = [VehicleRun(**v) for v in (previous or {}).get("vehicle_runs", [])]
    runs = prev_vehicles + [VehicleRun(
        name=so.name + ("" if getattr(so, "sortie", 1) == 1 else f" (sortie {getattr(so, 'sortie', 1)})"),
        connection=so.connection, tlogs=(Path(so.tlog).name,),
        plan_file="", waypoints_planned=len(so.plan.waypoints), last_waypoint_reached=so.last_wp_reached,
        flown_m=round(track_length_m([(p[0], p[1]) for p in so.track]), 1), completed=so.completed,
        interrupted_by=None if so.completed else (so.error or so.interrupted_by)) for so in sorties]
    resume = resume_block(runner, sorties)
    mission_time = runner.flight_time_s if runner.flight_time_s is not None else runner.clock()
    camera_stats = runner.camera.stats if runner.camera is not None else None
    n_det, n_sight = runner.sink.counts() if runner.sink is not None else (0, len(sightings))
    stats: dict[str, Any] = {
        "mission time (s)": round(mission_time, 1),
        "vehicles": len(s.vehicles),
        "vehicle flights": len(runs),
        "area searched (m²)": summary_cov["area_m2"],
        "covered fraction": summary_cov["covered_fraction"],
        "mean POD (achieved)": summary_cov["mean_pod"],
        "planned POD": round(p_pod, 3),
        f"area at POD ≥ {s.target_pod:g}": summary_cov["fraction_above_target"],
        "gaps": summary_cov["gap_count"],
        "flown length (m)": summary_cov["flown_length_m"],
        "frames analysed": camera_stats.processed if camera_stats else 0,
        "detections": n_det,
        "sightings": len(sightings),
    }
    if camera_stats and camera_stats.errors:
        notes.append(f"{camera_stats.errors} camera frame(s) failed: {camera_stats.last_error}")
    if resume:
        notes.append("The mission was cut short; the rest of the area can be flown with "
                     f"`sargc mission --resume {folder.root}`.")
    ranked = sorted(sightings, key=lambda x: (-x.score, x.id))
    markers = [MapMarker(x.lat, x.lon, str(x.id), "sighting") for x in ranked]
    if training:
        markers += [MapMarker(r.lat, r.lon, r.name, "found" if r.found else "missed") for r in training.subjects]
    tracks = [[(p.lat, p.lon) for p in poses] for poses in pose_lists]
    map_png = render_map(s.area, tracks=tracks, covered=cov.coverage_lonlat(), markers=markers,
                         home=(s.home.lat, s.home.lon))
    write_atomic(folder.coverage / "map.png", map_png)
    ended = utc_now()
    summary = {
        **runner.base_json,
        **(previous or {}),
        "scenario": s.name, "source": s.source, "started_utc": started, "ended_utc": ended,
        "status": "interrupted" if resume else "complete", "speedup": runner.speedup,
        "sorties": max([getattr(so, "sortie", 1) for so in sorties] + [1]),
        "mission_time_s": round(mission_time, 1),
        "coverage": {k: v for k, v in summary_cov.items() if k != "gaps"},
        "coverage_source": pose_source,
        "planned_pod": round(p_pod, 4),
        "vehicle_runs": to_jsonable(runs),
        "sightings": to_jsonable(sightings),
        "training": to_jsonable(training) if training else None,
        "resume": resume,
        "timeline": to_jsonable(runner.timeline),
        "sortie_tracks": [[[p.lat, p.lon, p.alt_agl_m, p.roll, p.pitch, p.yaw, p.gimbal_pitch, p.gimbal_yaw,
                            p.time] for p in poses[::5]] for poses in pose_lists],
        "report": "report.html",
    }
    folder.write_json(summary)
    write_report(ReportData(title=f"Mission report – {s.name}", started_utc=started, ended_utc=ended,
                            map_png=map_png, stats=stats, vehicles=runs, timeline=list(runner.timeline),
                            sightings=sightings, training=training, description=s.description.strip(),
                            notes=notes), folder.root)
    return summary
