"""``sargc coverage``: what a flight's camera actually covered, its POD, and the gaps.

Reads one or more telemetry logs (each a sortie: another flight or another vehicle), builds
camera footprints along the flown track and writes the summary, the map layers and a
picture into ``--out``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from search_patterns.camera import Camera
from search_patterns.errors import InputError

CAMERA_RE = re.compile(r"^\s*(?P<hfov>[0-9.]+)\s*:\s*(?P<w>\d+)\s*[xX]\s*(?P<h>\d+)\s*$")


def parse_camera(spec: str | None) -> Camera:
    """``HFOV:WIDTHxHEIGHT`` (degrees, pixels), e.g. ``84:3840x2160``; empty → the default camera."""
    if not spec or spec == "default":
        return Camera()
    m = CAMERA_RE.match(spec)
    if not m:
        raise InputError(f"expected HFOV:WIDTHxHEIGHT like 84:1920x1080, got {spec!r}", where="--camera")
    return Camera.from_fov(float(m["hfov"]), int(m["w"]), int(m["h"]), name=f"{m['hfov']} deg {m['w']}x{m['h']}")


def read_sightings(path: Path) -> list[tuple[float, float]]:
    """Sighting positions from a detections store (``.sqlite``) or GeoJSON points."""
    if not path.exists():
        raise InputError("sightings file not found", where=str(path))
    if path.suffix.lower() in (".sqlite", ".db"):
        from detection.store import SightingStore

        with SightingStore(path, readonly=True) as store:
            return [(s.lat, s.lon) for s in store.sightings() if s.lat is not None and s.lon is not None]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pts = []
        for f in data.get("features", []):
            g = f.get("geometry") or {}
            if g.get("type") == "Point":
                lon, lat = g["coordinates"][:2]
                pts.append((float(lat), float(lon)))
        return pts
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"not GeoJSON points: {exc}", where=str(path)) from None


def read_terrain_map(path: Path) -> tuple:
    """(polygon, terrain class) pairs from GeoJSON polygons with a ``terrain`` property."""
    from shapely.geometry import shape

    if not path.exists():
        raise InputError("terrain map not found", where=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        out = []
        for i, f in enumerate(data["features"]):
            cls = (f.get("properties") or {}).get("terrain")
            if not cls:
                raise InputError(f"feature {i} has no 'terrain' property (open, light, moderate, dense)",
                                 where=str(path))
            out.append((shape(f["geometry"]), str(cls)))
        return tuple(out)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"not a GeoJSON terrain map: {exc}", where=str(path)) from None


@click.command("coverage", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("tlogs", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--area", "area_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Search area file (GeoJSON, KML, GPX, CalTopo export). Default: area.geojson of the "
                   "mission folder the first log is in.")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for summary.json, the layers and coverage.png. Default: coverage/ in that folder.")
@click.option("--camera", "camera_spec", default=None, metavar="HFOV:WxH",
              help="Camera as horizontal FOV and resolution, e.g. 84:3840x2160 (default: 1/2.3in 4.5 mm 1080p).")
@click.option("--mount", type=click.Choice(["gimbal", "fixed"]), default="gimbal", show_default=True,
              help="gimbal: stabilised, ignores vehicle roll/pitch; fixed: camera bolted to the frame.")
@click.option("--camera-pitch", type=float, default=-90.0, show_default=True,
              help="Camera pitch (deg, -90 = down) when the log reports no gimbal.")
@click.option("--target-pod", type=float, default=0.8, show_default=True, help="POD a cell should reach.")
@click.option("--min-alt", type=float, default=10.0, show_default=True,
              help="Ignore poses below this height above home (take-off, landing), metres.")
@click.option("--cell", type=float, default=5.0, show_default=True, help="POD grid cell size, metres.")
@click.option("--terrain", type=click.Choice(["open", "light", "moderate", "dense"]), default="open",
              show_default=True, help="Terrain class for the effective sweep width table.")
@click.option("--terrain-map", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="GeoJSON polygons with a 'terrain' property overriding --terrain where they lie.")
@click.option("--sweep-width", type=float, default=None,
              help="Use this effective sweep width (metres) at every altitude instead of the table.")
@click.option("--max-gsd", type=float, default=0.06, show_default=True,
              help="Coarsest ground sample distance (m/pixel) at which a person is still seen.")
@click.option("--max-range", type=float, default=300.0, show_default=True,
              help="Cap on how far a tilted camera counts as seeing, metres.")
@click.option("--min-gap", type=float, default=10.0, show_default=True,
              help="Report uncovered parts only if they hold a disc this wide, metres.")
@click.option("--sightings", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sightings to mark in the picture: detections.sqlite or GeoJSON points.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def coverage(tlogs: tuple[Path, ...], area_file: Path | None, out_dir: Path | None, camera_spec: str | None, mount: str,
             camera_pitch: float, target_pod: float, min_alt: float, cell: float, terrain: str,
             terrain_map: Path | None, sweep_width: float | None, max_gsd: float, max_range: float, min_gap: float,
             sightings: Path | None, as_json: bool) -> None:
    """Coverage, POD and gaps from flown telemetry logs.

    Each TLOG is one sortie (another flight or another vehicle); their POD combines as
    1 - (1 - POD1)(1 - POD2)...

    \b
    Example:
      sargc coverage missions/x/vehicle-1.tlog --area area.geojson --target-pod 0.8 --out missions/x/coverage
      sargc coverage missions/x/*.tlog        # mission folder: its area.geojson, writes missions/x/coverage
      sargc plan gaps --coverage missions/x/coverage/summary.json --out gaps.plan
    """
    from groundcontrol.track import read_track
    from search_patterns.coverage import CoverageSettings, compute_coverage_sorties
    from search_patterns.formats import read_area
    from search_patterns.formats.coverage_layers import write_coverage_outputs
    from search_patterns.pod import SweepWidthTable
    from ui.render_coverage import write_coverage_png

    folder = tlogs[0].parent
    if area_file is None:
        area_file = folder / "area.geojson"
        if not area_file.exists():
            raise InputError("no --area given and no area.geojson next to the log", where=str(folder))
    out_dir = out_dir if out_dir is not None else folder / "coverage"
    area = read_area(area_file)
    camera = parse_camera(camera_spec)
    if not 0 < target_pod < 1:
        raise InputError(f"must be between 0 and 1, got {target_pod}", where="--target-pod")
    widths = SweepWidthTable.constant(sweep_width, max_gsd_m=max_gsd) if sweep_width is not None \
        else SweepWidthTable(max_gsd_m=max_gsd)
    settings = CoverageSettings(camera=camera, mount=mount, min_alt_m=min_alt, max_range_m=max_range, cell_m=cell,  # type: ignore[arg-type]
                                terrain=terrain, sweep_widths=widths,
                                terrain_regions=read_terrain_map(terrain_map) if terrain_map else (), target_pod=target_pod, min_gap_m=min_gap)
    sorties = []
    logs = []
    for path in tlogs:
        track = read_track(path, camera_pitch_deg=camera_pitch)
        if not track.poses:
            raise InputError("no vehicle positions (GLOBAL_POSITION_INT) in this log", where=str(path))
        sorties.append(list(track.poses))
        logs.append({"tlog": str(path), "sysid": track.sysid, "poses": len(track.poses),
                     "duration_s": round(track.duration_s, 1), "gimbal_reported": track.had_gimbal,
                     "recording_status": track.had_recording_status})
    res = compute_coverage_sorties(sorties, area, settings=settings)
    marks = read_sightings(sightings) if sightings else []
    written = write_coverage_outputs(res, out_dir, extra_summary={"logs": logs})
    png = write_coverage_png(res, out_dir / "coverage.png", sightings=marks)
    s = res.summary
    if as_json:
        click.echo(json.dumps(s, indent=2))
        return
    click.echo(f"{area.name}: covered {100 * s['covered_fraction']:.1f}% of {s['area_m2'] / 10_000:.2f} ha, "
               f"mean POD {s['mean_pod']:.2f}, {100 * s['fraction_above_target']:.0f}% at or above POD "
               f"{target_pod:g}")
    click.echo(f"flown {s['flown_length_m'] / 1000:.2f} km searching in {len(sorties)} sortie(s); "
               f"{s['gap_count']} gap(s) totalling {s['gap_area_m2'] / 10_000:.2f} ha")
    for g in s["gaps"][:10]:
        click.echo(f"  gap {g['id']}: {g['area_m2']:.0f} m2, {g['length_m']:.0f} x {g['width_m']:.0f} m "
                   f"at {g['centroid_lat']:.6f}, {g['centroid_lon']:.6f}")
    if len(s["gaps"]) > 10:
        click.echo(f"  ... and {len(s['gaps']) - 10} more (see gaps.geojson)")
    click.echo(f"wrote {written['summary']}, {len(written) - 1} layer files and {png.name} in {out_dir}")
