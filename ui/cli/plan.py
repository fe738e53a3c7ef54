"""``sargc plan``: make a search plan and write it in the formats the team needs.

Thin glue: options are parsed here, the geometry lives in ``search_patterns``. Every
subcommand writes any number of ``--out`` files (format by extension; ``.png`` draws the
area and path), prints a one-line summary, or with ``--json`` the statistics as one JSON
object, and fails with one line naming the problem.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from search_patterns.area import Datum, SearchArea
from search_patterns.camera import Camera
from search_patterns.errors import InputError
from search_patterns.plan import Plan
from search_patterns.spacing import SpacingInfo, spacing_for_target, spacing_from_camera, spacing_info
from search_patterns.validate import DEFAULT_LIMITS, Limits

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


def parse_latlon(text: str | None, where: str) -> tuple[float, float] | None:
    """'LAT,LON' → (lat, lon), or an InputError naming the option."""
    if text is None:
        return None
    try:
        lat, lon = (float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise InputError(f"expected LAT,LON like 54.45,-3.05, got {text!r}", where=where) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"latitude/longitude out of range: {text}", where=where)
    return lat, lon


def parse_angle(text: str) -> float | None:
    if text.strip().lower() == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"expected 'auto' or a bearing in degrees, got {text!r}", where="--angle") from None


def resolve_spacing(spacing: float | None, sensor_width: float | None, focal_length: float | None,
                    image_width: int | None, side_overlap: float, sweep_width: float | None,
                    target_pod: float | None, alt: float) -> SpacingInfo:
    """One spacing from exactly one of: metres; a camera; sweep width + target POD."""
    camera_given = any(v is not None for v in (sensor_width, focal_length, image_width))
    sources = [spacing is not None, camera_given, target_pod is not None]
    if sum(sources) != 1:
        raise InputError("give exactly one of --spacing M, a camera (--sensor-width, --focal-length, "
                         "--image-width) or --sweep-width with --pod", where="spacing")
    if spacing is not None:
        if not spacing > 0:
            raise InputError(f"spacing must be a positive number of metres, got {spacing}", where="--spacing")
        return spacing_info(spacing, sweep_width)
    if camera_given:
        if None in (sensor_width, focal_length, image_width):
            raise InputError("a camera needs all of --sensor-width, --focal-length and --image-width",
                             where="spacing")
        cam = Camera(sensor_width_mm=sensor_width, sensor_height_mm=sensor_width * 0.75,
                     focal_length_mm=focal_length, image_width_px=image_width,
                     image_height_px=max(1, round(image_width * 0.75)), name="command-line camera")
        return spacing_from_camera(cam, alt, side_overlap)
    if sweep_width is None:
        raise InputError("--pod needs --sweep-width (the effective sweep width W in metres)", where="spacing")
    return spacing_for_target(sweep_width_m=sweep_width, target_pod=target_pod)


def _limits(max_alt: float, max_area: float, max_waypoints: int) -> Limits:
    return Limits(max_alt_m=max_alt, max_area_km2=max_area, max_waypoints=max_waypoints)


def output_options(f: Callable) -> Callable:
    """--out (repeatable), --json, --endurance and the safety limits, shared by every pattern."""
    opts = [
        click.option("--out", "outs", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the plan here; format by extension: .plan (QGC), .waypoints (Mission Planner), "
                          ".kml, .kmz, .geojson, .gpx, or .png for a picture. Repeatable."),
        click.option("--json", "as_json", is_flag=True, help="Print the plan statistics as one JSON object."),
        click.option("--speed", type=float, default=10.0, show_default=True, help="Cruise speed, m/s."),
        click.option("--turn-cost", type=float, default=4.0, show_default=True,
                     help="Seconds each turn adds to the flight-time estimate."),
        click.option("--endurance", type=float, default=None, metavar="MIN",
                     help="Battery endurance in minutes: says whether the plan fits and how many sorties it needs."),
        click.option("--max-alt", type=float, default=DEFAULT_LIMITS.max_alt_m, show_default=True,
                     help="Legal altitude limit above ground, m."),
        click.option("--max-area", type=float, default=DEFAULT_LIMITS.max_area_km2, show_default=True,
                     help="Largest area to plan in one go, km²."),
        click.option("--max-waypoints", type=int, default=DEFAULT_LIMITS.max_waypoints, show_default=True,
                     help="Most waypoints the autopilot can hold."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def spacing_options(f: Callable) -> Callable:
    opts = [
        click.option("--spacing", type=float, default=None, help="Track spacing in metres."),
        click.option("--sensor-width", type=float, default=None, metavar="MM", help="Camera sensor width, mm."),
        click.option("--focal-length", type=float, default=None, metavar="MM", help="Camera focal length, mm."),
        click.option("--image-width", type=int, default=None, metavar="PX", help="Image width, pixels."),
        click.option("--side-overlap", type=float, default=0.2, show_default=True,
                     help="Side overlap between camera swaths (with a camera)."),
        click.option("--sweep-width", type=float, default=None, metavar="M",
                     help="Effective sweep width W for POD (with --pod: spacing = W / -ln(1-POD))."),
        click.option("--pod", "target_pod", type=float, default=None, help="Target probability of detection."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _fmt_duration(s: float) -> str:
    m = round(s / 60)
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


def summary_line(plan: Plan) -> str:
    s = plan.stats
    extra = s.extra
    parts = [f"{plan.pattern} '{plan.name}': {s.waypoints} waypoints, {s.length_m / 1000:.2f} km, "
             f"~{_fmt_duration(s.duration_s)} at {extra.get('speed_m_s', plan.speed_m_s or 0):g} m/s",
             f"spacing {s.spacing_m:.1f} m", f"area {s.area_m2 / 1e6:.3f} km²",
             f"covered {s.coverage_fraction:.1%}", f"POD {s.pod:.0%}"]
    if "angle_deg" in extra:
        parts.append(f"legs at {extra['angle_deg']:.0f}°")
    if "gsd_m" in extra:
        parts.append(f"GSD {extra['gsd_m'] * 100:.1f} cm/px")
    line = ", ".join(parts)
    if extra.get("fits_endurance") is False:
        line += (f"\n  does not fit one {extra['endurance_min']:g}-min battery (20 % reserve): needs "
                 f"{extra['sorties_needed']} sorties, e.g. `sargc plan split --parts {extra['sorties_needed']} ...`")
    return line


def _json_safe(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    return v


def write_outputs(plans: list[Plan], outs: tuple[Path, ...], area: SearchArea | None) -> list[Path]:
    """Write every --out; with several plans (a split) each file gets a '-partN' suffix."""
    from search_patterns.formats import write_plan

    written: list[Path] = []
    for out in outs:
        if out.suffix.lower() == ".png":
            from ui.render_plan import render_plan

            written.append(render_plan(plans, area, out))
            continue
        for i, plan in enumerate(plans, start=1):
            target = out if len(plans) == 1 else out.with_name(f"{out.stem}-part{i}{out.suffix}")
            write_plan(plan, target, area=area)
            written.append(target)
    return written


def report(plans: list[Plan], written: list[Path], as_json: bool, extra: dict | None = None) -> None:
    if as_json:
        if len(plans) == 1:
            doc = {"pattern": plans[0].pattern, **plans[0].stats.as_dict()}
        else:
            doc = {"pattern": "split", "parts": [{"pattern": p.pattern, **p.stats.as_dict()} for p in plans]}
            for k in ("waypoints", "length_m", "duration_s", "area_m2"):
                doc[k] = sum(p.stats.as_dict()[k] for p in plans)
            a = doc["area_m2"] or 1.0
            doc["coverage_fraction"] = sum(p.stats.coverage_fraction * p.stats.area_m2 for p in plans) / a
            doc["spacing_m"] = plans[0].stats.spacing_m
            doc["pod"] = plans[0].stats.pod
        doc.update(extra or {})
        doc["files"] = [str(p) for p in written]
        click.echo(json.dumps(_json_safe(doc), sort_keys=True))
        return
    for p in plans:
        click.echo(summary_line(p))
    for w in written:
        click.echo(f"wrote {w}")


def _read_area(area_path: Path, area_name: str | None, excludes: tuple[Path, ...]) -> SearchArea:
    from search_patterns.formats import read_area, read_exclusions

    area = read_area(area_path, area_name)
    extra = tuple(p for f in excludes for p in read_exclusions(f))
    if extra:
        area = SearchArea(area.polygon, area.exclusions + extra, name=area.name, source=area.source)
    return area


def _common_run(fn: Callable) -> Callable:
    """Resolve limits once for every subcommand."""
    @functools.wraps(fn)
    def wrapper(**kw: Any) -> Any:
        kw["limits"] = _limits(kw.pop("max_alt"), kw.pop("max_area"), kw.pop("max_waypoints"))
        return fn(**kw)
    return wrapper


@click.group("plan", context_settings=CONTEXT)
def plan() -> None:
    """Plan a search: parallel track (lawnmower), expanding square, sector, or split between drones.

    \b
    Examples:
      # lawnmower over a KML area, avoiding a no-fly zone, for QGC and Mission Planner
      sargc plan lawnmower --area fell.kml --exclude nofly.geojson --alt 50 --spacing 25 \\
          --home 54.45,-3.05 --angle auto --out plan.plan --out plan.waypoints --out plan.png
      # expanding square from the last known position, first leg into the wind (270°)
      sargc plan expanding-square --datum 54.45,-3.05 --alt 40 --spacing 30 --radius 400 \\
          --first-bearing 270 --out square.plan
      # sector search of radius 300 m, second pattern rotated 30°
      sargc plan sector --datum 54.45,-3.05 --alt 40 --radius 300 --second-pattern --out sector.plan
      # split an area between 3 drones, one plan each (plan-part1.plan ...)
      sargc plan split --area fell.kml --parts 3 --alt 50 --spacing 25 --out plan.plan --out split.png
    """


@plan.command("lawnmower", context_settings=CONTEXT)
@click.option("--area", "area_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Area file: .kml, .kmz, .geojson, .wkt, .plan (geofence), .poly.")
@click.option("--area-name", default=None, help="Which polygon, when the file holds several.")
@click.option("--exclude", "excludes", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File of no-fly zones (every polygon in it). Repeatable.")
@click.option("--alt", type=float, required=True, help="Altitude above home, metres.")
@spacing_options
@click.option("--angle", default="auto", show_default=True, help="Leg bearing in degrees, or auto (fastest).")
@click.option("--home", default=None, metavar="LAT,LON", help="Launch point: the plan starts at the nearest corner.")
@click.option("--overshoot", type=float, default=0.0, show_default=True,
              help="Fly this far past each leg end before turning, metres.")
@click.option("--margin", type=float, default=None,
              help="How far outside the area the path may go, metres (default: the overshoot).")
@click.option("--avoid-holes", is_flag=True, help="Treat holes in the area as no-fly zones too.")
@output_options
@_common_run
def lawnmower(area_path: Path, area_name: str | None, excludes: tuple[Path, ...], alt: float, spacing: float | None,
              sensor_width: float | None, focal_length: float | None, image_width: int | None, side_overlap: float,
              sweep_width: float | None, target_pod: float | None, angle: str, home: str | None, overshoot: float,
              margin: float | None, avoid_holes: bool, outs: tuple[Path, ...], as_json: bool, speed: float,
              turn_cost: float, endurance: float | None, limits: Limits) -> None:
    """Parallel-track search over an area with holes and no-fly zones.

    \b
    Example:
      sargc plan lawnmower --area fell.kml --exclude nofly.geojson --alt 50 --spacing 25 \\
          --home 54.45,-3.05 --out plan.plan --out plan.waypoints --json
      # spacing from a camera: 6.17 mm sensor, 4.5 mm lens, 1920 px, 20 % side overlap
      sargc plan lawnmower --area fell.kml --alt 60 --sensor-width 6.17 --focal-length 4.5 \\
          --image-width 1920 --out plan.plan
      # spacing for a target POD of 80 % with a 30 m sweep width
      sargc plan lawnmower --area fell.kml --alt 50 --sweep-width 30 --pod 0.8 --out plan.plan
    """
    from search_patterns.lawnmower import plan_lawnmower

    area = _read_area(area_path, area_name, excludes)
    info = resolve_spacing(spacing, sensor_width, focal_length, image_width, side_overlap, sweep_width,
                           target_pod, alt)
    p = plan_lawnmower(area, spacing_m=info.spacing_m, alt_m=alt, angle_deg=parse_angle(angle),
                       home=parse_latlon(home, "--home"), speed_m_s=speed, overshoot_m=overshoot, margin_m=margin,
                       turn_cost_s=turn_cost, spacing=info, avoid_holes=avoid_holes, endurance_min=endurance,
                       limits=limits)
    report([p], write_outputs([p], outs, area), as_json)


@plan.command("expanding-square", context_settings=CONTEXT)
@click.option("--datum", required=True, metavar="LAT,LON", help="Last known position: where the square starts.")
@click.option("--alt", type=float, required=True, help="Altitude above home, metres.")
@spacing_options
@click.option("--first-bearing", type=float, default=0.0, show_default=True,
              help="Bearing of the first leg, degrees (e.g. into the wind).")
@click.option("--legs", type=int, default=None, help="Stop after this many legs.")
@click.option("--radius", type=float, default=None, help="Stop when this radius around the datum is swept, m.")
@click.option("--area", "area_path", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Clip to this area (and stop when it is swept if no --legs/--radius).")
@click.option("--area-name", default=None, help="Which polygon, when the area file holds several.")
@click.option("--exclude", "excludes", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File of no-fly zones (with --area). Repeatable.")
@click.option("--turn", type=click.Choice(["right", "left"]), default="right", show_default=True)
@click.option("--home", default=None, metavar="LAT,LON", help="Launch point (default: the datum).")
@output_options
@_common_run
def expanding_square(datum: str, alt: float, spacing: float | None, sensor_width: float | None,
                     focal_length: float | None, image_width: int | None, side_overlap: float,
                     sweep_width: float | None, target_pod: float | None, first_bearing: float, legs: int | None,
                     radius: float | None, area_path: Path | None, area_name: str | None,
                     excludes: tuple[Path, ...], turn: str, home: str | None, outs: tuple[Path, ...],
                     as_json: bool, speed: float, turn_cost: float, endurance: float | None,
                     limits: Limits) -> None:
    """Expanding square (IAMSAR) from a datum: legs S, S, 2S, 2S, 3S, ... with 90° turns.

    \b
    Example:
      sargc plan expanding-square --datum 54.45,-3.05 --alt 40 --spacing 30 --radius 400 \\
          --first-bearing 270 --out square.plan --out square.png
    """
    from search_patterns.expanding_square import plan_expanding_square

    lat, lon = parse_latlon(datum, "--datum")
    area = _read_area(area_path, area_name, excludes) if area_path else None
    info = resolve_spacing(spacing, sensor_width, focal_length, image_width, side_overlap, sweep_width,
                           target_pod, alt)
    p = plan_expanding_square(Datum(lat, lon), spacing_m=info.spacing_m, alt_m=alt, first_bearing_deg=first_bearing,
                              legs=legs, radius_m=radius, area=area, turn=turn, home=parse_latlon(home, "--home"),
                              speed_m_s=speed, turn_cost_s=turn_cost, spacing=info, endurance_min=endurance,
                              limits=limits)
    report([p], write_outputs([p], outs, area), as_json)


@plan.command("sector", context_settings=CONTEXT)
@click.option("--datum", required=True, metavar="LAT,LON", help="Where the subject was seen: every leg crosses it.")
@click.option("--alt", type=float, required=True, help="Altitude above home, metres.")
@click.option("--radius", type=float, required=True, help="Leg length (sector radius), metres.")
@click.option("--first-bearing", type=float, default=0.0, show_default=True, help="Bearing of the first leg.")
@click.option("--second-pattern", is_flag=True, help="Fly the pattern again rotated 30°.")
@click.option("--turn", type=click.Choice(["right", "left"]), default="right", show_default=True)
@click.option("--sweep-width", type=float, default=None, metavar="M", help="Effective sweep width for POD.")
@click.option("--home", default=None, metavar="LAT,LON", help="Launch point (default: the datum).")
@output_options
@_common_run
def sector(datum: str, alt: float, radius: float, first_bearing: float, second_pattern: bool, turn: str,
           sweep_width: float | None, home: str | None, outs: tuple[Path, ...], as_json: bool, speed: float,
           turn_cost: float, endurance: float | None, limits: Limits) -> None:
    """Sector search (IAMSAR VS): three triangles through the datum, 120° turns.

    \b
    Example:
      sargc plan sector --datum 54.45,-3.05 --alt 40 --radius 300 --second-pattern --out sector.plan
    """
    from search_patterns.sector import plan_sector

    lat, lon = parse_latlon(datum, "--datum")
    p = plan_sector(Datum(lat, lon), radius_m=radius, alt_m=alt, first_bearing_deg=first_bearing,
                    second_pattern=second_pattern, turn=turn, home=parse_latlon(home, "--home"), speed_m_s=speed,
                    turn_cost_s=turn_cost, sweep_width_m=sweep_width, endurance_min=endurance, limits=limits)
    report([p], write_outputs([p], outs, None), as_json)


@plan.command("split", context_settings=CONTEXT)
@click.option("--area", "area_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Area file: .kml, .kmz, .geojson, .wkt, .plan (geofence), .poly.")
@click.option("--area-name", default=None, help="Which polygon, when the file holds several.")
@click.option("--exclude", "excludes", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File of no-fly zones. Repeatable.")
@click.option("--parts", type=int, required=True, help="Number of drones (or sorties).")
@click.option("--cut-angle", default="auto", show_default=True, help="Bearing of the cut lines, or auto.")
@click.option("--areas-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the parts as areas (.geojson/.kml: one file per part, '-partN' added).")
@click.option("--alt", type=float, required=True, help="Altitude above home, metres.")
@spacing_options
@click.option("--angle", default="auto", show_default=True, help="Leg bearing in degrees, or auto.")
@click.option("--home", default=None, metavar="LAT,LON", help="Launch point.")
@click.option("--overshoot", type=float, default=0.0, show_default=True, help="Turnaround overshoot, metres.")
@output_options
@_common_run
def split(area_path: Path, area_name: str | None, excludes: tuple[Path, ...], parts: int, cut_angle: str,
          areas_out: Path | None, alt: float, spacing: float | None, sensor_width: float | None,
          focal_length: float | None, image_width: int | None, side_overlap: float, sweep_width: float | None,
          target_pod: float | None, angle: str, home: str | None, overshoot: float, outs: tuple[Path, ...],
          as_json: bool, speed: float, turn_cost: float, endurance: float | None, limits: Limits) -> None:
    """Split an area into N parts of equal area and plan a lawnmower for each.

    \b
    Example:
      sargc plan split --area fell.kml --parts 3 --alt 50 --spacing 25 --home 54.45,-3.05 \\
          --out plan.plan --out split.png      # writes plan-part1.plan, plan-part2.plan, ...
    """
    from search_patterns.formats import write_area
    from search_patterns.lawnmower import plan_lawnmower
    from search_patterns.split import split_area

    area = _read_area(area_path, area_name, excludes)
    info = resolve_spacing(spacing, sensor_width, focal_length, image_width, side_overlap, sweep_width,
                           target_pod, alt)
    pieces = split_area(area, parts, angle_deg=parse_angle(cut_angle) if cut_angle != "auto" else None)
    launch = parse_latlon(home, "--home")
    plans = [plan_lawnmower(part, spacing_m=info.spacing_m, alt_m=alt, angle_deg=parse_angle(angle), home=launch,
                            speed_m_s=speed, overshoot_m=overshoot, turn_cost_s=turn_cost, spacing=info,
                            endurance_min=endurance, limits=limits) for part in pieces]
    written = write_outputs(plans, outs, area)
    if areas_out is not None:
        for i, part in enumerate(pieces, start=1):
            target = areas_out.with_name(f"{areas_out.stem}-part{i}{areas_out.suffix}")
            write_area(part, target)
            written.append(target)
    report(plans, written, as_json)


# Further subcommands owned by other modules register themselves below.

from ui.cli.plan_gaps import gaps as _gaps  # noqa: E402  (sargc plan gaps: re-fly what coverage missed)

plan.add_command(_gaps)
