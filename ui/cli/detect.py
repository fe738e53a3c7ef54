"""``sargc detect``: find people in a video file, a folder of images or a live stream."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from search_patterns.errors import InputError


def _parse_pose(text: str) -> tuple[float, ...]:
    try:
        vals = tuple(float(v) for v in text.split(","))
    except ValueError as exc:
        raise InputError("expected LAT,LON,ALT[,YAW[,GIMBAL_PITCH]] as numbers", where="--pose") from exc
    if not 3 <= len(vals) <= 5:
        raise InputError("expected LAT,LON,ALT[,YAW[,GIMBAL_PITCH]]", where="--pose")
    return vals


@click.command("detect")
@click.argument("source")
@click.option("--detector", "detector_name", default="best", show_default=True,
              help="rx | ranked | dnn | hog | onnx:PATH | rx+dnn | ranked+dnn | rx+onnx:PATH | ranked+onnx:PATH | all | "
                   "best (= ranked+dnn, or ranked without the YOLO weights).")
@click.option("--telemetry", type=click.Path(dir_okay=False), help="MAVLink .tlog giving the camera's pose over time.")
@click.option("--video-start", type=float, default=None,
              help="Unix time of the video's first frame (default: start of the telemetry).")
@click.option("--pose", "pose_text", default=None,
              help="A fixed pose LAT,LON,ALT[,YAW[,GIMBAL_PITCH]] for still images without telemetry.")
@click.option("--hfov", type=float, default=69.0, show_default=True, help="Camera horizontal field of view, degrees.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write one JSON object per detection (JSONL).")
@click.option("--mission", "mission_dir", type=click.Path(file_okay=False),
              help="Mission folder: detections and sightings go to its detections.sqlite.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False),
              help="Also export sightings (.geojson, .kml or .csv).")
@click.option("--sensitivity", type=click.FloatRange(0.05, 1.0), default=0.5, show_default=True,
              help="Colour-anomaly sensitivity: higher finds more and flags more.")
@click.option("--ranker", "ranker_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Your own person ranker model (from `sargc train-ranker`) for ranked detectors.")
@click.option("--min-score", type=click.FloatRange(0.0, 1.0), default=0.5, show_default=True,
              help="Detections below this score are not written to --out.")
@click.option("--max-frames", type=click.IntRange(1), default=None, help="Stop after this many processed frames.")
@click.option("--every", type=click.IntRange(1), default=1, show_default=True, help="Process every Nth frame of a file.")
@click.option("--rtsp-transport", type=click.Choice(["tcp", "udp"]), default="tcp", show_default=True)
def detect(source: str, detector_name: str, telemetry: str | None, video_start: float | None, pose_text: str | None,
           hfov: float, out_path: str | None, mission_dir: str | None, export_path: str | None, sensitivity: float,
           ranker_path: str | None, min_score: float, max_frames: int | None, every: int, rtsp_transport: str) -> None:
    """Find possible people in SOURCE: a video file, a folder of images, a camera number, or a
    stream (udp://…, rtsp://…). Prints frames, frames per second, detections and sightings.

    \b
    Examples:
      sargc detect flight.mp4 --telemetry flight.tlog --out hits.jsonl --mission missions/today
      sargc detect photos/ --pose 46.5,8.0,50 --detector rx --export sightings.kml
      sargc detect udp://0.0.0.0:5600 --mission missions/today
    """
    from detection.detectors import make_detector
    from detection.export import export_sightings
    from detection.pipeline import DetectionPipeline, FrameResult
    from detection.poses import PoseTrack
    from detection.sources import open_source
    from detection.store import SightingStore
    from search_patterns.camera import Camera
    from search_patterns.pose import Pose

    if telemetry and pose_text:
        raise InputError("give either --telemetry or --pose, not both", where="--pose")
    provider = None
    start = video_start
    if telemetry:
        track = PoseTrack.from_tlog(telemetry)
        provider = track
        if start is None and track.span:
            start = track.span[0]
    elif pose_text:
        v = _parse_pose(pose_text)
        fixed = Pose(v[0], v[1], v[2], yaw=v[3] if len(v) > 3 else 0.0, gimbal_pitch=v[4] if len(v) > 4 else -90.0)
        provider = lambda t: fixed  # noqa: E731 - the same pose for every frame
    src = open_source(source, rtsp_transport=rtsp_transport, start_time=start)
    detector = make_detector(detector_name, sensitivity=sensitivity, ranker=ranker_path)
    store = SightingStore(mission_dir) if mission_dir else None
    out = open(out_path, "w", encoding="utf-8") if out_path else None  # noqa: SIM115 - append-only log

    def write(result: FrameResult) -> None:
        if out is None:
            return
        for d in result.detections:
            if d.box.score < min_score:
                continue
            row = {"source": d.source, "x": round(d.box.x, 1), "y": round(d.box.y, 1), "w": round(d.box.w, 1),
                   "h": round(d.box.h, 1), "score": round(d.box.score, 3), "detector": d.box.detector}
            if d.fix is not None:
                row.update(lat=round(d.fix.lat, 7), lon=round(d.fix.lon, 7), error_m=round(d.fix.error_m, 1))
            if d.sighting_id is not None:
                row["sighting"] = d.sighting_id
            out.write(json.dumps(row) + "\n")
        out.flush()

    camera = Camera.from_fov(hfov, 1920, 1080)  # resolution follows the frames
    pipe = DetectionPipeline(src, detector, camera=camera, pose_provider=provider, store=store, observers=[write],
                             max_frames=max_frames, every_nth=every)
    t0 = time.time()
    try:
        stats = pipe.run()
    except KeyboardInterrupt:
        stats = pipe.stats
    finally:
        if out is not None:
            out.close()
    sightings = pipe.tracker.all()
    flagged = [s for s in sightings if s.score >= min_score]
    if export_path:
        export_sightings(store.sightings() if store else sightings, export_path)
    if store is not None:
        store.close()
    wall = time.time() - t0
    click.echo(f"frames: {stats.frames_processed} processed of {stats.frames_read} read"
               f" ({stats.frames_dropped} dropped)")
    click.echo(f"speed: {stats.frames_processed / wall if wall > 0 else 0:.2f} frames/s, detector {detector.name}")
    click.echo(f"detections: {stats.detections}; sightings: {len(sightings)} ({len(flagged)} scoring >= {min_score})")
    unplaced = sum(1 for s in sightings if s.lat is None)
    if unplaced:
        click.echo(f"note: {unplaced} sightings have no ground position (give --telemetry or --pose)")
    if mission_dir:
        click.echo(f"store: {Path(mission_dir) / 'detections.sqlite'}")
    if stats.error and stats.frames_processed == 0:
        raise InputError(stats.error, where=source)
