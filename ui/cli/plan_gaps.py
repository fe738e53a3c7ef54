"""``sargc plan gaps``: a plan that re-flies only what the last flights missed.

Reads the ``summary.json`` that ``sargc coverage`` wrote (and the gap or under-target layer
next to it) and plans a lawnmower over just those parts, at the altitude and with the camera
of the flights that left them.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from search_patterns.errors import InputError


def _load_summary(path: Path) -> tuple[dict, Path]:
    p = path / "summary.json" if path.is_dir() else path
    try:
        return json.loads(p.read_text(encoding="utf-8")), p.parent
    except FileNotFoundError:
        raise InputError("coverage summary not found (run `sargc coverage` first)", where=str(p)) from None
    except ValueError as exc:
        raise InputError(f"not a coverage summary.json: {exc}", where=str(p)) from None


def _parse_latlon(text: str | None, where: str) -> tuple[float, float] | None:
    if not text:
        return None
    try:
        lat, lon = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"expected LAT,LON like -35.36,149.16, got {text!r}", where=where) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"latitude/longitude out of range: {text}", where=where)
    return lat, lon


@click.command("gaps", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--coverage", "coverage_path", required=True, type=click.Path(exists=False, path_type=Path),
              help="summary.json written by `sargc coverage` (or its folder).")
@click.option("--out", "outs", multiple=True, required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Plan file(s); format by extension (.plan, .waypoints, .kml, .geojson, .gpx).")
@click.option("--under-target", is_flag=True,
              help="Re-fly every part below the target POD, not just the unseen gaps.")
@click.option("--alt", type=float, default=None, help="Altitude above home, metres (default: as flown).")
@click.option("--spacing", type=float, default=None,
              help="Track spacing, metres (default: camera footprint at --alt minus --overlap).")
@click.option("--overlap", type=float, default=0.2, show_default=True, help="Side overlap for the default spacing.")
@click.option("--angle", default="auto", show_default=True,
              help="Leg bearing in degrees, or auto (along the gaps' long axis).")
@click.option("--home", default=None, metavar="LAT,LON", help="Launch point: the first leg starts nearest to it.")
@click.option("--speed", type=float, default=10.0, show_default=True, help="Cruise speed, m/s.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan statistics as JSON.")
def gaps(coverage_path: Path, outs: tuple[Path, ...], under_target: bool, alt: float | None, spacing: float | None,
         overlap: float, angle: str, home: str | None, speed: float, as_json: bool) -> None:
    """Plan a search of only the gaps (or the parts under the target POD) of earlier flights.

    \b
    Example:
      sargc coverage flight1.tlog --area area.geojson --out cov
      sargc plan gaps --coverage cov/summary.json --home -35.363,149.165 --out gaps.plan
    """
    from shapely.geometry import shape

    from search_patterns.area import SearchArea
    from search_patterns.camera import Camera
    from search_patterns.formats import write_plan
    from search_patterns.formats.coverage_layers import read_polygons
    from search_patterns.replan import plan_gaps

    summary, folder = _load_summary(coverage_path)
    try:
        a = summary["area"]
        area = SearchArea(shape(a["polygon"]), tuple(shape(e) for e in a.get("exclusions", [])),
                          name=a.get("name", "area"))
        cam = Camera(**summary["camera"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"summary has no usable area/camera ({exc})", where=str(coverage_path)) from None
    layer = "under_target" if under_target else "gaps"
    targets = read_polygons(folder / summary.get("layers", {}).get(layer, f"{layer}.geojson"))
    if not targets:
        what = f"nothing is below POD {summary.get('target_pod')}" if under_target else "the coverage has no gaps"
        raise InputError(f"nothing to re-fly: {what}", where=str(coverage_path))
    alt_m = alt if alt is not None else summary.get("median_alt_m")
    if alt_m is None:
        raise InputError("no altitude flown in the summary; give --alt", where=str(coverage_path))
    if not 0 <= overlap < 1:
        raise InputError(f"must be in [0, 1), got {overlap}", where="--overlap")
    spacing_m = spacing if spacing is not None else cam.footprint_m(alt_m)[0] * (1 - overlap)
    if angle == "auto":
        angle_deg = None
    else:
        try:
            angle_deg = float(angle)
        except ValueError:
            raise InputError(f"expected degrees or 'auto', got {angle!r}", where="--angle") from None
    plan = plan_gaps(area, targets, spacing_m=spacing_m, alt_m=float(alt_m), angle_deg=angle_deg,
                     home=_parse_latlon(home, "--home"), speed_m_s=speed,
                     name=f"{area.name} {'under target' if under_target else 'gaps'}")
    for out in outs:
        write_plan(plan, out, area=area)
    st = plan.stats
    if as_json:
        click.echo(json.dumps(st.as_dict(), indent=2, default=float))
        return
    click.echo(f"{len(targets)} {'region(s) under target POD' if under_target else 'gap(s)'}: "
               f"{st.extra.get('legs')} leg(s) at {st.extra.get('angle_deg'):.0f} deg, spacing {spacing_m:.1f} m, "
               f"alt {alt_m:g} m; {st.waypoints} waypoints, {st.length_m / 1000:.2f} km, "
               f"about {st.duration_s / 60:.1f} min at {speed:g} m/s")
    click.echo("wrote " + ", ".join(str(o) for o in outs))
